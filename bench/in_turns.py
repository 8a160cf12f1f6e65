r"""A throughput benchmark of this checkout and an earlier ref, run in turns, with medians and ratios.

    PYTHONPATH=. .venv/bin/python -m bench.in_turns --baseline REF --rounds 3 server_load \
        -- --store stores/all --levels 8 --seconds 30 --workers 2 --mode chat
    PYTHONPATH=. .venv/bin/python -m bench.in_turns --baseline REF --rounds 2 datagen_throughput \
        -- --store stores/all --subset medqa --limit 200 --levels 2

`server_load` and `datagen_throughput` keep both cores busy, so the two sides cannot run at once the way
`bench.agent_latency` interleaves single questions. On a shared virtual machine the same code's
answers/s moved by a third between runs an hour apart, with the hypervisor's steal; so one run each
compares the hours, not the code. Here every round runs both sides back to back, the side that goes
first alternating, and the table gives each side's runs, their medians and the ratio of the medians.

Both sides run this checkout's benchmark script; the baseline's `medreason` comes first on the import
path (`REF/src`), so the server or the datagen run it starts is the baseline's code. A baseline whose
API the script cannot drive fails its first run, and the log it wrote says where.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.runner import REPO
from bench.stats import median
from bench.worktree import checkout

RESULTS = REPO / "bench" / "results"
SIDES = ("current", "baseline")


def server_figures(report: dict[str, Any]) -> dict[str, float | None]:
    """Per client level: answers/s, p50 latency, the server's CPU per answer and the host's steal."""
    figures: dict[str, float | None] = {}
    for level in report["levels"]:
        prefix = f"{level['clients']} clients"
        steal = level.get("host_steal_share")
        figures[f"{prefix}: answers/s"] = level["requests_per_second"]
        figures[f"{prefix}: p50 ms"] = level["latency"].get("p50_ms")
        figures[f"{prefix}: CPU ms an answer"] = level.get("cpu_ms_per_answer")
        figures[f"{prefix}: steal %"] = None if steal is None else round(100 * steal, 1)
    return figures


def datagen_figures(report: dict[str, Any]) -> dict[str, float | None]:
    """Per concurrency level: samples/s."""
    return {
        f"concurrency {level['concurrency']}, {level['workers']} worker(s): samples/s": level[
            "samples_per_second"
        ]
        for level in report["levels"]
    }


BENCHES = {"server_load": server_figures, "datagen_throughput": datagen_figures}


def direction(figure: str) -> bool | None:
    """Whether a larger `figure` is better (rates), smaller (times, CPU), or neither (steal)."""
    if figure.endswith("/s"):
        return True
    if figure.endswith("steal %"):
        return None
    return False


def main(argv: Sequence[str] | None = None) -> None:
    """Run the rounds, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.in_turns", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git ref of the code to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("bench", choices=sorted(BENCHES), help="the benchmark to run on both sides")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="after --: the benchmark's own arguments")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    bench_args = args.args[1:] if args.args[:1] == ["--"] else args.args
    if "--output" in bench_args:
        parser.error("leave out --output: each run writes its own JSON under bench/results/in_turns/")

    console = Console(stderr=True)
    folder = RESULTS / "in_turns"
    folder.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, float | None]]] = {side: [] for side in SIDES}
    with checkout(args.baseline) as baseline_tree:
        trees = {"current": REPO, "baseline": baseline_tree}
        for round_number in range(1, args.rounds + 1):
            order = SIDES if round_number % 2 else SIDES[::-1]
            for side in order:
                console.print(f"[dim]round {round_number}/{args.rounds}: {side} ...[/dim]")
                stem = folder / f"{args.bench}-{side}-{round_number}"
                report = run_once(args.bench, bench_args, trees[side], stem)
                runs[side].append(BENCHES[args.bench](report))
    summary = summarize(runs)
    show(summary, runs, args)
    out = RESULTS / f"in_turns-{args.bench}.json"
    record = {
        "machine": machine_info(REPO),
        "bench": args.bench,
        "arguments": bench_args,
        "baseline": args.baseline,
        "rounds": args.rounds,
        "runs": runs,
        "summary": summary,
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    console.print(f"[dim]wrote {out}[/dim]")


def run_once(bench: str, bench_args: Sequence[str], tree: Path, stem: Path) -> dict[str, Any]:
    """Run `bench.<bench>` with `tree`'s medreason first on the import path; return its JSON.

    Raises:
        SystemExit: The run failed; the message names its log.
    """
    out, log = stem.with_suffix(".json"), stem.with_suffix(".log")
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(REPO)])}
    command = [sys.executable, "-m", f"bench.{bench}", *bench_args, "--output", str(out)]
    with log.open("w", encoding="utf-8") as sink:
        finished = subprocess.run(
            command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT, check=False
        )
    if finished.returncode != 0 or not out.is_file():
        raise SystemExit(
            f"bench.{bench} on {tree} failed (exit code {finished.returncode}); its output is in {log}"
        )
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def summarize(runs: dict[str, list[dict[str, float | None]]]) -> dict[str, dict[str, float | None]]:
    """Per figure: each side's median over its runs, and how many times better the current one is.

    The ratio is current / baseline for rates and baseline / current for times and CPU, so above 1
    always means the current code did better; None where a side has no value or the figure is context.
    """
    summary: dict[str, dict[str, float | None]] = {}
    for figure in runs["current"][0] if runs["current"] else {}:
        medians = {side: side_median(runs[side], figure) for side in SIDES}
        current, baseline = medians["current"], medians["baseline"]
        better = direction(figure)
        if better is None or current is None or baseline is None or 0 in (current, baseline):
            times_better = None
        else:
            times_better = round(current / baseline if better else baseline / current, 2)
        summary[figure] = {**medians, "times_better": times_better}
    return summary


def side_median(side_runs: Sequence[dict[str, float | None]], figure: str) -> float | None:
    """The median of one figure over a side's runs that report it."""
    values = [value for run in side_runs if (value := run.get(figure)) is not None]
    return round(median(values), 2) if values else None


def show(
    summary: dict[str, dict[str, float | None]],
    runs: dict[str, list[dict[str, float | None]]],
    args: argparse.Namespace,
) -> None:
    """One row per figure: each side's runs in order, their medians, the ratio."""
    table = Table(title=f"bench.{args.bench}, {args.rounds} round(s) in turns, baseline {args.baseline}")
    for column in ("figure", "current runs", "baseline runs", "current", "baseline", "× better"):
        table.add_column(column, justify="left" if column.endswith(("figure", "runs")) else "right")
    for figure, medians in summary.items():
        table.add_row(
            figure,
            ", ".join(_number(run.get(figure)) for run in runs["current"]),
            ", ".join(_number(run.get(figure)) for run in runs["baseline"]),
            _number(medians["current"]),
            _number(medians["baseline"]),
            "–" if medians["times_better"] is None else f"{medians['times_better']:.2f}×",
        )
    console = Console(width=140)
    console.print(table)
    console.print("medians of each side's runs; × better = how many times better the current median is")


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


if __name__ == "__main__":
    main()
