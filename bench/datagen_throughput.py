"""Datagen samples per second against concurrency, in `none` mode.

    PYTHONPATH=. .venv/bin/python -m bench.datagen_throughput --store stores/shared

Runs `medreason datagen` in `none` mode (through `datagen.run.generate`, the function the command calls)
on the first N MedMCQA questions of MIRAGE (`../shared/data/qa/mirage_benchmark.json`) at each
concurrency level, each into a fresh output folder with its own trace file, and each in a fresh process:
an agent remembers what it encoded and read (`MEDREASON_EMBED_CACHE`, `MEDREASON_ADJACENCY_CACHE`), and
a level run after another on the same questions would find their texts already encoded. An untimed
warm-up run over the same questions (at the highest level) comes first, for the OS page cache of the
store, so that level 1 is not charged for warming what the other levels then reuse. Seconds are the
batch's own (from the first sample started to the last written: opening the store and loading the
model are excluded).

A level is a concurrency, or `CxW` for C samples at once in W worker processes (`--workers W`):
`--levels 1,2,2x2` compares one thread, two threads and two processes. A run with workers starts them
(each opens the store and the model) before its first sample, so its seconds exclude that too; `wall`
is the whole `generate` call, opening included.

Prints one table (concurrency, workers, seconds, samples/s, speed-up over concurrency 1, accepted,
rejected per stage) and writes `bench/results/datagen_throughput.json` (or `--output`), with the
machine, the load average, and whether every level produced the same samples (`none` mode is
deterministic, so it must).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.runner import MIRAGE, REPO
from medreason.agent.settings import Settings
from medreason.datagen.rows import STAGES
from medreason.datagen.run import DatagenOptions, generate
from medreason.datagen.summary import Summary

RESULTS = REPO / "bench" / "results"


def main(argv: Sequence[str] | None = None) -> None:
    """Run every level, print the table, write the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.datagen_throughput", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument(
        "--limit", type=int, default=500, help="first N questions of the subset (default 500)"
    )
    parser.add_argument("--subset", default="medmcqa", help="MIRAGE set (default medmcqa)")
    parser.add_argument(
        "--levels", default="1,2,4,8", help="concurrency levels, comma-separated; CxW runs W worker processes"
    )
    parser.add_argument(
        "--warmup", type=int, default=None, help="questions of the untimed warm-up run (default: all of them)"
    )
    parser.add_argument("--mirage", type=Path, default=MIRAGE)
    parser.add_argument("--output", type=Path, default=RESULTS / "datagen_throughput.json")
    args = parser.parse_args(argv)
    levels = [parse_level(level) for level in args.levels.split(",")]

    with tempfile.TemporaryDirectory(prefix="datagen-throughput-") as scratch:
        folder = Path(scratch)
        warmup = args.limit if args.warmup is None else args.warmup
        _run(args, folder / "warmup", level=max(levels), limit=warmup)
        results = [
            _in_fresh_process(args, folder / f"{number}-c{c}w{w}", (c, w))
            for number, (c, w) in enumerate(levels)
        ]
    same = len({tuple(result.pop("accepted_ids")) for result in results}) == 1
    baseline = next(
        (r["samples_per_second"] for r in results if (r["concurrency"], r["workers"]) == (1, 1)), None
    )
    for result in results:
        result["speedup"] = round(result["samples_per_second"] / baseline, 2) if baseline else None
    show(results, args, same=same)
    out = args.output
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine_info(REPO),
        "store": str(args.store),
        "subset": args.subset,
        "questions": args.limit,
        "mode": "none",
        "same_samples_at_every_level": same,
        "levels": results,
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    Console().print(f"[dim]wrote {out}[/dim]")


def parse_level(text: str) -> tuple[int, int]:
    """`C` or `CxW`: (concurrency, worker processes)."""
    concurrency, _, workers = text.strip().partition("x")
    return int(concurrency), int(workers or 1)


def _run(args: argparse.Namespace, folder: Path, *, level: tuple[int, int], limit: int) -> Summary:
    concurrency, workers = level
    options = DatagenOptions(
        inputs=(args.mirage,),
        output=folder / "out.jsonl",
        subsets=(args.subset,),
        limit=limit,
        concurrency=concurrency,
        quiet=True,
    )
    if workers > 1:  # set only then: a baseline run by `bench.in_turns` may predate the option
        options = replace(options, workers=workers)
    settings = Settings.load(llm="none", traces=folder / "traces.sqlite")
    return generate(options, store=args.store, settings=settings)


def _in_fresh_process(args: argparse.Namespace, folder: Path, level: tuple[int, int]) -> dict[str, Any]:
    """One level, run in a new interpreter so it inherits no memory of the questions."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_level, args, folder, level).result()


def _level(args: argparse.Namespace, folder: Path, level: tuple[int, int]) -> dict[str, Any]:
    started = time.perf_counter()
    run = _run(args, folder, level=level, limit=args.limit).run
    wall = time.perf_counter() - started
    if run is None:  # pragma: no cover - a generation run always has its counts
        raise RuntimeError("the datagen summary has no run counts")
    accepted_ids = sorted(
        json.loads(line)["id"] for line in (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()
    )
    return {
        "concurrency": level[0],
        "workers": level[1],
        "seconds": round(run.seconds, 2),
        "wall_seconds": round(wall, 2),
        "samples": run.attempted,
        "samples_per_second": round(run.samples_per_second, 3),
        "accepted": run.accepted,
        "rejected": {stage: run.rejected.get(stage, 0) for stage in STAGES},
        "yield": round(run.accepted / run.attempted, 4) if run.attempted else None,
        "accepted_ids": accepted_ids,
    }


def show(results: list[dict[str, Any]], args: argparse.Namespace, *, same: bool) -> None:
    """The levels as one table."""
    table = Table(title=f"datagen, none mode, first {args.limit} {args.subset} questions of MIRAGE")
    for column in ("concurrency", "workers", "seconds", "wall", "samples/s", "speed-up", "accepted", *STAGES):
        table.add_column(column, justify="right")
    for result in results:
        table.add_row(
            str(result["concurrency"]),
            str(result["workers"]),
            f"{result['seconds']:.1f}",
            f"{result['wall_seconds']:.1f}",
            f"{result['samples_per_second']:.2f}",
            f"{result['speedup']:.2f}×" if result["speedup"] else "–",
            str(result["accepted"]),
            *(str(result["rejected"][stage]) for stage in STAGES),
        )
    console = Console(width=120)
    console.print(table)
    console.print(
        "same samples at every level" if same else "[red]the levels produced different samples[/red]"
    )


if __name__ == "__main__":
    main()
