"""The degree table: each node's stored degree, read once, all of them at warm-up, and never a wrong one."""

from __future__ import annotations

import pathlib

import pytest

from medreason.kg_store.degrees import DegreeTable
from medreason.kg_store.paths import find_paths
from medreason.kg_store.sparql import text
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODES_GRAPH, RDFS_LABEL
from tests.kg_store.search_log import gene_store

ABSENT = "https://w3id.org/medreason/kg/node/ncbigene/0"


def _all_nodes(kg: KGStore) -> list[str]:
    rows = kg.select(f"SELECT ?n WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {RDFS_LABEL} ?name }} }}")
    return sorted({text(row["n"]) for row in rows})


class DegreeQueries:
    """Counts the store's queries that read degrees."""

    def __init__(self, kg: KGStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        select = kg.select

        def counted(sparql: str, **kwargs: object) -> object:
            self.count += "degree" in sparql.lower()
            return select(sparql, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(kg, "select", counted)


_GENES = (["a", "b", "c", "d", "e", "f"], [("a", "b"), ("b", "c"), ("c", "d"), ("b", "e"), ("b", "f")])


@pytest.fixture
def genes(tmp_path: pathlib.Path) -> tuple[KGStore, dict[str, str]]:
    """a-b-c-d, with b also joined to e and f: b has degree 4, a, d, e and f degree 1."""
    return gene_store(tmp_path, *_GENES)


def test_each_node_gets_its_stored_degree_and_an_iri_the_store_lacks_gets_0(toy: KGStore) -> None:
    nodes = toy.nodes(_all_nodes(toy))
    degrees = DegreeTable(toy).of([*nodes, ABSENT])
    assert degrees == {**{iri: info.degree for iri, info in nodes.items()}, ABSENT: 0}
    assert any(degrees.values()), "the toy graph has edges"


def test_reading_all_at_once_gives_the_same_degrees(toy: KGStore) -> None:
    iris = _all_nodes(toy)
    table = DegreeTable(toy)
    table.load_all()
    assert table.complete
    assert len(table) == len(iris)
    assert table.of(iris) == DegreeTable(toy).of(iris)


def test_a_second_warm_up_reads_nothing(
    genes: tuple[KGStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kg, _ = genes
    kg.degrees.load_all()
    queries = DegreeQueries(kg, monkeypatch)
    kg.degrees.load_all()
    assert kg.degrees.complete
    assert queries.count == 0


def test_a_degree_is_read_once(
    genes: tuple[KGStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kg, iri = genes
    queries = DegreeQueries(kg, monkeypatch)
    assert kg.degrees.of([iri["a"], iri["b"]]) == {iri["a"]: 1, iri["b"]: 4}
    assert kg.degrees.of([iri["b"], iri["a"], ABSENT]) == {iri["b"]: 4, iri["a"]: 1, ABSENT: 0}
    assert kg.degrees.of([ABSENT, iri["b"]]) == {ABSENT: 0, iri["b"]: 4}
    assert queries.count == 2, "the second call read only the IRI not yet known, the third nothing"


def test_after_warm_up_path_search_reads_no_degree_and_finds_the_same_paths(
    tmp_path: pathlib.Path, genes: tuple[KGStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold_kg, iri = genes
    cold = find_paths(cold_kg, [iri["a"]], [iri["d"]], max_hops=3)
    assert [path.hops for path in cold] == [3]
    with KGStore.open(tmp_path / "store") as warm_kg:
        warm_kg.degrees.load_all()
        queries = DegreeQueries(warm_kg, monkeypatch)
        assert find_paths(warm_kg, [iri["a"]], [iri["d"]], max_hops=3) == cold
    assert queries.count == 0


def test_a_partial_table_still_reads_the_nodes_it_missed(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read by SPARQL, as from an endpoint: a store with an edge table takes every degree from it.
    kg, iri = gene_store(tmp_path, *_GENES, edge_table=False)
    record = kg.build_record()
    # An endpoint that caps result sizes returns fewer nodes than the build recorded.
    monkeypatch.setattr(kg, "build_record", lambda: {**record, "nodes": int(record["nodes"]) + 1})
    kg.degrees.load_all()
    assert not kg.degrees.complete
    queries = DegreeQueries(kg, monkeypatch)
    assert kg.degrees.of([iri["b"], ABSENT]) == {iri["b"]: 4, ABSENT: 0}
    assert queries.count == 1, "the IRI the table lacks was asked for"


def test_with_an_edge_table_every_degree_comes_from_it_and_equals_the_stored_one(
    genes: tuple[KGStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kg, iri = genes
    assert kg.edge_table is not None
    queries = DegreeQueries(kg, monkeypatch)
    kg.degrees.load_all()
    assert kg.degrees.complete
    assert queries.count == 0, "no degree was read by SPARQL"
    stored = {info.iri: info.degree for info in kg.nodes([*iri.values(), ABSENT]).values()}
    assert kg.degrees.of([*iri.values(), ABSENT]) == {**stored, ABSENT: 0}
    assert queries.count == 0
