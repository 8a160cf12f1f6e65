"""The node pairs both path searches are asked about, and the node list the linking step reads.

A pair is only a fair question if it has an answer, so each one comes from a short random walk (two
or three steps) from a uniformly drawn source: its target is then at most three hops away. Walks follow
edges, so targets lean towards well-connected nodes, as the answer entities of medical questions do.
The walk runs on a numpy adjacency array read straight from the CSV, so no graph library is involved in
choosing what the graph libraries are then timed on. The same CSV and seed always give the same pairs.

Writes `pairs.json` (IRIs for our store, names for networkx, which keys nodes by name as MedReason does)
and `nodes.tsv` (`iri<TAB>type<TAB>name`, one node a line) for the linking step.
"""

from __future__ import annotations

import argparse
import csv
import json
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.measure import Stopwatch, log, write_result
from medreason.kg_store.vocab import node_iri


@dataclass(frozen=True, slots=True)
class Pair:
    """One question for the path searches: a source and a target, by IRI and by name."""

    source_iri: str
    target_iri: str
    source_index: int
    target_index: int
    source_name: str
    target_name: str
    source_type: str
    target_type: str
    walk_steps: int


@dataclass(frozen=True, slots=True)
class NodeRow:
    """A node as the CSV gives it."""

    iri: str
    node_type: str
    name: str


def read_graph(csv_path: Path) -> tuple[dict[int, NodeRow], np.ndarray, np.ndarray]:
    """Nodes by `x_index`, and the (x, y) index arrays of every row (both directions, as PrimeKG has them)."""
    nodes: dict[int, NodeRow] = {}
    xs, ys = array("l"), array("l")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            x, y = int(row[2]), int(row[7])
            xs.append(x)
            ys.append(y)
            if x not in nodes:
                nodes[x] = NodeRow(node_iri(row[6], row[3]).value, row[4], row[5].strip())
            if y not in nodes:
                nodes[y] = NodeRow(node_iri(row[11], row[8]).value, row[9], row[10].strip())
    return nodes, np.frombuffer(xs, dtype=np.int64), np.frombuffer(ys, dtype=np.int64)


def choose_pairs(
    nodes: dict[int, NodeRow], x: np.ndarray, y: np.ndarray, *, count: int, seed: int
) -> list[Pair]:
    """`count` distinct (source, target) pairs, each joined by a walk of 2 or 3 steps, target != source."""
    order = np.argsort(x, kind="stable")
    neighbours = y[order]
    size = int(max(x.max(), y.max())) + 1
    starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(x, minlength=size), out=starts[1:])
    rng = np.random.default_rng(seed)
    indexes = np.array(sorted(nodes), dtype=np.int64)
    pairs: list[Pair] = []
    seen: set[tuple[int, int]] = set()
    for _ in range(count * 50):
        if len(pairs) == count:
            break
        source = int(indexes[rng.integers(len(indexes))])
        steps = int(rng.integers(2, 4))
        here = source
        for _step in range(steps):
            low, high = starts[here], starts[here + 1]
            here = int(neighbours[rng.integers(low, high)])
        if here == source or (source, here) in seen:
            continue
        seen.add((source, here))
        a, b = nodes[source], nodes[here]
        pairs.append(Pair(a.iri, b.iri, source, here, a.name, b.name, a.node_type, b.node_type, steps))
    return pairs


def main(argv: Sequence[str] | None = None) -> None:
    """Choose the pairs for a CSV and write them, the node list and this step's result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=Path, required=True, help="pairs.json to write")
    parser.add_argument("--nodes", type=Path, required=True, help="nodes.tsv to write")
    parser.add_argument("--out", type=Path, required=True, help="this step's result JSON")
    args = parser.parse_args(argv)

    clock = Stopwatch()
    nodes, x, y = read_graph(args.csv)
    read_seconds = clock.seconds()
    log(f"pairs: read {len(x):,} rows and {len(nodes):,} nodes in {read_seconds:.1f}s")
    pairs = choose_pairs(nodes, x, y, count=args.count, seed=args.seed)
    args.pairs.write_text(json.dumps([asdict(pair) for pair in pairs], indent=1) + "\n", encoding="utf-8")
    with args.nodes.open("w", encoding="utf-8") as handle:
        for index in sorted(nodes):
            node = nodes[index]
            handle.write(f"{node.iri}\t{node.node_type}\t{node.name}\n")
    steps = [pair.walk_steps for pair in pairs]
    write_result(
        args.out,
        {
            "pairs": len(pairs),
            "nodes": len(nodes),
            "rows": len(x),
            "seed": args.seed,
            "walk_steps": {str(n): steps.count(n) for n in sorted(set(steps))},
            "seconds": clock.seconds(),
        },
    )


if __name__ == "__main__":
    main()
