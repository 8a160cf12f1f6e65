"""The benchmark's synthetic PrimeKG is a kg.csv our loader reads without a skipped row."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.synthetic_primekg import GeneratorOptions, generate
from medreason.kg_store.records import Edge, Node, Skipped
from medreason.kg_store.sources.primekg_csv import read_primekg_csv


def test_small_synthetic_graph_has_primekg_shape_and_loads_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "kg.csv"
    report = generate(out, GeneratorOptions(scale=0.005, seed=3, names=None))
    assert report.rows == 2 * report.edges
    records = list(read_primekg_csv(out))
    kinds = Counter(type(record) for record in records)
    assert kinds[Skipped] == 0
    assert kinds[Edge] == report.rows
    assert kinds[Node] == report.nodes
    assert len({t for r in records if isinstance(r, Node) for t in [r.node_type]}) == 10
    again = tmp_path / "again.csv"
    generate(again, GeneratorOptions(scale=0.005, seed=3, names=None))
    assert again.read_bytes() == out.read_bytes()
