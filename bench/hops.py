"""Path search cost by hop limit, the figures behind `MAX_HOPS`: `PYTHONPATH=. python -m bench.hops`.

Draws node pairs uniformly from a built store (seeded) and searches every pair with every hop limit from
1 to `MAX_HOPS + 1`, side by side in one run, so the limits are compared on the same pairs under the
same load. Per limit it reports the median and p95 seconds, the share of pairs joined, and the median of
each pair's time over its time at the limit below. The pairs that stay apart are the costly ones (the
search runs to its limit), so their medians are reported on their own. A PrimeKG-shaped store comes from
`python -m bench.run --scale S --steps build` (`bench/results/work/scale-S-seed-7/store`).
Writes `bench/results/NAME.json` (`--name`, default `hops`).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine_info
from bench.measure import Stopwatch, log, write_result
from bench.runner import REPO
from bench.stats import median, percentile
from medreason.kg_store.paths import MAX_HOPS, find_paths
from medreason.kg_store.sparql import text
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import DEGREE, NODES_GRAPH

RESULTS = REPO / "bench" / "results"


def main(argv: Sequence[str] | None = None) -> None:
    """Search the pairs at every limit, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.hops", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by `medreason kg build`")
    parser.add_argument("--pairs", type=int, default=100, help="node pairs (default 100)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--name", default="hops", help="results file name (default hops)")
    args = parser.parse_args(argv)

    kg = KGStore.open(args.store)
    nodes = sorted(
        text(row["n"]) for row in kg.select(f"SELECT ?n WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {DEGREE} ?d }} }}")
    )
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible sample, not cryptography
    pairs = [tuple(rng.sample(nodes, 2)) for _ in range(args.pairs)]
    limits = range(1, MAX_HOPS + 2)
    runs: list[dict[str, Any]] = []
    for number, (source, target) in enumerate(pairs, start=1):
        run: dict[str, Any] = {"source": source, "target": target, "seconds": {}, "hops": None}
        for limit in limits:
            clock = Stopwatch()
            found = find_paths(kg, [source], [target], max_hops=limit, limit=10)
            run["seconds"][limit] = clock.seconds()
            if found and run["hops"] is None:
                run["hops"] = found[0].hops
        runs.append(run)
        timings = " ".join(f"{limit}: {seconds:.2f} s" for limit, seconds in run["seconds"].items())
        log(f"pair {number}/{len(pairs)}, {run['hops'] or 'no'} hops apart; {timings}")

    rows = [_row(runs, limit) for limit in limits]
    _print(rows, args.store, len(pairs))
    write_result(
        RESULTS / f"{args.name}.json",
        {
            "store": str(args.store),
            "seed": args.seed,
            "rows": rows,
            "runs": runs,
            "machine": machine_info(REPO),
        },
    )


def _row(runs: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    seconds = [run["seconds"][limit] for run in runs]
    apart = [run["seconds"][limit] for run in runs if run["hops"] is None or run["hops"] > limit]
    growth = [
        run["seconds"][limit] / run["seconds"][limit - 1]
        for run in runs
        if limit > 1 and run["seconds"][limit - 1] > 0
    ]
    return {
        "max_hops": limit,
        "joined": sum(run["hops"] is not None and run["hops"] <= limit for run in runs) / len(runs),
        "p50_ms": round(median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "apart_p50_ms": round(median(apart) * 1000, 2) if apart else None,
        "growth_p50": round(median(growth), 2) if growth else None,
    }


def _print(rows: list[dict[str, Any]], store: Path, pairs: int) -> None:
    table = Table(title=f"find_paths by hop limit: {pairs} random pairs of {store}")
    for column in (
        "max hops",
        "joined",
        "p50 ms",
        "p95 ms",
        "p50 ms, pairs still apart",
        "× limit below (p50)",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            str(row["max_hops"]),
            f"{row['joined']:.0%}",
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            "" if row["apart_p50_ms"] is None else f"{row['apart_p50_ms']:.1f}",
            "" if row["growth_p50"] is None else f"{row['growth_p50']:.1f}×",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
