"""Path search on the toy graph, where every right answer is known, and on the shared data."""

from __future__ import annotations

import pathlib
from typing import cast

import pytest

from medreason.kg_store import catalog
from medreason.kg_store.adjacency import Edge
from medreason.kg_store.build import build_store
from medreason.kg_store.paths import Path, _read_edges, find_paths
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import ANNOTATION_GRAPH_PREFIX, node_iri
from tests.kg_store.search_log import ExpansionLog, gene_store
from tests.kg_store.table_edges import edges_of
from tests.kg_store.toy_graph import Node, write_csv

METFORMIN = node_iri("DrugBank", "DB00331").value
ASPIRIN = node_iri("DrugBank", "DB00945").value
LONELY_DRUG = node_iri("DrugBank", "DB99999").value
T2D = node_iri("MONDO", "5148").value
ASTHMA = node_iri("MONDO", "4979").value
LONELY_DISEASE = node_iri("MONDO", "9999").value


def assert_edges_exist(kg: KGStore, path: Path) -> None:
    """Every step of a path is an edge the store holds, in the direction the step says."""
    for position, edge in enumerate(path.edges):
        earlier, later = path.nodes[position].iri, path.nodes[position + 1].iri
        head, tail = (earlier, later) if edge.forward else (later, earlier)
        assert kg.has_edge(head, edge.predicate, tail, source=edge.source), (head, edge, tail)


def test_one_hop_path_is_the_shortest_and_runs_forward(toy: KGStore) -> None:
    paths = find_paths(toy, [METFORMIN], [T2D])
    assert len(paths) == 1
    (path,) = paths
    assert [node.name for node in path.nodes] == ["Metformin", "type 2 diabetes mellitus"]
    edge = path.edges[0]
    assert (edge.relation, edge.display_relation, edge.forward, edge.source) == (
        "indication",
        "indication",
        True,
        "primekg",
    )
    assert_edges_exist(toy, path)


def test_reverse_query_reports_the_edge_as_backward(toy: KGStore) -> None:
    (path,) = find_paths(toy, [T2D], [METFORMIN])
    assert path.edges[0].forward is False
    assert str(path) == "type 2 diabetes mellitus ←indication— Metformin"


def test_two_hop_path_keeps_each_edge_direction_and_label(toy: KGStore) -> None:
    (path,) = find_paths(toy, [ASPIRIN], [ASTHMA])
    assert [node.name for node in path.nodes] == ["Aspirin", "PTGS1", "asthma"]
    assert [(e.relation, e.display_relation, e.forward) for e in path.edges] == [
        ("drug_protein", "target", True),
        ("disease_protein", "associated with", False),
    ]
    assert [node.node_type for node in path.nodes] == ["drug", "gene/protein", "disease"]
    assert_edges_exist(toy, path)


def test_max_hops_bounds_the_search(toy: KGStore) -> None:
    assert find_paths(toy, [ASPIRIN], [ASTHMA], max_hops=1) == []
    (path,) = find_paths(toy, [LONELY_DRUG], [LONELY_DISEASE], max_hops=3, hub_degree=100)
    assert path.hops == 3
    assert find_paths(toy, [LONELY_DRUG], [LONELY_DISEASE], max_hops=2, hub_degree=100) == []


def test_hubs_are_not_expanded_through(toy: KGStore) -> None:
    # HUB1 and HUB2 have 7 and 8 edges; with a cap of 5 neither side may expand through them.
    assert find_paths(toy, [LONELY_DRUG], [LONELY_DISEASE], hub_degree=5) == []
    # A hub that both sides reach is still a path: it is met, not expanded.
    hub1 = node_iri("NCBI", "9001").value
    (path,) = find_paths(toy, [LONELY_DRUG], [hub1], hub_degree=5)
    assert path.hops == 1


def test_node_sets_and_limit(toy: KGStore) -> None:
    paths = find_paths(toy, [METFORMIN, ASPIRIN], [T2D, ASTHMA], limit=10)
    assert {(p.nodes[0].name, p.nodes[-1].name) for p in paths} == {("Metformin", "type 2 diabetes mellitus")}
    assert (
        len(find_paths(toy, [node_iri("NCBI", "9001").value], [node_iri("NCBI", "9002").value], limit=1)) == 1
    )


def test_unknown_and_identical_endpoints_give_no_paths(toy: KGStore) -> None:
    assert find_paths(toy, ["https://example.org/nothing"], [T2D]) == []
    assert find_paths(toy, ["not an iri at all"], [T2D]) == []
    assert find_paths(toy, [T2D], [T2D]) == []
    assert find_paths(toy, [], [T2D]) == []


def test_results_are_deterministic(toy: KGStore) -> None:
    first = [p.to_json() for p in find_paths(toy, [LONELY_DRUG], [node_iri("NCBI", "8003").value])]
    again = [p.to_json() for p in find_paths(toy, [LONELY_DRUG], [node_iri("NCBI", "8003").value])]
    assert first == again
    assert first


