"""Time the embedding half of the entity index on its own: every node name through all-MiniLM-L6-v2.

The store build runs without embeddings (its comparison with networkx is about the graph), so this
step builds a standalone index with them, from the same nodes, for its time and peak memory; the
linking step can then measure the embedding fallback against it.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Stopwatch, log, write_result


def main(argv: Sequence[str] | None = None) -> None:
    """Build an index with embeddings from `nodes.tsv` into `--index`; write its time and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from medreason.kg_store.entity_index import EntityEntry, EntityIndex

    with args.nodes.open(encoding="utf-8") as handle:
        entries = [
            EntityEntry(iri, name, node_type)
            for iri, node_type, name in (line.rstrip("\n").split("\t", 2) for line in handle)
        ]
    shutil.rmtree(args.index, ignore_errors=True)
    last = [0.0]

    def progress(done: int) -> None:
        if time.perf_counter() - last[0] >= 30:
            last[0] = time.perf_counter()
            log(f"embeddings: {done:,}/{len(entries):,} names")

    clock = Stopwatch()
    index = EntityIndex.build(args.index, entries, embeddings=True, progress=progress)
    seconds = clock.seconds()
    log(f"embeddings: {len(index):,} names in {seconds:.0f}s")
    write_result(
        args.out,
        {"seconds": seconds, "names": len(entries), "names_per_second": round(len(entries) / seconds, 1)},
    )


if __name__ == "__main__":
    main()
