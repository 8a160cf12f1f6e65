"""`find_entities` and `link_entity` on real stores: the toy graph, one with embeddings, the shared data."""

from __future__ import annotations

import json

import pytest

from medreason.kg_store import catalog
from medreason.kg_store.build import build_store
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODE_TYPES, node_iri
from medreason.tools.toolkit import KGToolkit
from tests.kg_store.toy_graph import write_csv

METFORMIN = node_iri("DrugBank", "DB00331").value
T2D = node_iri("MONDO", "5148").value


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    """A three-node store with name embeddings, so linking can fall back to meaning."""
    root = tmp_path_factory.mktemp("embedded")
    nodes = {
        "breast_cancer": ("1", "7254", "disease", "breast cancer", "MONDO"),
        "brca1": ("2", "672", "gene/protein", "BRCA1", "NCBI"),
        "tamoxifen": ("3", "DB00675", "drug", "Tamoxifen", "DrugBank"),
    }
    edges = [
        ("disease_protein", "associated with", "breast_cancer", "brca1"),
        ("indication", "indication", "tamoxifen", "breast_cancer"),
    ]
    csv_file = write_csv(root / "kg.csv", nodes, edges)
    build_store(root / "store", [catalog.primekg_csv(csv_file)], embeddings=True)
    return KGStore.open(root / "store")


def test_find_entities_links_each_mention(toy: KGStore) -> None:
    text = "Is metformin indicated for type 2 diabetes mellitus?"

    result = KGToolkit(toy).find_entities(text)

    assert result == {
        "entities": [
            {
                "mention": "metformin",
                "start": 3,
                "end": 12,
                "candidates": [
                    {"iri": METFORMIN, "name": "Metformin", "type": "drug", "score": 1.0, "method": "exact"}
                ],
            },
            {
                "mention": "type 2 diabetes mellitus",
                "start": 27,
                "end": 51,
                "candidates": [
                    {
                        "iri": T2D,
                        "name": "type 2 diabetes mellitus",
                        "type": "disease",
                        "score": 1.0,
                        "method": "exact",
                    }
                ],
            },
        ]
    }
    assert json.loads(json.dumps(result)) == result


def test_find_entities_reports_each_mention_once_and_caps_the_list(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)
    text = "Metformin, aspirin, metformin again, asthma and PTGS1"

    every = toolkit.find_entities(text)
    capped = toolkit.find_entities(text, limit=2)

    assert [entity["mention"] for entity in every["entities"]] == ["Metformin", "aspirin", "asthma", "PTGS1"]
    assert "truncated" not in every
    assert [entity["mention"] for entity in capped["entities"]] == ["Metformin", "aspirin"]
    assert capped["truncated"] is True


def test_find_entities_without_a_match_says_what_to_try(toy: KGStore) -> None:
    result = KGToolkit(toy).find_entities("The patient was seen yesterday.")

    assert result == {
        "entities": [],
        "note": "No KG entity is named in the text; try link_entity on a key phrase.",
    }


def test_link_entity_matches_a_misspelling(toy: KGStore) -> None:
    result = KGToolkit(toy).link_entity("metformn")

    candidates = result["candidates"]
    assert result["mention"] == "metformn"
    assert isinstance(candidates, list)
    assert candidates[0] == {
        "iri": METFORMIN,
        "name": "Metformin",
        "type": "drug",
        "score": 0.9412,
        "method": "fuzzy",
    }
    assert "note" not in result


def test_link_entity_limits_and_filters_by_type(toy: KGStore) -> None:
    toolkit = KGToolkit(toy)

    one = toolkit.link_entity("HUB", limit=1)
    diseases = toolkit.link_entity("asthma", node_type="disease")
    drugs = toolkit.link_entity("asthma", node_type="drug")

    assert len(one["candidates"]) == 1
    assert [candidate["type"] for candidate in diseases["candidates"]] == ["disease"]
    assert drugs["candidates"] == []
    assert "of type drug" in str(drugs["note"])
    assert "leave node_type out" in str(drugs["note"])


def test_link_entity_without_a_match_suggests_another_term(toy: KGStore) -> None:
    result = KGToolkit(toy).link_entity("xqzvbk wlorp")

    assert result["candidates"] == []
    assert "synonym" in str(result["note"])
    assert "broader term" in str(result["note"])


def test_link_entity_with_an_unknown_type_lists_the_valid_ones(toy: KGStore) -> None:
    result = KGToolkit(toy).link_entity("asthma", node_type="illness")

    assert result["candidates"] == []
    assert "'illness'" in str(result["note"])
    assert all(node_type in str(result["note"]) for node_type in NODE_TYPES)


def test_link_entity_falls_back_to_meaning(embedded: KGStore) -> None:
    result = KGToolkit(embedded).link_entity("tumour of the breast")

    best = result["candidates"][0]
    assert (best["name"], best["method"]) == ("breast cancer", "embedding")
    assert 0.7 <= best["score"] < 0.85


@pytest.mark.shared_data
def test_find_entities_caps_candidates_and_skips_hpo_modifiers(shared_store: KGStore) -> None:
    result = KGToolkit(shared_store).find_entities("Severe progressive obesity with arachnodactyly")

    entities = {entity["mention"]: entity for entity in result["entities"]}
    assert list(entities) == ["obesity", "arachnodactyly"]
    assert len(entities["obesity"]["candidates"]) == 3
    assert entities["obesity"]["truncated"] is True
    assert "truncated" not in entities["arachnodactyly"]


@pytest.mark.shared_data
def test_find_entities_reports_the_synonym_that_matched(shared_store: KGStore) -> None:
    result = KGToolkit(shared_store).find_entities("lens dislocation")

    (entity,) = result["entities"]
    assert entity["candidates"][0]["name"] == "Ectopia lentis"
    assert entity["candidates"][0]["matched"] == "Lens dislocation"
    assert entity["candidates"][0]["method"] == "synonym"
