"""One side of `bench.agent_latency`: an agent over a store, answering questions sent on stdin.

Run as a script by the checkout being measured (`PYTHONPATH=TREE/src python bench/latency_worker.py`), so
it imports only the standard library and `medreason`'s public API, and speaks JSON lines: it prints
`{"ready": true}` after `Agent.warm_up` (what the server and datagen call before their first question)
and a warm-up question, then for each `{"question", "options", "mode"}` line prints `{"seconds",
"answer_idx", "paths"}`. An empty line ends it.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any

WARM_UP = ("Which drug treats hypertension?", {"A": "Lisinopril", "B": "Insulin"})


def _open_agent(store: Path) -> Any:
    """The agent of the checkout being measured, with no model and no trace file.

    Both sides run this file, so it builds the agent as either side's API wants: a checkout from before
    `Agent` took its backend alone also wants the LLM settings.
    """
    from medreason.agent.run import Agent
    from medreason.kg_store.store import KGStore

    kg = KGStore.open(store)
    agent: Any = Agent  # typed as this checkout's; the other side's may take other arguments
    if "settings" in inspect.signature(agent).parameters:
        from medreason.agent.llm.settings import LLMSettings

        return agent(kg, llm=None, settings=LLMSettings(), traces=None)
    return agent(kg, llm=None, traces=None)


def main() -> None:
    """Warm up as the server and datagen do, then answer each question line until an empty one."""
    agent = _open_agent(Path(sys.argv[1]))
    warm_up = getattr(agent, "warm_up", None)  # a baseline older than `Agent.warm_up` has none
    if warm_up is not None:
        warm_up()
    for mode in ("pipeline", "chat"):
        agent.ask(WARM_UP[0], WARM_UP[1], mode=mode)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        item = json.loads(line)
        started = time.perf_counter()
        answer = agent.ask(item["question"], item["options"], mode=item["mode"])
        seconds = time.perf_counter() - started
        print(
            json.dumps({"seconds": seconds, "answer_idx": answer.answer_idx, "paths": len(answer.paths)}),
            flush=True,
        )


if __name__ == "__main__":
    main()