def test_a_hub_met_early_by_the_other_side_still_completes_the_shortest_path(tmp_path: pathlib.Path) -> None:
    # S - Y - T is the shortest path; Y is a hub (degree 8 > cap 3). S has more edges than T, so
    # the search grows T first, then S must still be expanded once (it is an endpoint) and meet Y,
    # which T reached a layer earlier, rather than the 3-hop budget going on T's side alone.
    nodes: dict[str, Node] = {
        name: (str(index), str(7000 + index), "gene/protein", name.upper(), "NCBI")
        for index, name in enumerate(["s", "t", "y", "z", "z1"] + [f"f{i}" for i in range(40)])
    }
    ppi = "protein_protein", "ppi"
    edges = [(*ppi, "s", "y"), (*ppi, "t", "y"), (*ppi, "t", "z"), (*ppi, "z", "z1")]
    edges += [(*ppi, "y", f"f{i}") for i in range(6)]
    edges += [(*ppi, "s", f"f{i}") for i in range(10, 20)]
    edges += [(*ppi, "z1", f"f{i}") for i in range(20, 39)]
    csv_file = write_csv(tmp_path / "kg.csv", nodes, edges)
    build_store(tmp_path / "store", [catalog.primekg_csv(csv_file)], embeddings=False)
    kg = KGStore.open(tmp_path / "store")
    s, t = node_iri("NCBI", "7000").value, node_iri("NCBI", "7001").value
    (path,) = find_paths(kg, [s], [t], hub_degree=3)
    assert [node.name for node in path.nodes] == ["S", "Y", "T"]
    assert_edges_exist(kg, path)


def test_a_search_ends_when_one_side_has_reached_everything_it_connects_to(tmp_path: pathlib.Path) -> None:
    # T and U are joined only to each other; S fans out over two layers of fillers. Once U is expanded
    # and reaches nothing new, no path can exist, and S's wide second layer must not be fetched.
    first = [f"f{i}" for i in range(10)]
    second = [f"g{i}" for i in range(10)]
    pairs = [("t", "u")] + [("s", f) for f in first] + list(zip(first, second, strict=True))
    pairs += [(g, f"h{i}") for i, g in enumerate(second)]
    kg, iri = gene_store(tmp_path, ["s", "t", "u", *first, *second, *(f"h{i}" for i in range(10))], pairs)
    log = ExpansionLog(kg)
    assert find_paths(cast(KGStore, log), [iri["s"]], [iri["t"]], max_hops=4) == []
    expanded = set().union(*log.expanded)
    assert {iri["s"], iri["t"], iri["u"]} <= expanded
    assert not expanded & {iri[f] for f in first}, "the search went on after T's side was closed"


def test_a_side_with_an_unexpanded_hub_is_not_closed(tmp_path: pathlib.Path) -> None:
    # S - A - H - T is the only path; H is a hub (degree 7 > cap 3). T's side reaches H and X, expands
    # X (it reaches nothing new) and is out of nodes to expand, but S's side can still meet it at H.
    fillers = [f"f{i}" for i in range(5)]
    pairs = [("s", "a"), ("a", "h"), ("h", "t"), ("t", "x")] + [("h", f) for f in fillers]
    kg, iri = gene_store(tmp_path, ["s", "a", "h", "t", "x", *fillers], pairs)
    (path,) = find_paths(kg, [iri["s"]], [iri["t"]], max_hops=4, hub_degree=3)
    assert [node.name for node in path.nodes] == ["S", "A", "H", "T"]
    assert_edges_exist(kg, path)


@pytest.mark.shared_data
def test_paths_on_shared_data_are_real_edges_within_max_hops(shared_store: KGStore) -> None:
    sources = shared_store.resolve("Metformin")
    targets = shared_store.resolve("type 2 diabetes mellitus")
    assert sources
    assert targets
    paths = find_paths(shared_store, sources, targets, max_hops=3, limit=20)
    assert paths
    for path in paths:
        assert 1 <= path.hops <= 3
        assert_edges_exist(shared_store, path)


def _edges_row_by_row(kg: KGStore, iri: str) -> tuple[Edge, ...]:
    """A node's edges read the plain way, a row an edge, kept when their graph is an edge graph."""
    edge_graphs = {graph.value for graph in kg.edge_graphs}
    edges = []
    for forward, pattern in ((True, f"<{iri}> ?p ?m"), (False, f"?m ?p <{iri}>")):
        for predicate, reached, graph in kg.select(f"SELECT ?p ?m ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}"):
            if graph.value in edge_graphs:
                edges.append(Edge(predicate.value, reached.value, graph.value, forward))
    return tuple(sorted(edges))


def test_a_node_s_edges_read_in_groups_are_its_stored_edges_and_nothing_from_other_graphs(
    shared_store: KGStore,
) -> None:
    # Search reads a node's far ends grouped by predicate and graph, one string per group, or from the
    # store's edge table. Start from a node the HPO annotation graph also names (a frequency class), so
    # that graph's rows are there to leak in, and compare each expanded node's edges, read both ways,
    # with the same node's edges read row by row.
    annotated = f"""SELECT ?n WHERE {{
        GRAPH ?a {{ ?annotation ?qualifier ?n }}
        FILTER(STRSTARTS(STR(?a), "{ANNOTATION_GRAPH_PREFIX}") && isIRI(?n))
    }} LIMIT 1"""
    (start,) = [row["n"].value for row in shared_store.select(annotated)]
    assert _edges_row_by_row(shared_store, start), "the annotated node also has edges"
    targets = shared_store.resolve("Marfan syndrome")
    log = ExpansionLog(shared_store)
    find_paths(cast(KGStore, log), [start], targets, max_hops=3)

    read = sorted(set().union(*log.expanded[:-1]))
    assert start in read
    by_query = _read_edges(shared_store, read, keep=None)
    table = shared_store.edge_table
    by_table = by_query if table is None else edges_of(table, read)
    for iri in read:
        assert by_query[iri] == by_table[iri] == _edges_row_by_row(shared_store, iri), iri
