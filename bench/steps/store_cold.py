"""One cold start of a server process: open the built store read-only and answer a first query.

Run several times, each in a fresh interpreter; the runner takes the median. "Cold" is per process:
the OS page cache is left as it is (dropping it needs root and would slow every other process).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Stopwatch, write_result


def main(argv: Sequence[str] | None = None) -> None:
    """Time imports, open, a first node look-up and a first path search; write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pair = json.loads(args.pairs.read_text(encoding="utf-8"))[0]

    clock = Stopwatch()
    from medreason.kg_store.paths import find_paths
    from medreason.kg_store.store import KGStore

    import_seconds = clock.seconds()
    clock = Stopwatch()
    kg = KGStore.open(args.store)
    open_seconds = clock.seconds()
    node = kg.node(pair["source_iri"])
    node_seconds = clock.seconds()
    paths = find_paths(kg, [pair["source_iri"]], [pair["target_iri"]], max_hops=3, limit=10)
    paths_seconds = clock.seconds()
    write_result(
        args.out,
        {
            "import_seconds": import_seconds,
            "open_seconds": open_seconds,
            "open_to_node_seconds": node_seconds,
            "open_to_paths_seconds": paths_seconds,
            "node_found": node is not None,
            "paths": len(paths),
        },
    )


if __name__ == "__main__":
    main()
