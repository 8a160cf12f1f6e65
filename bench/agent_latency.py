"""Agent latency per MedQA question, this checkout against an earlier ref, side by side in one run.

    PYTHONPATH=. .venv/bin/python -m bench.agent_latency --store stores/all --baseline REF

Both sides run the `none`-mode agent (pipeline and chat) over the same store on the first N MIRAGE
MedQA questions, each in its own warmed-up process (`bench/latency_worker.py`, run from that side's
tree). Questions alternate between the two processes, and which side goes first alternates too, so a
busy moment of the machine falls on both sides alike. Each pass asks every question once, in fresh
processes for each pass and mode: an agent remembers what it read and encoded (`MEDREASON_EMBED_CACHE`,
`MEDREASON_ADJACENCY_CACHE`, node facts), so a question asked again in the same process would time that
memory, not a new question; what earlier, different questions left in memory counts, as it does in a
server. Each side's agent warms up as the server's does (`Agent.warm_up`) before the clock starts.
`--repeat` passes run and each question's median counts. The table gives p50, p95 and mean seconds per
question for each side, their ratio (baseline / current: above 1 is a speed-up), and how often the two
sides chose the same option.
The baseline is checked out with `git worktree` into a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.report import show_count
from bench.runner import REPO
from bench.stats import median, percentile
from bench.worktree import checkout

MIRAGE = REPO.parent / "shared" / "data" / "qa" / "mirage_benchmark.json"
RESULTS = REPO / "bench" / "results"
WORKER = Path(__file__).with_name("latency_worker.py")


class Side:
    """One checkout's agent in a child process, answering a question a line."""

    def __init__(self, name: str, tree: Path, store: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree / "src"), "MEDREASON_LLM": "none"}
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(store)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tree,
        )
        if json.loads(self._read()).get("ready") is not True:
            raise SystemExit(f"the {name} agent did not start")

    def ask(self, item: dict[str, Any]) -> dict[str, Any]:
        """One timed answer."""
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None  # noqa: S101 - opened with PIPE
        stdin.write(json.dumps(item) + "\n")
        stdin.flush()
        reply: dict[str, Any] = json.loads(self._read())
        return reply

    def close(self) -> None:
        """End the worker."""
        if self.process.stdin is not None:
            self.process.stdin.write("\n")
            self.process.stdin.close()
        self.process.wait(timeout=60)

    def _read(self) -> str:
        stdout = self.process.stdout
        assert stdout is not None  # noqa: S101 - opened with PIPE
        line = stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} agent exited (code {self.process.wait()})")
        return line


def main(argv: Sequence[str] | None = None) -> None:
    """Run both sides, print the table, write the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_latency", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument(
        "--baseline", default="HEAD", help="git ref of the code to compare with (default HEAD)"
    )
    parser.add_argument("--limit", type=int, default=40, help="first N MedQA questions (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions (default 3)")
    parser.add_argument("--modes", default="pipeline,chat", help="comma-separated: pipeline, chat")
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    args = parser.parse_args(argv)

    questions = list(json.loads(args.mirage.read_text())["medqa"].items())[: args.limit]
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    store = args.store.resolve()
    console = Console(stderr=True)
    with checkout(args.baseline) as baseline_tree:
        trees = {"baseline": baseline_tree, "current": REPO}
        results = {mode: _measure(trees, store, questions, mode, args.repeat, console) for mode in modes}
    summary = {mode: _summarize(per_question) for mode, per_question in results.items()}
    _show(summary, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "agent_latency.json"
    record = {
        "machine": machine_info(REPO),
        "baseline": args.baseline,
        "summary": summary,
        "questions": results,
    }
    out.write_text(json.dumps(record, indent=1))
    Console().print(f"[dim]wrote {out}[/dim]")


def _measure(
    trees: dict[str, Path],
    store: Path,
    questions: list[tuple[str, dict[str, Any]]],
    mode: str,
    repeat: int,
    console: Console,
) -> list[dict[str, Any]]:
    """Every question's median seconds per side over `repeat` passes, each pass in fresh processes."""
    seconds: list[dict[str, list[float]]] = [{name: [] for name in trees} for _ in questions]
    answers: list[dict[str, str | None]] = [{} for _ in questions]
    for run in range(repeat):
        sides = [Side(name, tree, store) for name, tree in trees.items()]
        try:
            for number, (_, item) in enumerate(questions):
                message = {"question": item["question"], "options": item["options"], "mode": mode}
                for side in sides if (number + run) % 2 == 0 else sides[::-1]:
                    reply = side.ask(message)
                    seconds[number][side.name].append(reply["seconds"])
                    answers[number][side.name] = reply["answer_idx"]
                show_count(console, f"{mode} pass {run + 1}/{repeat}", number + 1, len(questions))
        finally:
            for side in sides:
                side.close()
    return [
        {"id": qid, "gold": item["answer"]}
        | {f"{name}_s": median(values) for name, values in seconds[number].items()}
        | {f"{name}_answer": answer for name, answer in answers[number].items()}
        for number, (qid, item) in enumerate(questions)
    ]


def _summarize(per_question: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"questions": len(per_question)}
    for name in ("baseline", "current"):
        values = [row[f"{name}_s"] for row in per_question]
        summary[name] = {
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "mean_ms": round(sum(values) / len(values) * 1000, 1),
            "accuracy": sum(row[f"{name}_answer"] == row["gold"] for row in per_question) / len(per_question),
        }
    for stat in ("p50_ms", "p95_ms", "mean_ms"):
        summary[f"ratio_{stat[:-3]}"] = round(summary["baseline"][stat] / summary["current"][stat], 2)
    summary["same_answer"] = sum(
        row["baseline_answer"] == row["current_answer"] for row in per_question
    ) / len(per_question)
    return summary


def _show(summary: dict[str, Any], args: argparse.Namespace) -> None:
    table = Table(
        title=(
            f"Agent seconds per MedQA question (none mode, {args.limit} questions, "
            f"median of {args.repeat} passes)"
        )
    )
    for column in ("mode", "side", "p50 ms", "p95 ms", "mean ms", "accuracy"):
        table.add_column(column, justify="left" if column in ("mode", "side") else "right")
    for mode, numbers in summary.items():
        for name in ("baseline", "current"):
            side = numbers[name]
            table.add_row(
                mode,
                name,
                f"{side['p50_ms']:,}",
                f"{side['p95_ms']:,}",
                f"{side['mean_ms']:,}",
                f"{side['accuracy']:.1%}",
            )
        table.add_row(
            mode,
            "ratio",
            f"{numbers['ratio_p50']}×",
            f"{numbers['ratio_p95']}×",
            f"{numbers['ratio_mean']}×",
            f"same {numbers['same_answer']:.0%}",
        )
    Console().print(table)
    Console().print(
        f"[dim]baseline {args.baseline}; ratio = baseline / current (above 1: current is faster)[/dim]"
    )


if __name__ == "__main__":
    main()
