"""How pruning embeds a path: its sentence encoded, or its nodes' stored name vectors composed, side by side.

    PYTHONPATH=. .venv/bin/python -m bench.path_vectors --store STORE --start 0 --limit 100

One `none`-mode agent answers each MIRAGE MedQA question (pipeline) twice, once per method of
`MEDREASON_PATH_VECTORS` (read at every pruning call, so one process serves both; which method goes
first alternates per question, so neither is always the one that finds the question already encoded).
The table gives, per method, p50 / mean seconds per question, accuracy, how often an answer rests on a
kept path (grounded), and how often both methods chose the same option and kept the same paths.
Writes `bench/results/path_vectors.json`. `--start` picks the slice of MedQA ids: tune on the first
half (ids below 0636), report on the second.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.report import show_count
from bench.runner import MIRAGE, REPO
from bench.stats import median, ratio
from medreason.agent.run import Agent
from medreason.kg_store.encoders.settings import ENV_PATH_VECTORS, NAMES, SENTENCES
from medreason.kg_store.store import KGStore

METHODS = (SENTENCES, NAMES)
RESULTS = REPO / "bench" / "results"


def _answer(agent: Agent, method: str, item: dict[str, Any]) -> dict[str, Any]:
    os.environ[ENV_PATH_VECTORS] = method
    started = time.perf_counter()
    answer = agent.ask(item["question"], item["options"], mode="pipeline")
    return {
        "seconds": time.perf_counter() - started,
        "answer_idx": answer.answer_idx,
        "correct": answer.answer_idx == item["answer"],
        "grounded": answer.grounded,
        "kept": sorted(text for text in answer.path_texts),
    }


def _summary(rows: list[dict[str, Any]], method: str) -> dict[str, Any]:
    seconds = [row[method]["seconds"] for row in rows]
    return {
        "p50_ms": round(1000 * median(seconds), 1),
        "mean_ms": round(1000 * sum(seconds) / len(seconds), 1),
        "accuracy": sum(row[method]["correct"] for row in rows) / len(rows),
        "grounded": sum(row[method]["grounded"] for row in rows) / len(rows),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Answer the questions both ways, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.path_vectors", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--start", type=int, default=0, help="index of the first MedQA question (default 0)")
    parser.add_argument("--limit", type=int, default=100, help="questions from --start (default 100)")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    args = parser.parse_args(argv)

    questions = list(json.loads(args.mirage.read_text(encoding="utf-8"))["medqa"].items())
    chosen = questions[args.start : args.start + args.limit]
    agent = Agent(KGStore.open(args.store), llm=None, traces=None)
    agent.ask("Which drug treats hypertension?", {"A": "Lisinopril", "B": "Insulin"}, mode="pipeline")
    rows: list[dict[str, Any]] = []
    console = Console(stderr=True)
    for number, (key, item) in enumerate(chosen):
        order = METHODS if number % 2 == 0 else METHODS[::-1]
        row: dict[str, Any] = {"id": key}
        for method in order:
            row[method] = _answer(agent, method, item)
        rows.append(row)
        show_count(console, "questions", number + 1, len(chosen))
    os.environ.pop(ENV_PATH_VECTORS, None)

    summary = {method: _summary(rows, method) for method in METHODS}
    same_answer = sum(row[SENTENCES]["answer_idx"] == row[NAMES]["answer_idx"] for row in rows) / len(rows)
    same_paths = sum(row[SENTENCES]["kept"] == row[NAMES]["kept"] for row in rows) / len(rows)
    table = Table(title=f"Path vectors, none-mode pipeline, MedQA [{args.start}, {args.start + len(rows)})")
    for column in ("method", "p50 ms", "mean ms", "accuracy", "grounded"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for method in METHODS:
        figures = summary[method]
        table.add_row(
            method,
            f"{figures['p50_ms']:,.1f}",
            f"{figures['mean_ms']:,.1f}",
            f"{figures['accuracy']:.1%}",
            f"{figures['grounded']:.1%}",
        )
    speed_p50 = ratio(summary[SENTENCES]["p50_ms"], summary[NAMES]["p50_ms"])
    speed_mean = ratio(summary[SENTENCES]["mean_ms"], summary[NAMES]["mean_ms"])
    agreement = (f"same {same_answer:.0%}", f"kept {same_paths:.0%}")
    table.add_row("ratio", f"{speed_p50}×", f"{speed_mean}×", *agreement)
    Console().print(table)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "path_vectors.json"
    report = {
        "machine": machine_info(REPO),
        "store": str(args.store),
        "start": args.start,
        "summary": summary,
        "same_answer": same_answer,
        "same_kept_paths": same_paths,
        "rows": rows,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
