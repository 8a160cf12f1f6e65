"""The baseline: MedReason's way of holding PrimeKG, a networkx `Graph` loaded from `kg.csv` at start-up.

MedReason reads `kg.csv` into a networkx graph keyed by node name, with the display relation on each
edge, and asks `nx.all_shortest_paths` for the paths between question and answer entities. There is no
built form to open, so for networkx the build *is* the cold start: every server process loads the CSV.
This step does it once and measures all of it: load time and peak memory (the "build"), the first
query (the cold start), latency over the pairs, and the resident memory while serving.

`all_shortest_paths` walks the whole graph breadth-first from the source before it yields a path,
then may yield very many paths through hubs; the list is capped (`--cap`, 1,000 by default) so one
pathological pair cannot run for hours. With pandas installed the CSV is read with `pandas.read_csv`
and `nx.from_pandas_edgelist`, as MedReason does; without it, with the `csv` module and `add_edge`.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import networkx as nx

from bench.measure import Stopwatch, log, peak_rss_mib, rss_mib, write_result
from bench.stats import summary_ms

NAME, INDEX = 5, 2
"""Columns of x in a kg.csv row; y's are 5 further on."""


def load_graph(csv_path: Path, *, key: str) -> tuple[Any, str]:
    """The CSV as an undirected networkx graph keyed by node `name` or `index`; returns (graph, method)."""
    column = NAME if key == "name" else INDEX
    if importlib.util.find_spec("pandas") is not None:
        import pandas as pd

        frame = pd.read_csv(csv_path, low_memory=False)
        source, target = frame.columns[column], frame.columns[column + 5]
        graph = nx.from_pandas_edgelist(frame, source, target, edge_attr="display_relation")
        del frame
        return graph, "pandas.read_csv + nx.from_pandas_edgelist"
    graph = nx.Graph()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        add_edge = graph.add_edge
        if key == "name":
            for row in reader:
                add_edge(row[NAME], row[NAME + 5], relation=row[1])
        else:
            for row in reader:
                add_edge(int(row[INDEX]), int(row[INDEX + 5]), relation=row[1])
    return graph, "csv.reader + nx.Graph.add_edge (pandas is not installed)"


def shortest_paths(graph: Any, source: object, target: object, cap: int) -> list[list[object]]:
    """Up to `cap` shortest paths, [] when there is none or an end is not in the graph."""
    try:
        return list(islice(nx.all_shortest_paths(graph, source, target), cap))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []


def main(argv: Sequence[str] | None = None) -> None:
    """Load the graph, answer every pair, write load, cold-start, latency and memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--cap", type=int, default=1000, help="at most this many shortest paths per pair")
    parser.add_argument("--key", choices=("name", "index"), default="name")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pairs = json.loads(args.pairs.read_text(encoding="utf-8"))
    ends = ("source_name", "target_name") if args.key == "name" else ("source_index", "target_index")

    rss_start = rss_mib()
    clock = Stopwatch()
    graph, method = load_graph(args.csv, key=args.key)
    load_seconds = clock.seconds()
    peak_after_load = peak_rss_mib()
    rss_loaded = rss_mib()
    size = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    log(f"networkx: {size} in {load_seconds:.1f}s")

    results: list[dict[str, object]] = []
    seconds: list[float] = []
    first_query_seconds = 0.0
    for number, pair in enumerate(pairs, start=1):
        query = Stopwatch()
        paths = shortest_paths(graph, pair[ends[0]], pair[ends[1]], args.cap)
        elapsed = query.seconds()
        if number == 1:
            first_query_seconds = elapsed
        seconds.append(elapsed)
        results.append(
            {"seconds": elapsed, "paths": len(paths), "hops": len(paths[0]) - 1 if paths else None}
        )
        if number % 25 == 0:
            log(f"networkx paths: {number}/{len(pairs)} pairs, last {elapsed * 1000:.0f} ms")
    write_result(
        args.out,
        {
            "method": method,
            "key": args.key,
            "cap": args.cap,
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "load_seconds": load_seconds,
            "cold_start_seconds": round(load_seconds + first_query_seconds, 6),
            "first_query_seconds": first_query_seconds,
            "peak_rss_after_load_mib": peak_after_load,
            "rss_start_mib": rss_start,
            "rss_loaded_mib": rss_loaded,
            "rss_serving_mib": rss_mib(),
            "latency": summary_ms(seconds),
            "total_seconds": round(sum(seconds), 3),
            "found": sum(1 for r in results if r["paths"]),
            "capped": sum(1 for r in results if r["paths"] == args.cap),
            "per_pair": results,
        },
    )


if __name__ == "__main__":
    main()
