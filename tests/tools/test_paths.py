"""`search_paths` and `prune_paths` on the toy graph (paths known by heart) and the shared data."""

from __future__ import annotations

import json

import pytest

from medreason.kg_store.embeddings import encoder
from medreason.kg_store.paths import Path
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from medreason.tools.paths import PathRegistry, path_sentence
from medreason.tools.toolkit import KGToolkit

ASPIRIN = node_iri("DrugBank", "DB00945").value
ASTHMA = node_iri("MONDO", "4979").value
T2D_QUESTION = "Which drug is indicated for type 2 diabetes mellitus?"


def test_search_paths_resolves_names_and_reports_paths_with_ids(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)

    result = toolkit.search_paths(["Aspirin"], [ASTHMA])

    (path,) = result["paths"]
    assert path["id"] == "p1"
    assert path["text"] == "Aspirin —target→ PTGS1 ←associated with— asthma"
    assert path["hops"] == 2
    assert [node["name"] for node in path["nodes"]] == ["Aspirin", "PTGS1", "asthma"]
    assert [(edge["display_relation"], edge["forward"]) for edge in path["edges"]] == [
        ("target", True),
        ("associated with", False),
    ]
    assert result["unresolved"] == []
    assert "note" not in result
    assert json.loads(json.dumps(result)) == result


def test_path_ids_are_stable_within_a_run_and_start_over_in_the_next(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)

    first = toolkit.search_paths(["Aspirin"], ["asthma"])
    second = toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])
    again = toolkit.search_paths([ASPIRIN], [ASTHMA])
    fresh = KGToolkit(toy).search_paths(["Metformin"], ["type 2 diabetes mellitus"])

    assert [path["id"] for path in first["paths"]] == ["p1"]
    assert [path["id"] for path in second["paths"]] == ["p2"]
    assert [path["id"] for path in again["paths"]] == ["p1"]
    assert [path["id"] for path in fresh["paths"]] == ["p1"]
    assert str(toolkit.path("p2")) == "Metformin —indication→ type 2 diabetes mellitus"
    assert isinstance(toolkit.path("p1"), Path)


def test_an_unknown_path_id_is_a_key_error(toy: KGStore) -> None:
    with pytest.raises(KeyError, match="p9"):
        KGToolkit(toy).path("p9")


def test_names_that_match_nothing_are_reported(toy: KGStore) -> None:
    result = KGToolkit(toy).search_paths(["Aspirin", "no such drug"], ["asthma", "https://example.org/x"])

    assert [path["text"] for path in result["paths"]] == ["Aspirin —target→ PTGS1 ←associated with— asthma"]
    assert result["unresolved"] == ["no such drug", "https://example.org/x"]


def test_sides_with_no_node_say_to_link_first(toy: KGStore) -> None:
    result = KGToolkit(toy).search_paths(["no such drug"], ["asthma"])

    assert result["paths"] == []
    assert result["unresolved"] == ["no such drug"]
    assert "None of the sources is a KG node" in str(result["note"])


def test_no_path_within_max_hops_says_what_to_do(toy: KGStore) -> None:
    toolkit = KGToolkit(toy, max_hops=2)

    short = toolkit.search_paths(["Lonely drug"], ["lonely disease"])
    longer = toolkit.search_paths(["Lonely drug"], ["lonely disease"], max_hops=3)

    assert short["paths"] == []
    assert "No path of at most 2 hops" in str(short["note"])
    assert "describe_node" in str(short["note"])
    assert [path["hops"] for path in longer["paths"]] == [3]


@pytest.mark.shared_data
def test_search_paths_caps_the_number_of_paths(shared_store: KGStore) -> None:
    toolkit = KGToolkit(shared_store)

    every = toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])
    one = toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"], limit=1)

    assert len(every["paths"]) > 1
    assert [path["id"] for path in one["paths"]] == [every["paths"][0]["id"]]


def test_path_sentences_follow_the_stored_direction(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    toolkit.search_paths(["Aspirin"], ["asthma"])
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])

    assert path_sentence(toolkit.path("p1")) == "Aspirin targets PTGS1; asthma is associated with PTGS1"
    assert path_sentence(toolkit.path("p2")) == "Metformin is indicated for type 2 diabetes mellitus"


