"""The one way to open an agent: the store, its entity index, the trace file and the model, then close them.

    with open_agent(settings, store=Path("stores/all")) as agent:
        answer = agent.ask("Which drug is indicated for hypertension?")

`medreason ask`, `datagen`, `eval` and the server all open their agent here, so each gets the same
collaborators, the same warm-up and the same clean-up: everything opened is closed in reverse order
when the block ends, also when opening a later part or a question fails.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from medreason.agent.context import DEFAULT_MAX_HOPS, DEFAULT_TOP_K
from medreason.agent.conversations import ConversationStore, conversations_file
from medreason.agent.llm.backend import open_backend
from medreason.agent.run import Agent
from medreason.agent.settings import Settings
from medreason.agent.traces.store import TraceStore
from medreason.kg_store.encoders.settings import ENV_THREADS as ENV_ENCODER_THREADS
from medreason.kg_store.store import KGStore

logger = logging.getLogger(__name__)


@contextmanager
def open_agent(
    settings: Settings,
    *,
    store: Path | None,
    default_traces: Path | None = None,
    max_hops: int = DEFAULT_MAX_HOPS,
    top_k: int = DEFAULT_TOP_K,
    warm_up: bool = True,
    conversations: bool = False,
) -> Iterator[Agent]:
    """An agent over the store at `store`, its collaborators opened from `settings`, closed on exit.

    Args:
        settings: The model, the trace file (`settings.traces`, else `default_traces`, else the
            user's trace file), and the SPARQL endpoint and entity index when the graph is served.
        store: A store built by `medreason kg build`, opened read-only; with an endpoint, read for its
            entity index only (or None, the index then given by `settings.index`).
        default_traces: The command's own trace file, used when the settings name none.
        max_hops: The agent's longest path, unless a question says otherwise.
        top_k: The paths the agent keeps per side, unless a question says otherwise.
        warm_up: Open the entity index, the relations and MiniLM now (`Agent.warm_up`); a caller that
            may have nothing to ask (a finished datagen run) passes False and warms up when it knows.
        conversations: Keep conversations (the server does), in a SQLite file beside the trace file,
            bounded by `settings.conversation_turns` and `settings.conversation_idle_hours`.

    Raises:
        LLMConfigError: The LLM settings do not make a usable backend (checked before anything opens).
        KGError: The store or its entity index cannot be opened, or no graph is given.
        TraceStoreError: The trace file cannot be opened or created.
        LLMError: The local model server did not start.
    """
    llm_settings = settings.llm_settings()
    with ExitStack() as opened:
        kg = opened.enter_context(KGStore.open(settings.kg_location(store)))
        traces = opened.enter_context(TraceStore.open(settings.traces_file(default_traces)))
        kept = None
        if conversations:
            kept = opened.enter_context(
                ConversationStore.open(
                    conversations_file(traces.path),
                    keep_turns=settings.conversation_turns,
                    idle_hours=settings.conversation_idle_hours,
                )
            )
        llm = open_backend(llm_settings)
        if llm is not None:
            opened.enter_context(llm)
        agent = Agent(kg, llm=llm, traces=traces, conversations=kept, max_hops=max_hops, top_k=top_k)
        if warm_up:
            agent.warm_up()
        logger.info(
            "agent open: graph %s (build %s), traces %s, LLM %s",
            kg.location,
            agent.kg_build or "unknown",
            traces.path,
            agent.llm_description,
        )
        yield agent


def share_cores(processes: int) -> int:
    """Give this process's encoder its share of the cores when `processes` agents run side by side.

    An encoder call runs alone on every core by default (`kg_store.encoders.by_load`); in one of several
    processes that oversubscribes the cores. Call before the encoder first loads (before `open_agent`);
    `MEDREASON_ENCODER_THREADS`, when set, wins. Returns the threads this process's encoder will use.
    """
    os.environ.setdefault(ENV_ENCODER_THREADS, str(max(1, (os.cpu_count() or 1) // processes)))
    return int(os.environ[ENV_ENCODER_THREADS])
