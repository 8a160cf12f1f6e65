"""The edge table a build writes beside its store.

It holds the same edges as SPARQL reads, gives the same paths, and is never used for another build.
"""

from __future__ import annotations

import logging
import pathlib
import random

import pytest

from medreason.kg_store.edge_table import EdgeTable
from medreason.kg_store.layout import StoreLayout
from medreason.kg_store.location import KGLocation
from medreason.kg_store.paths import _read_edges, find_paths
from medreason.kg_store.sparql import text
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODES_GRAPH, RDFS_LABEL
from tests.kg_store.search_log import gene_store
from tests.kg_store.table_edges import edges_of


def _all_nodes(kg: KGStore) -> list[str]:
    rows = kg.select(f"SELECT ?n WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {RDFS_LABEL} ?name }} }}")
    return sorted({text(row["n"]) for row in rows})


def _without_table(kg: KGStore) -> KGStore:
    """The same open graph, with path search reading edges by SPARQL."""
    return KGStore(kg.backend)


def _table(kg: KGStore) -> EdgeTable:
    table = kg.edge_table
    assert table is not None, "a store built now has an edge table"
    return table


def _walk(table: EdgeTable, start: str, *, hops: int, rng: random.Random) -> str:
    """Where a random walk of `hops` steps from `start` ends (earlier, at a node without edges)."""
    node = start
    for _ in range(hops):
        edges = edges_of(table, [node])[node]
        if not edges:
            break
        node = rng.choice(edges).reached
    return node


def _chain(tmp_path: pathlib.Path, *, edge_table: bool = True) -> tuple[KGStore, dict[str, str]]:
    pairs = [("s", "a"), ("a", "b"), ("b", "t"), ("s", "x"), ("x", "y"), ("t", "z")]
    return gene_store(tmp_path, ["s", "a", "b", "t", "x", "y", "z"], pairs, edge_table=edge_table)


def test_the_table_holds_each_node_s_edges_as_sparql_reads_them_filtered_or_not(
    toy_store_dir: pathlib.Path,
) -> None:
    with KGStore.open(toy_store_dir) as kg:
        nodes = _all_nodes(kg)
        table = _table(kg)
        by_query = _read_edges(kg, nodes, keep=None)
        assert edges_of(table, nodes) == by_query
        assert sum(map(len, by_query.values())) == 2 * kg.stats().edges, "each edge at both ends"
        keep = set(nodes[::3])
        assert edges_of(table, nodes, keep=keep) == _read_edges(kg, nodes, keep=keep)


def test_every_search_of_the_toy_graph_finds_the_same_paths_from_the_table_as_by_sparql(
    toy_store_dir: pathlib.Path,
) -> None:
    with KGStore.open(toy_store_dir) as kg:
        plain = _without_table(kg)
        nodes = _all_nodes(kg)
        found = 0
        for source in nodes:
            for target in nodes:
                for hops in (2, 4):
                    with_table = find_paths(kg, [source], [target], max_hops=hops, limit=50, hub_degree=6)
                    by_sparql = find_paths(plain, [source], [target], max_hops=hops, limit=50, hub_degree=6)
                    assert [p.to_json() for p in with_table] == [p.to_json() for p in by_sparql]
                    found += len(with_table)
        assert found > 100, "the toy graph's nodes connect"


def test_a_node_without_edges_or_unknown_to_the_graph_has_none(toy_store_dir: pathlib.Path) -> None:
    with KGStore.open(toy_store_dir) as kg:
        unknown = "https://w3id.org/medreason/kg/node/ncbigene/0"
        assert edges_of(_table(kg), [unknown]) == {unknown: ()}
        assert edges_of(_table(kg), []) == {}


@pytest.mark.shared_data
def test_on_shared_data_the_table_gives_the_stored_edges_and_the_same_paths(
    shared_store_dir: pathlib.Path,
) -> None:
    with KGStore.open(shared_store_dir) as kg:
        table = _table(kg)
        plain = _without_table(kg)
        rng = random.Random(7)  # noqa: S311 - a fixed sample, not a secret
        sample = sorted(rng.sample(_all_nodes(kg), 1_500))
        counted = table.degrees()
        assert {iri: counted.get(iri, 0) for iri in sample} == {
            iri: info.degree for iri, info in kg.nodes(sample).items()
        }, "the table's row counts are the stored degrees"
        assert edges_of(table, sample) == _read_edges(kg, sample, keep=None)
        keep = set(rng.sample(_all_nodes(kg), 20_000))
        assert edges_of(table, sample, keep=keep) == _read_edges(kg, sample, keep=keep)
        found = 0
        for source in rng.sample(sample, 25):
            target = _walk(table, source, hops=3, rng=rng)
            with_table = find_paths(kg, [source], [target], max_hops=3)
            assert [p.to_json() for p in with_table] == [
                p.to_json() for p in find_paths(plain, [source], [target], max_hops=3)
            ]
            found += bool(with_table)
        pairs = [("Metformin", "type 2 diabetes mellitus"), ("Marfan syndrome", "Arachnodactyly")]
        for source_name, target_name in pairs:
            sources, targets = kg.resolve(source_name), kg.resolve(target_name)
            with_table = find_paths(kg, sources, targets, max_hops=3, limit=20)
            assert with_table, (source_name, target_name)
            assert [p.to_json() for p in with_table] == [
                p.to_json() for p in find_paths(plain, sources, targets, max_hops=3, limit=20)
            ]
        assert found >= 10, "random walks of 3 steps end at most within 3 hops"


