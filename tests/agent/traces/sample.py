"""A hand-made trace: the recorder driven as the pipeline drives it, on a clock the test controls."""

from __future__ import annotations

from typing import Any

from medreason.agent.traces.recorder import TraceRecorder
from medreason.agent.traces.records import Trace

START = 1_795_000_000.0
"""2026-11-18T11:06:40Z: the sample's clock starts here."""

KG = "https://w3id.org/medreason/kg/"
ASPIRIN = KG + "node/drugbank/DB00945"
PTGS1 = KG + "node/ncbigene/5742"
ASTHMA = KG + "node/mondo/0004979"
PATH: dict[str, Any] = {
    "nodes": [
        {"iri": ASPIRIN, "name": "Aspirin", "type": "drug"},
        {"iri": PTGS1, "name": "PTGS1", "type": "gene/protein"},
        {"iri": ASTHMA, "name": "asthma", "type": "disease"},
    ],
    "edges": [
        {
            "relation": "drug_protein",
            "display_relation": "target",
            "forward": True,
            "source": "DrugBank",
            "predicate": KG + "relation/drug_protein",
        },
        {
            "relation": "disease_protein",
            "display_relation": "associated with",
            "forward": False,
            "source": "DisGeNET",
            "predicate": KG + "relation/disease_protein",
        },
    ],
}


class Clock:
    """Seconds since the epoch that move only when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        """The current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.now += seconds


def record_sample(
    *, question: str = "Which drug is linked to asthma?", clock: Clock | None = None, fail: bool = False
) -> Trace:
    """Three steps (extract, paths, reason), two tool calls and two LLM calls; `fail` ends it in an error.

    Records: 0 start, 1 extract, 2 tool link_entity, 3 llm extract, 4 paths, 5 tool find_paths,
    6 reason, 7 llm reason, 8 end.
    """
    clock = clock or Clock()
    recorder = TraceRecorder(
        kind="pipeline",
        inputs={"question": question, "options": {"A": "Aspirin", "B": "Insulin"}},
        kg_build="build-7f3a",
        llm={"backend": "openai", "model": "gpt-test"},
        clock=clock,
    )
    with recorder.step("extract", {"question": question}) as step:
        clock.advance(0.004)
        recorder.tool("link_entity", {"text": "asthma"}, [PATH["nodes"][2]], duration_ms=3.5)
        clock.advance(0.008)
        recorder.llm("extract", model="gpt-test", prompt_tokens=100, completion_tokens=20, duration_ms=8.0)
        step.result = {"mentions": ["asthma", "Aspirin"]}
    with recorder.step("paths", {"entities": 2}) as step:
        clock.advance(0.005)
        recorder.tool("find_paths", {"source": ASPIRIN, "target": ASTHMA}, [PATH], duration_ms=5.0)
        step.result = {"paths": 1}
    with recorder.step("reason", {"paths": 1}) as step:
        clock.advance(0.5)
        recorder.llm(
            "reason",
            model="gpt-test",
            prompt_tokens=300,
            completion_tokens=80,
            duration_ms=500.0,
            error="LLMUnavailableError: timed out" if fail else None,
        )
        step.result = {"reasoning": "Aspirin targets PTGS1, which is associated with asthma."}
    clock.advance(0.001)
    if fail:
        return recorder.finish(None, error="LLMUnavailableError: timed out")
    return recorder.finish({"answer": "Aspirin", "answer_idx": "A", "paths": [PATH]})
