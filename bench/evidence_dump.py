"""Each question's KG evidence, kept for fitting the scorer: `python -m bench.evidence_dump --store S`.

Answering a MIRAGE question takes path search; weighing its evidence takes microseconds. So the
evidence is gathered once per question here (the `none` chat agent's kept paths for every option, and
the closed-book similarities) and `bench.evidence_report` scores the file under each setting.
Which questions: MedQA ids below `TUNING_END` are the tuning half, the only questions a constant may be
fitted on; the rest, MedMCQA and MMLU are for reporting once. The file is a journal
(`datagen.journal`): appended to a question at a time, resumed by question id, and a line torn by a kill
is cut off and its question redone, so a killed run loses nothing and writes nothing twice.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench.runner import MIRAGE, REPO
from medreason.agent.evidence import closest_in_meaning
from medreason.agent.run import Agent
from medreason.datagen.journal import Journal
from medreason.kg_store.store import KGStore
from medreason.tools.limits import DEFAULT_TOP_K

TUNING_END = "0636"
"""MedQA ids below this are the tuning half (issue 14's split); the rest are reported, never tuned on."""
OUT = REPO / "bench" / "results" / "evidence_dump.jsonl"


def selected(
    mirage: Path, subset: str, split: str, limit: int | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The subset's questions in file order: its tuning half, its held-out half, or all of it."""
    items = json.loads(mirage.read_text(encoding="utf-8"))[subset].items()
    if split == "tune":
        items = [(qid, item) for qid, item in items if qid < TUNING_END]
    elif split == "test":
        items = [(qid, item) for qid, item in items if qid >= TUNING_END]
    yield from list(items)[:limit]


def record(agent: Agent, subset: str, qid: str, item: dict[str, Any], top_k: int) -> dict[str, Any]:
    """One question's evidence: its kept paths per option, its entities and the closed-book scores."""
    answer = agent.ask(item["question"], item["options"], mode="chat", top_k=top_k)
    _, similarity = closest_in_meaning(item["question"], item["options"])
    return {
        "id": f"{subset}:{qid}",
        "question": item["question"],
        "options": item["options"],
        "gold": item["answer"],
        "similarity": similarity,
        "entities": [{"name": e["name"], "iri": e.get("iri"), "side": e["side"]} for e in answer.entities],
        "evidence": answer.evidence,
        "agent": {
            "answer_idx": answer.answer_idx,
            "grounded": answer.grounded,
            "confidence": answer.confidence,
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Append the evidence of every selected question not yet in the file."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.evidence_dump", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--subset", default="medqa", help="a MIRAGE subset (default medqa)")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="tune")
    parser.add_argument("--limit", type=int, default=None, help="first N selected questions")
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="paths kept per option")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    if args.subset != "medqa" and args.split != "all":
        parser.error(f"--split {args.split} halves MedQA only; use --split all for {args.subset}")
    with Journal.open(args.out) as journal:
        if journal.repaired:
            print(  # noqa: T201 - the one line a resumed run owes its user
                f"cut off a torn last line of {args.out} ({journal.repaired} bytes); its question is redone"
            )
        selection = selected(args.mirage, args.subset, args.split, args.limit)
        todo = [(qid, item) for qid, item in selection if f"{args.subset}:{qid}" not in journal.keys]
        with KGStore.open(args.store) as kg, Progress() as bar:
            agent = Agent(kg, llm=None, traces=None)
            task = bar.add_task(f"{args.subset} {args.split}", total=len(todo))
            for qid, item in todo:
                journal.append([record(agent, args.subset, qid, item, args.top_k)])
                bar.advance(task)


if __name__ == "__main__":
    main()
