"""The same graph, embedded and served: same nodes, same neighbours, same paths, same records.

The parametrized fixtures run the whole KG test suite on each backend; these tests put the two side by
side on the shared data, question by question, and look every edge of every remote path up in the
embedded store, so a remote answer is never taken on its own word.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions, QueryTriples

from medreason.kg_store.location import KGLocation
from medreason.kg_store.paths import Path as KGPath
from medreason.kg_store.paths import find_paths
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODES_GRAPH, RDF_TYPE, type_class

pytestmark = pytest.mark.shared_data

PAIRS_PER_TYPE = 12


@pytest.fixture(scope="module")
def both(shared_store_dir: Path, shared_endpoint: str) -> Iterator[tuple[KGStore, KGStore]]:
    """The shared store opened here, and the same store read from its endpoint."""
    embedded = KGStore.open(shared_store_dir)
    remote = KGStore.open(KGLocation(endpoint=shared_endpoint, store=shared_store_dir, timeout_s=600))
    yield embedded, remote
    remote.close()


def _nodes_of(kg: KGStore, node_type: str, count: int) -> list[str]:
    sparql = (
        f"SELECT ?n WHERE {{ GRAPH {NODES_GRAPH} {{ ?n {RDF_TYPE} {type_class(node_type)} }} }} "
        f"ORDER BY ?n LIMIT {count}"
    )
    return [row["n"].value for row in kg.select(sparql)]


def _assert_stored(kg: KGStore, path: KGPath) -> None:
    for position, edge in enumerate(path.edges):
        earlier, later = path.nodes[position].iri, path.nodes[position + 1].iri
        head, tail = (earlier, later) if edge.forward else (later, earlier)
        assert kg.has_edge(head, edge.predicate, tail, source=edge.source), (head, edge, tail)


def test_paths_are_the_same_and_every_remote_edge_is_in_the_embedded_store(
    both: tuple[KGStore, KGStore],
) -> None:
    embedded, remote = both
    drugs = _nodes_of(embedded, "drug", PAIRS_PER_TYPE)
    diseases = _nodes_of(embedded, "disease", PAIRS_PER_TYPE)
    genes = _nodes_of(embedded, "gene/protein", PAIRS_PER_TYPE)
    found = 0
    for sources, targets in [(drugs, diseases), (genes, diseases), (drugs, genes)]:
        for source, target in zip(sources, targets, strict=True):
            here = find_paths(embedded, [source], [target], max_hops=3, limit=20)
            there = find_paths(remote, [source], [target], max_hops=3, limit=20)
            assert [p.to_json() for p in there] == [p.to_json() for p in here], (source, target)
            for path in there:
                _assert_stored(embedded, path)
            found += bool(there)
        # A set of sources against a set of targets, as the agent asks.
        assert [p.to_json() for p in find_paths(remote, sources, targets, limit=50)] == [
            p.to_json() for p in find_paths(embedded, sources, targets, limit=50)
        ]
    assert found >= PAIRS_PER_TYPE // 2  # the pairs are not all unconnected: the comparison compares paths


def test_node_facts_neighbours_and_relations_are_the_same(both: tuple[KGStore, KGStore]) -> None:
    embedded, remote = both
    iris = _nodes_of(embedded, "drug", 50) + _nodes_of(embedded, "effect/phenotype", 50)
    assert remote.nodes(iris) == embedded.nodes(iris)
    for iri in iris[:20] + iris[50:70]:
        assert remote.neighbours(iri, limit=200) == embedded.neighbours(iri, limit=200)
    assert remote.relations() == embedded.relations()
    assert remote.edge_graphs == embedded.edge_graphs


def test_the_build_record_and_stats_come_from_the_endpoints_meta_graph(both: tuple[KGStore, KGStore]) -> None:
    embedded, remote = both
    assert remote.build_record() == embedded.build_record()
    assert remote.build_record()["build_id"]
    assert remote.stats() == embedded.stats()


def test_query_forms_give_the_same_result_types(both: tuple[KGStore, KGStore]) -> None:
    embedded, remote = both
    select = "SELECT ?s ?o WHERE { ?s <https://w3id.org/medreason/kg/relation/indication> ?o } ORDER BY ?s ?o"
    rows = []
    for kg in both:
        result = kg.query(select)
        assert isinstance(result, QuerySolutions)
        rows.append([(row["s"], row["o"]) for row in result])
    assert rows[0] == rows[1]
    assert rows[0]
    construct = "CONSTRUCT WHERE { ?s <https://w3id.org/medreason/kg/relation/indication> ?o } LIMIT 25"
    triples = []
    for kg in (embedded, remote):
        result = kg.query(construct)
        assert isinstance(result, QueryTriples)
        triples.append(sorted(map(str, result)))
    assert triples[0] == triples[1]
    assert len(triples[0]) == 25
