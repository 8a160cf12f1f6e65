"""The agent's one rule for which candidate nodes of a mention it keeps."""

from __future__ import annotations

from typing import Any

from medreason.agent.linking import MAX_NODES_PER_MENTION, exact_candidates, kept_candidates, names_an_entity


def candidate(iri: str, node_type: str, *, method: str = "exact", score: float = 1.0) -> dict[str, Any]:
    return {"iri": iri, "type": node_type, "method": method, "score": score}


def test_an_exact_name_keeps_the_best_node_of_each_type_first() -> None:
    # Real case: "hypertension" names two phenotype nodes (HPO, UMLS) before the disease drugs treat.
    found = [
        candidate("hp/0000822", "effect/phenotype"),
        candidate("umls/C0020538", "effect/phenotype"),
        candidate("doid/10763", "disease", method="synonym"),
        candidate("mesh/D006973", "disease"),
    ]

    kept = exact_candidates(found)

    assert [node["iri"] for node in kept] == ["hp/0000822", "doid/10763", "umls/C0020538"]
    assert len(kept) == MAX_NODES_PER_MENTION


def test_without_an_exact_name_only_a_confident_best_candidate_is_kept() -> None:
    fuzzy = [
        candidate("a", "drug", method="fuzzy", score=0.9),
        candidate("b", "drug", method="fuzzy", score=0.88),
    ]
    weak = [candidate("c", "drug", method="embedding", score=0.75)]

    assert [node["iri"] for node in kept_candidates(fuzzy)] == ["a"]
    assert kept_candidates(weak) == []
    assert kept_candidates([]) == []


def test_answer_words_and_numbers_name_no_entity() -> None:
    # Real MIRAGE options: PubMedQA's yes/no/maybe, MMLU's "None of the above.", MedMCQA's numbers.
    for option in ("yes", "No", "maybe", "None of the above.", "All of the above", "5", "1, 2 and 3"):
        assert not names_an_entity(option)
    for option in ("Dyes", "Metformin", "Vitamin B12", "5-fluorouracil"):
        assert names_an_entity(option)