def test_prune_ranks_the_relevant_path_first(toy: KGStore) -> None:
    toolkit = KGToolkit(toy, top_k=1)
    toolkit.search_paths(["Aspirin"], ["asthma"])
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])

    best = toolkit.prune_paths(T2D_QUESTION)
    both = toolkit.prune_paths(T2D_QUESTION, top_k=2)

    assert [path["id"] for path in best["paths"]] == ["p2"]
    assert [path["id"] for path in both["paths"]] == ["p2", "p1"]
    assert both["considered"] == 2
    first, second = both["paths"]
    assert first["text"] == "Metformin —indication→ type 2 diabetes mellitus"
    assert first["score"] > second["score"] > 0
    assert (
        first["reason"]
        == f"shares 'type 2 diabetes mellitus' with the question; similarity {first['score']:.2f}"
    )
    assert second["reason"].startswith("names no entity of the question; similarity")
    assert json.loads(json.dumps(both)) == both


def test_pruning_by_sentences_encodes_the_question_once_and_each_path_once(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    toolkit.search_paths(["Aspirin"], ["asthma"])
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])
    cached = encoder()
    cached.forget()
    start = cached.stats()

    toolkit.prune_paths(T2D_QUESTION, ["p1"])
    after_p1 = cached.stats()
    toolkit.prune_paths(T2D_QUESTION, ["p2"])
    after_p2 = cached.stats()
    toolkit.prune_paths(T2D_QUESTION)
    after_both = cached.stats()

    assert (after_p1.calls - start.calls, after_p1.encoded - start.encoded) == (1, 2)
    assert (after_p2.calls - after_p1.calls, after_p2.encoded - after_p1.encoded) == (1, 1)
    assert (after_both.calls, after_both.encoded) == (after_p2.calls, after_p2.encoded)


def test_prune_ranks_only_the_ids_asked_and_lists_unknown_ones(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    toolkit.search_paths(["Aspirin"], ["asthma"])
    toolkit.search_paths(["Metformin"], ["type 2 diabetes mellitus"])

    result = toolkit.prune_paths(T2D_QUESTION, ["p1", "p7", "p1"])

    assert [path["id"] for path in result["paths"]] == ["p1"]
    assert result["considered"] == 1
    assert result["note"] == "Unknown path ids p7: use ids that search_paths returned."


def test_prune_without_paths_says_to_search_first(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)

    nothing = toolkit.prune_paths(T2D_QUESTION)
    unknown = toolkit.prune_paths(T2D_QUESTION, ["p1"])

    assert nothing == {"paths": [], "note": "No paths to rank; call search_paths first."}
    assert unknown["paths"] == []
    assert "Unknown path ids p1" in str(unknown["note"])
    assert "call search_paths first" in str(unknown["note"])


@pytest.mark.shared_data
def test_prune_breaks_ties_by_hops_then_id(shared_store: KGStore) -> None:
    toolkit = KGToolkit(shared_store, top_k=5)
    found = toolkit.search_paths(["Marfan syndrome"], ["Arachnodactyly"])
    texts = {path["text"] for path in found["paths"]}

    ranked = toolkit.prune_paths("Arachnodactyly in Marfan syndrome")

    assert len(found["paths"]) >= 2
    assert texts == {"Marfan syndrome —phenotype present→ Arachnodactyly"}
    assert len({path["score"] for path in ranked["paths"]}) == 1
    assert [path["id"] for path in ranked["paths"]] == [path["id"] for path in found["paths"]][:5]
    assert "shares 'Marfan syndrome' and 'Arachnodactyly'" in ranked["paths"][0]["reason"]


def test_a_registry_gives_one_id_per_path(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    toolkit.search_paths(["Aspirin"], ["asthma"])
    registry = PathRegistry()

    first = registry.add(toolkit.path("p1"))
    again = registry.add(toolkit.path("p1"))

    assert (first, again, len(registry), registry.ids()) == ("p1", "p1", 1, ["p1"])
    assert registry.get("p2") is None