def test_with_the_table_a_search_sends_no_edge_query(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kg, iri = _chain(tmp_path)
    with kg:
        assert kg.edge_table is not None
        kg.degrees.load_all()
        queries: list[str] = []
        select = kg.select
        monkeypatch.setattr(kg, "select", lambda sparql, **kw: queries.append(sparql) or select(sparql, **kw))
        paths = find_paths(kg, [iri["s"]], [iri["t"]], max_hops=3)
    assert [str(path) for path in paths] == ["S —ppi→ A —ppi→ B —ppi→ T"]
    assert not [sparql for sparql in queries if "GRAPH ?g" in sparql], "an edge was read by SPARQL"


def test_a_store_without_a_table_reads_edges_by_sparql_and_finds_the_same_paths(
    tmp_path: pathlib.Path,
) -> None:
    kg, iri = _chain(tmp_path, edge_table=False)
    with kg:
        assert kg.edge_table is None
        paths = find_paths(kg, [iri["s"]], [iri["t"]], max_hops=3)
    assert [str(path) for path in paths] == ["S —ppi→ A —ppi→ B —ppi→ T"]


def test_a_table_of_another_build_is_not_used_and_the_log_says_what_to_do(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    kg, iri = _chain(tmp_path)
    kg.close()
    file = StoreLayout(tmp_path / "store").edge_table
    table = EdgeTable.load(file)
    table.build_id = "another-build"
    table.save(file)
    with caplog.at_level(logging.WARNING), KGStore.open(tmp_path / "store") as reopened:
        assert reopened.edge_table is None
        assert reopened.edge_table is None, "looked for once"
        paths = find_paths(reopened, [iri["s"]], [iri["t"]], max_hops=3)
    assert [str(path) for path in paths] == ["S —ppi→ A —ppi→ B —ppi→ T"]
    (warning,) = [record.getMessage() for record in caplog.records if "edge table" in record.getMessage()]
    assert "another-build" in warning
    assert "medreason kg build --force" in warning


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_an_unreadable_table_is_not_used_and_the_log_says_what_to_do(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    kg, iri = _chain(tmp_path)
    kg.close()
    file = StoreLayout(tmp_path / "store").edge_table
    file.write_bytes(b"not a table" if damage == "garbage" else file.read_bytes()[:200])
    with caplog.at_level(logging.WARNING), KGStore.open(tmp_path / "store") as reopened:
        assert reopened.edge_table is None
        assert find_paths(reopened, [iri["s"]], [iri["t"]], max_hops=3)
    assert any("Cannot read the edge table" in record.getMessage() for record in caplog.records)


def test_a_saved_table_loads_as_the_same_table(tmp_path: pathlib.Path, toy_store_dir: pathlib.Path) -> None:
    with KGStore.open(toy_store_dir) as kg:
        table = _table(kg)
        nodes = _all_nodes(kg)
        table.save(tmp_path / "copy.npz")
        copy = EdgeTable.load(tmp_path / "copy.npz")
        assert (copy.build_id, copy.nodes, copy.edge_ends) == (table.build_id, table.nodes, table.edge_ends)
        assert edges_of(copy, nodes) == edges_of(table, nodes)


def test_the_build_times_the_table_and_the_table_is_its_build_s(toy_store_dir: pathlib.Path) -> None:
    with KGStore.open(toy_store_dir) as kg:
        record = kg.build_record()
        assert "edge table" in record["seconds"]
        assert _table(kg).build_id == record["build_id"]
        assert _table(kg).edge_ends == 2 * record["edges"]


def test_a_graph_read_from_an_endpoint_uses_no_table(toy_store_dir: pathlib.Path) -> None:
    assert KGLocation(endpoint="http://127.0.0.1:7878/query", store=toy_store_dir).edge_table is None
    assert KGLocation(store=toy_store_dir).edge_table == StoreLayout(toy_store_dir).edge_table
