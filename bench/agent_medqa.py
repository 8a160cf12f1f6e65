"""The `none`-mode agent on real MedQA questions: `PYTHONPATH=. .venv/bin/python -m bench.agent_medqa`.

Runs the first N MedQA questions of MIRAGE (`../shared/data/qa/mirage_benchmark.json`) through the
agent with no language model, against a store you built (all the shared KG data plus HPO, for the
figures quoted in the README), and reports: the share of questions with at least one linked entity,
the share with at least one question→option path, accuracy against the gold letter, and seconds per
question (median and p95, measured after one warm-up question loads the embedding model). Writes
every per-question record to `bench/results/agent_medqa.json`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.runner import MIRAGE, REPO
from medreason.agent.run import Agent
from medreason.kg_store.store import KGStore

RESULTS = REPO / "bench" / "results"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the questions, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.agent_medqa", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--limit", type=int, default=200, help="first N MedQA questions (default 200)")
    parser.add_argument("--mode", choices=("pipeline", "chat"), default="pipeline")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    args = parser.parse_args(argv)

    questions = list(json.loads(args.mirage.read_text())["medqa"].items())[: args.limit]
    with KGStore.open(args.store) as kg:
        agent = Agent(kg, llm=None, traces=None)  # the agent alone: no model, no trace file
        agent.ask(
            "Warm-up: which drug treats hypertension?", {"A": "Lisinopril", "B": "Insulin"}, mode=args.mode
        )
        records: list[dict[str, Any]] = []
        for qid, item in questions:
            started = time.perf_counter()
            answer = agent.ask(item["question"], item["options"], mode=args.mode)
            seconds = time.perf_counter() - started
            records.append(
                {
                    "id": qid,
                    "gold": item["answer"],
                    "answer_idx": answer.answer_idx,
                    "correct": answer.answer_idx == item["answer"],
                    "entities": len(answer.entities),
                    "question_entities": sum(1 for e in answer.entities if e["side"] == "question"),
                    "option_paths": len(answer.paths) if answer.confidence else 0,
                    "grounded": bool(answer.confidence),
                    "verified": answer.verified,
                    "seconds": round(seconds, 4),
                }
            )
    summary = summarize(records)
    show(summary, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "agent_medqa.json"
    out.write_text(
        json.dumps(
            {"machine": machine_info(REPO), "mode": args.mode, "summary": summary, "records": records},
            indent=2,
        )
    )
    Console().print(f"[dim]wrote {out}[/dim]")


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares, accuracy and time per question over the records."""
    n = len(records)
    seconds = sorted(r["seconds"] for r in records)
    return {
        "questions": n,
        "linked_share": sum(r["entities"] > 0 for r in records) / n,
        "question_linked_share": sum(r["question_entities"] > 0 for r in records) / n,
        "path_share": sum(r["grounded"] for r in records) / n,
        "accuracy": sum(r["correct"] for r in records) / n,
        "accuracy_when_grounded": (
            sum(r["correct"] for r in records if r["grounded"]) / max(1, sum(r["grounded"] for r in records))
        ),
        "verified_share": sum(r["verified"] for r in records) / n,
        "seconds_median": statistics.median(seconds),
        "seconds_p95": seconds[min(n - 1, int(0.95 * n))],
    }


def show(summary: dict[str, Any], args: argparse.Namespace) -> None:
    """The summary as a table."""
    table = Table(title=f"none-mode agent ({args.mode}) on the first {summary['questions']} MedQA questions")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    Console().print(table)


if __name__ == "__main__":
    main()
