"""`describe_node` on the toy graph's hub and on shared nodes with synonyms and namesakes."""

from __future__ import annotations

import json

import pytest

from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri
from medreason.tools import nodes
from medreason.tools.toolkit import KGToolkit

HUB1 = node_iri("NCBI", "9001").value


def test_describe_node_groups_neighbours_by_relation_and_direction(toy: KGStore) -> None:
    result = KGToolkit(toy).describe_node("HUB1")

    assert result == {
        "iri": HUB1,
        "name": "HUB1",
        "type": "gene/protein",
        "source": "NCBI",
        "xrefs": ["ncbigene:9001"],
        "synonyms": [],
        "degree": 8,
        "neighbours": [
            {
                "relation": "ppi",
                "direction": "in",
                "count": 6,
                "examples": ["FILLER0", "FILLER1", "FILLER2", "FILLER3", "FILLER4"],
                "types": ["gene/protein"],
            },
            {
                "relation": "ppi",
                "direction": "out",
                "count": 1,
                "examples": ["HUB2"],
                "types": ["gene/protein"],
            },
            {
                "relation": "target",
                "direction": "in",
                "count": 1,
                "examples": ["Lonely drug"],
                "types": ["drug"],
            },
        ],
    }
    assert json.loads(json.dumps(result)) == result


def test_describe_node_names_every_neighbour_of_one_relation(toy: KGStore) -> None:
    """Five examples a group in brief; asked about one relation, all of its neighbours (up to 50)."""
    result = KGToolkit(toy).describe_node("HUB1", relation="ppi")

    assert [(group["direction"], group["count"]) for group in result["neighbours"]] == [("in", 6), ("out", 1)]
    assert result["neighbours"][0]["examples"] == [f"FILLER{number}" for number in range(6)]


@pytest.mark.shared_data
def test_describe_node_shows_every_id_merged_into_a_node(everything_store: KGStore) -> None:
    marfan = KGToolkit(everything_store).describe_node("Marfan syndrome")
    assert marfan["iri"] == node_iri("MONDO", "0007947").value
    assert {"mondo:0007947", "omim:154700", "orphanet:558"} <= set(marfan["xrefs"])
    assert "other_matches" not in marfan  # the OMIM and Orphanet namesakes are that one node now


def test_describe_node_takes_an_iri(toy: KGStore) -> None:
    assert KGToolkit(toy).describe_node(HUB1)["name"] == "HUB1"


def test_an_unknown_node_gives_an_error_and_a_hint(toy: KGStore) -> None:
    result = KGToolkit(toy).describe_node("no such node")

    assert result == {
        "error": "No KG node matches 'no such node'.",
        "hint": "Find the node with link_entity (or find_entities) and pass its IRI.",
    }


def test_groups_beyond_the_cap_are_cut_and_flagged(toy: KGStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodes, "MAX_GROUPS", 1)

    result = KGToolkit(toy).describe_node("HUB1")

    assert [group["count"] for group in result["neighbours"]] == [6]
    assert result["truncated"] is True


def test_a_hub_says_its_counts_are_partial(toy: KGStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodes, "NEIGHBOUR_SCAN", 3)

    result = KGToolkit(toy).describe_node("HUB1")

    assert sum(group["count"] for group in result["neighbours"]) == 3
    assert result["note"] == "A hub: counts cover the first 3 of its 8 edges."


@pytest.mark.shared_data
def test_synonyms_are_capped_and_namesakes_listed(
    shared_store: KGStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nodes, "MAX_SYNONYMS", 2)
    toolkit = KGToolkit(shared_store)

    inheritance = toolkit.describe_node("Autosomal recessive inheritance")
    marfan = toolkit.describe_node("Marfan syndrome")

    assert inheritance["synonyms"] == ["Autosomal recessive", "Autosomal recessive form"]
    assert inheritance["truncated"] is True
    assert marfan["iri"] == node_iri("OMIM", "154700").value
    assert marfan["other_matches"] == [
        {"iri": node_iri("ORPHA", "558").value, "name": "Marfan syndrome", "type": "disease"}
    ]
    assert marfan["neighbours"][0]["relation"] == "phenotype present"
    assert len(marfan["neighbours"][0]["examples"]) == 5
