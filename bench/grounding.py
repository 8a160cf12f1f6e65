"""How well a store grounds MIRAGE questions, measured through datagen's own pipeline and judge.

Each question runs through `datagen.sample.SampleMaker` (the code `medreason datagen` runs, `none`
mode), so the yield and the stage a sample stops at are datagen's. The agent it is given is the real
one, with `stream` watched to keep the final answer's linked entities: that is what tells whether
the gold option was linked even when the question itself linked nothing (datagen stops at the
question then, and its row cannot say). Per question:

- `question_linked`: at least one node linked in the question;
- `gold_linked`: at least one node linked for the gold option (the gold-answer link rate);
- `gold_path`: at least one kept path from a question node to a gold node (question→gold coverage:
  the samples datagen accepts or rejects only at `verify`);
- `accepted`: the sample datagen accepts.

Records are appended to a JSON-lines file as they are measured, so a stopped run resumes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from medreason.agent.run import Agent, AgentAnswer
from medreason.agent.state import QUESTION, option_side
from medreason.datagen.adapters import read_records
from medreason.datagen.records import QARecord
from medreason.datagen.sample import SampleMaker
from medreason.kg_store.store import KGStore
from medreason.tools.limits import DEFAULT_MAX_HOPS, DEFAULT_TOP_K


@dataclass(frozen=True, slots=True)
class Grounded:
    """One question's outcome against one store."""

    id: str
    question_linked: bool
    gold_linked: bool
    gold_path: bool
    accepted: bool
    stage: str | None


class _WatchedAgent(Agent):
    """The real agent, keeping its last run's final answer for the caller to read (one run at a time)."""

    last: AgentAnswer | None = None

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """The agent's own events, unchanged; the answer is also kept."""
        for event in super().stream(*args, **kwargs):
            if event["event"] == "answer":
                self.last = event["answer"]
            yield event


def mirage_records(path: Path, subset: str, limit: int) -> list[QARecord]:
    """The first `limit` records of one MIRAGE subset, in file order."""
    records = (record for record in read_records(path, subsets=(subset,)) if isinstance(record, QARecord))
    return [record for _, record in zip(range(limit), records, strict=False)]


def measure(store: Path, records: list[QARecord], journal: Path) -> list[Grounded]:
    """Every record's outcome against `store`, resuming from (and appending to) `journal`."""
    done = _read_journal(journal)
    todo = [record for record in records if record.id not in done]
    if todo:
        kg = KGStore.open(store)
        agent = _WatchedAgent(kg, llm=None, traces=None)
        maker = SampleMaker(agent, max_hops=DEFAULT_MAX_HOPS, top_k=DEFAULT_TOP_K)
        journal.parent.mkdir(parents=True, exist_ok=True)
        with journal.open("a", encoding="utf-8") as out:
            for record in todo:
                agent.last = None
                sample = maker(record)
                if agent.last is None:  # pragma: no cover - a judged sample always ran the agent
                    raise RuntimeError(f"no answer was streamed for {record.id}")
                done[record.id] = _grounded(record, agent.last, sample.stage)
                out.write(json.dumps(asdict(done[record.id])) + "\n")
                out.flush()
    return [done[record.id] for record in records]


def shares(results: list[Grounded]) -> dict[str, Any]:
    """The shares over a subset's questions, as fractions, with the count they are of."""
    n = len(results)

    def share(flag: str) -> float:
        return round(sum(bool(getattr(result, flag)) for result in results) / n, 4) if n else 0.0

    stages: dict[str, int] = {}
    for result in results:
        stages[result.stage or "accepted"] = stages.get(result.stage or "accepted", 0) + 1
    return {
        "questions": n,
        "question_linked": share("question_linked"),
        "gold_linked": share("gold_linked"),
        "gold_path": share("gold_path"),
        "yield": share("accepted"),
        "stages": dict(sorted(stages.items())),
    }


def _grounded(record: QARecord, answer: AgentAnswer, stage: str | None) -> Grounded:
    gold_side = option_side(record.answer_idx) if record.answer_idx else None
    sides = {str(entity.get("side")) for entity in answer.entities}
    return Grounded(
        id=record.id,
        question_linked=QUESTION in sides,
        gold_linked=gold_side in sides,
        gold_path=stage in {None, "verify"},
        accepted=stage is None,
        stage=stage,
    )


def _read_journal(journal: Path) -> dict[str, Grounded]:
    if not journal.is_file():
        return {}
    rows: list[Mapping[str, Any]] = [
        json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return {row["id"]: Grounded(**row) for row in rows}
