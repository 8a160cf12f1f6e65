"""Serve path queries from our store: open it read-only, ask every pair, report latency and memory.

With `--sparql-endpoint URL` the same pairs are asked of the store served at that URL (`kg serve`),
so `bench.remote_kg` times both backends with this one step.

The resident memory reported is the process's after opening and after all queries: what a server
holding the store pays. RocksDB reads files through the page cache, which RSS does not count; that is
the point of an on-disk store, and the OS can drop those pages under pressure.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Stopwatch, log, rss_mib, write_result
from bench.stats import summary_ms


def main(argv: Sequence[str] | None = None) -> None:
    """Run `find_paths` over the pairs and write latencies, hop counts and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--max-hops", type=int, default=3)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--sparql-endpoint", help="read the store served here instead of opening it")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from medreason.kg_store.errors import KGError
    from medreason.kg_store.location import KGLocation
    from medreason.kg_store.paths import DEFAULT_HUB_DEGREE, find_paths
    from medreason.kg_store.store import KGStore

    rss_start = rss_mib()
    clock = Stopwatch()
    kg = KGStore.open(KGLocation(store=args.store, endpoint=args.sparql_endpoint))
    open_seconds = clock.seconds()
    rss_open = rss_mib()
    pairs = json.loads(args.pairs.read_text(encoding="utf-8"))
    results: list[dict[str, object]] = []
    seconds: list[float] = []
    for number, pair in enumerate(pairs, start=1):
        query = Stopwatch()
        error = None
        try:
            paths = find_paths(
                kg, [pair["source_iri"]], [pair["target_iri"]], max_hops=args.max_hops, limit=args.limit
            )
        except KGError as exc:
            paths, error = [], str(exc)
        elapsed = query.seconds()
        seconds.append(elapsed)
        results.append(
            {
                "seconds": elapsed,
                "paths": len(paths),
                "hops": paths[0].hops if paths else None,
                "first": paths[0].to_json() if paths else None,
                "error": error,
            }
        )
        if number % 25 == 0:
            log(f"store paths: {number}/{len(pairs)} pairs, last {elapsed * 1000:.0f} ms")
    write_result(
        args.out,
        {
            "open_seconds": open_seconds,
            "latency": summary_ms(seconds),
            "total_seconds": round(sum(seconds), 3),
            "found": sum(1 for r in results if r["paths"]),
            "errors": sum(1 for r in results if r["error"]),
            "rss_start_mib": rss_start,
            "rss_open_mib": rss_open,
            "rss_serving_mib": rss_mib(),
            "max_hops": args.max_hops,
            "limit": args.limit,
            "hub_degree": DEFAULT_HUB_DEGREE,
            "backend": "remote" if args.sparql_endpoint else "embedded",
            "per_pair": results,
        },
    )


if __name__ == "__main__":
    main()
