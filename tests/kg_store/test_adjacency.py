"""Remembered edge lists: bounded by edges, least recently used first out, and paths the same either way."""

from __future__ import annotations

import pathlib
from typing import cast

import pytest

from medreason.kg_store.adjacency import ENV_MAX_EDGES, AdjacencyCache, Edge
from medreason.kg_store.errors import KGError
from medreason.kg_store.paths import find_paths
from medreason.kg_store.store import KGStore
from tests.kg_store.search_log import ExpansionLog, gene_store


def _edges(count: int) -> tuple[Edge, ...]:
    return tuple(Edge("p", f"n{i}", "g", True) for i in range(count))


def test_the_least_recently_used_list_goes_first_once_the_edge_budget_is_full() -> None:
    cache = AdjacencyCache(max_edges=5)
    cache.put("a", _edges(2))
    cache.put("b", _edges(2))
    assert cache.get("a") is not None, "a is now the most recently used"
    cache.put("c", _edges(2))

    assert cache.get("b") is None
    assert cache.get("a") == _edges(2)
    assert cache.get("c") == _edges(2)
    assert cache.held == 4


def test_a_list_longer_than_the_budget_is_not_kept_and_pushes_nothing_out() -> None:
    cache = AdjacencyCache(max_edges=3)
    cache.put("a", _edges(3))
    cache.put("hub", _edges(4))
    assert cache.get("hub") is None
    assert cache.get("a") == _edges(3)


def test_a_zero_budget_keeps_nothing_not_even_an_empty_list() -> None:
    cache = AdjacencyCache(max_edges=0)
    cache.put("a", _edges(1))
    cache.put("isolated", ())
    assert cache.get("a") is None
    assert cache.get("isolated") is None
    assert cache.held == 0


def test_empty_lists_count_against_the_budget() -> None:
    cache = AdjacencyCache(max_edges=2)
    for name in ("x", "y", "z"):
        cache.put(name, ())
    assert cache.get("x") is None, "the oldest empty list made room"
    assert cache.get("z") == ()
    assert cache.held == 2


@pytest.mark.parametrize("raw", ["lots", "-1", "1.5"])
def test_a_bad_budget_in_the_environment_names_the_variable(raw: str) -> None:
    with pytest.raises(KGError, match=ENV_MAX_EDGES):
        AdjacencyCache.from_env({ENV_MAX_EDGES: raw})


def test_the_budget_comes_from_the_environment() -> None:
    assert AdjacencyCache.from_env({ENV_MAX_EDGES: " 1200 "}).max_edges == 1200
    assert AdjacencyCache.from_env({}).max_edges > 0


def _chain_store(tmp_path: pathlib.Path) -> tuple[KGStore, dict[str, str]]:
    # S - A - B - T is the only path; S and T also have side branches, so each layer reads real rows.
    # Without its edge table: the cache serves the searches that read edges by SPARQL.
    pairs = [("s", "a"), ("a", "b"), ("b", "t"), ("s", "x"), ("x", "y"), ("t", "z")]
    return gene_store(tmp_path, ["s", "a", "b", "t", "x", "y", "z"], pairs, edge_table=False)


def test_a_second_search_reads_remembered_edges_instead_of_querying_and_finds_the_same_paths(
    tmp_path: pathlib.Path,
) -> None:
    kg, iri = _chain_store(tmp_path)
    with kg:
        first_log = ExpansionLog(kg)
        first = find_paths(cast(KGStore, first_log), [iri["s"]], [iri["t"]], max_hops=3)
        assert kg.adjacency.held > 0
        second_log = ExpansionLog(kg)
        second = find_paths(cast(KGStore, second_log), [iri["s"]], [iri["t"]], max_hops=3)

    assert [str(path) for path in second] == [str(path) for path in first] == ["S —ppi→ A —ppi→ B —ppi→ T"]
    inner = set().union(*first_log.expanded[:-2])
    queried_again = set().union(*second_log.expanded) if second_log.expanded else set()
    assert inner, "the first search expanded inner layers"
    assert not inner & queried_again, "an inner layer's edges were queried again"


def test_without_a_cache_every_search_queries_and_finds_the_same_paths(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_MAX_EDGES, "0")
    kg, iri = _chain_store(tmp_path)
    with kg:
        logs = [ExpansionLog(kg), ExpansionLog(kg)]
        found = [find_paths(cast(KGStore, log), [iri["s"]], [iri["t"]], max_hops=3) for log in logs]
        assert kg.adjacency.held == 0

    assert [str(path) for path in found[0]] == [str(path) for path in found[1]]
    assert logs[0].expanded == logs[1].expanded
