"""Build our store from the CSV, as `medreason kg build` does, and report its time and peak memory.

The entity index is part of a build (its label table; embeddings off here, timed on their own by
`bench.steps.embed_index`), so its time counts, as it would for anyone building the store.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Stopwatch, log, write_result


def directory_mib(path: Path) -> float:
    """The bytes under a directory, in MiB."""
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def main(argv: Sequence[str] | None = None) -> None:
    """Build the store at `--store` from `--csv` and write the timing and memory result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    clock = Stopwatch()
    from medreason.kg_store.build import build_store
    from medreason.kg_store.catalog import primekg_csv

    import_seconds = clock.seconds()
    last = [0.0]

    def progress(stage: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if now - last[0] >= 15 or (total is not None and done == total):
            last[0] = now
            log(f"build: {stage} {done:,}" + (f"/{total:,}" if total else ""))

    build_clock = Stopwatch()
    report = build_store(args.store, [primekg_csv(args.csv)], embeddings=False, force=True, progress=progress)
    seconds = build_clock.seconds()
    log(f"build: done in {seconds:.1f}s: {report.seconds}")
    write_result(
        args.out,
        {
            "seconds": seconds,
            "import_seconds": import_seconds,
            "stage_seconds": report.seconds,
            "nodes": report.nodes,
            "edges": report.edges,
            "triples": report.triples,
            "dangling_edges": report.dangling_edges,
            "rows": sum(source.edges for source in report.sources),
            "skipped_rows": sum(source.skipped for source in report.sources),
            "embeddings": report.embeddings,
            "store_mib": directory_mib(args.store),
            "oxigraph_mib": directory_mib(args.store / "oxigraph"),
            "index_mib": directory_mib(args.store / "index"),
        },
    )


if __name__ == "__main__":
    main()
