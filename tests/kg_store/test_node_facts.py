"""Remembered node facts: read once, the same facts either way, bounded, and absent IRIs never kept."""

from __future__ import annotations

import pathlib

import pytest

from medreason.kg_store.node_facts import NodeFactsCache
from medreason.kg_store.store import KGStore, NodeInfo
from tests.kg_store.search_log import gene_store

ABSENT = "https://w3id.org/medreason/kg/node/ncbigene/0"


def _info(iri: str) -> NodeInfo:
    return NodeInfo(
        iri=iri, name=iri.upper(), node_type="gene/protein", source="NCBI", source_id=iri, degree=1
    )


class FactQueries:
    """Counts the IRIs the store's node-facts queries ask for."""

    def __init__(self, kg: KGStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[int] = []
        fetch = kg._fetch_nodes

        def counted(batch: list[object]) -> dict[str, NodeInfo]:
            self.asked.append(len(batch))
            return fetch(batch)  # type: ignore[arg-type]

        monkeypatch.setattr(kg, "_fetch_nodes", counted)


def test_facts_are_read_once_and_the_same_from_memory(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kg, iri = gene_store(tmp_path, ["a", "b", "c"], [("a", "b"), ("b", "c")])
    with kg:
        queries = FactQueries(kg, monkeypatch)
        first = kg.nodes([iri["a"], iri["b"], ABSENT])
        again = kg.nodes([iri["b"], iri["a"], iri["c"], ABSENT])
        assert first == {iri["a"]: again[iri["a"]], iri["b"]: again[iri["b"]]}
        assert (again[iri["b"]].name, again[iri["b"]].degree) == ("B", 2)
        assert list(again) == sorted(again), "in IRI order, as a read gives them"
        assert queries.asked == [3, 2], "the second read asked only for c and the absent IRI"
        assert ABSENT not in kg.nodes([ABSENT])
        assert len(kg.node_facts) == 3


def test_the_least_recently_used_node_goes_first() -> None:
    cache = NodeFactsCache(max_nodes=2)
    cache.remember({"a": _info("a"), "b": _info("b")})
    assert set(cache.known(["a"])) == {"a"}, "a is now the most recently used"
    cache.remember({"c": _info("c")})
    assert set(cache.known(["a", "b", "c"])) == {"a", "c"}
    assert len(cache) == 2
