"""Cited edges and free-text claims, checked against the real shared store."""

from __future__ import annotations

from typing import Any

import pytest
from pyoxigraph import NamedNode

from medreason.agent.faithfulness import ClaimChecker, check_path_edges
from medreason.agent.writing import sentences
from medreason.kg_store.mentions import qualifier_terms
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import edge_graph

pytestmark = pytest.mark.shared_data


def _stored_edge(kg: KGStore) -> tuple[str, str, str, str]:
    """One edge as stored: head, predicate, tail and source."""
    (row,) = kg.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {edge_graph('primekg')} {{ ?s ?p ?o }} }} LIMIT 1")
    head, predicate, tail = row["s"], row["p"], row["o"]
    assert isinstance(head, NamedNode)
    assert isinstance(predicate, NamedNode)
    assert isinstance(tail, NamedNode)
    return head.value, predicate.value, tail.value, "primekg"


def _path(first: str, second: str, predicate: str, *, forward: bool, source: str) -> dict[str, Any]:
    edge = {
        "predicate": predicate,
        "forward": forward,
        "source": source,
        "relation": "r",
        "display_relation": "r",
    }
    return {"nodes": [{"iri": first}, {"iri": second}], "edges": [edge]}


def test_a_stored_edge_is_found_whichever_way_the_path_walks_it(shared_store: KGStore) -> None:
    head, predicate, tail, source = _stored_edge(shared_store)
    paths = [
        _path(head, tail, predicate, forward=True, source=source),
        _path(tail, head, predicate, forward=False, source=source),
    ]
    assert check_path_edges(shared_store, paths).found == 2


def test_an_edge_the_kg_lacks_is_counted_and_named(shared_store: KGStore) -> None:
    head, predicate, tail, source = _stored_edge(shared_store)
    paths = [
        _path(head, tail, predicate, forward=False, source=source),  # the wrong direction
        _path(head, tail, predicate, forward=True, source="hetionet"),  # the wrong source graph
        _path(head, tail, "not an iri", forward=True, source=source),
    ]
    check = check_path_edges(shared_store, paths)
    assert (check.checked, check.found) == (3, 0)
    assert len(check.missing) == 3
    assert tail in check.missing[0]


def test_claims_between_kg_entities_are_checked_for_a_direct_edge(shared_store: KGStore) -> None:
    checker = ClaimChecker(shared_store, exclude=qualifier_terms(shared_store))
    text = (
        "Marfan syndrome presents with arachnodactyly. Lisinopril causes arachnodactyly.\n"
        "The patient has a fever. Conclusion: The answer is B."
    )
    check = checker.check(text)
    assert check.claims == 2, "two sentences name two KG entities; the others name at most one"
    assert check.unsupported == 1
    assert check.examples == ("Lisinopril causes arachnodactyly.",)


def test_sentences_split_at_line_breaks_and_sentence_ends() -> None:
    assert sentences("One. Two!\nThree?  Four\n\n") == ["One.", "Two!", "Three?", "Four"]
