"""What "cites a kept path" means (`agent.citations`), and the Reasoning Process it is read from."""

from __future__ import annotations

import pytest

from medreason.agent.citations import cited_edges, edge_ends, kept_facts
from medreason.agent.state import ScoredPath
from medreason.agent.writing import REASONING_PROCESS, part_text

PATH = ScoredPath(
    id="p1",
    side="option:A",
    text="hypertension ←indication— Lisinopril —target→ ACE",
    hops=2,
    nodes=[
        {"iri": "urn:hypertension", "name": "hypertension", "type": "disease"},
        {"iri": "urn:lisinopril", "name": "Lisinopril", "type": "drug"},
        {"iri": "urn:ace", "name": "ACE", "type": "gene/protein"},
    ],
    edges=[
        {"relation": "indication", "display_relation": "indication", "forward": False},
        {"relation": "target", "display_relation": "target", "forward": True},
    ],
)


def test_an_edge_is_cited_when_both_its_end_names_appear_whatever_their_case_and_punctuation() -> None:
    text = "LISINOPRIL, an ACE-inhibitor, is indicated for (hypertension)."
    assert cited_edges(text, [PATH]) == [("hypertension", "Lisinopril"), ("Lisinopril", "ACE")]


def test_a_name_is_cited_without_the_qualifier_that_tells_same_named_nodes_apart() -> None:
    # medqa:0012: the real model's reasoning stated this path and was rejected as citing nothing.
    path = ScoredPath(
        id="p11",
        side="option:B",
        text="Hearing Loss ←phenotype present— meningioma (disease)",
        hops=1,
        nodes=[
            {"iri": "urn:loss", "name": "Hearing Loss", "type": "effect/phenotype"},
            {"iri": "urn:meningioma", "name": "meningioma (disease)", "type": "disease"},
        ],
        edges=[{"relation": "disease_phenotype_positive", "display_relation": "phenotype present"}],
    )
    text = "The patient has bilateral hearing loss, which is a symptom of meningioma."
    assert cited_edges(text, [path]) == [("Hearing Loss", "meningioma (disease)")]
    assert cited_edges("Meningioma (disease) presents with hearing loss.", [path])
    assert cited_edges("The disease presents with hearing loss.", [path]) == []


@pytest.mark.parametrize(
    "text",
    [
        "The patient's blood pressure is high, so an antihypertensive is given.",
        "Lisinopril is the drug of choice.",
        "Lisinopril acts on the cell surface; hypertensions vary.",
    ],
    ids=["restates the vignette", "one end only", "names inside other words"],
)
def test_a_text_naming_no_edges_two_ends_as_whole_words_cites_nothing(text: str) -> None:
    assert cited_edges(text, [PATH]) == []


def test_the_ends_are_each_edges_neighbours_and_the_facts_are_its_sentences() -> None:
    assert edge_ends(PATH) == [("hypertension", "Lisinopril"), ("Lisinopril", "ACE")]
    facts = kept_facts([PATH, PATH])
    assert len(facts) == 2, "each fact once"
    assert all("Lisinopril" in fact for fact in facts)


def test_the_reasoning_process_is_the_text_under_its_heading_only() -> None:
    reasoning = (
        "Finding reasoning paths:\n1. hypertension ←indication— Lisinopril\n\n"
        "**Reasoning Process:** The vignette describes high blood pressure.\n\n"
        "Conclusion:\nThe answer is A. Lisinopril."
    )
    process = part_text(reasoning, REASONING_PROCESS)
    assert process == "The vignette describes high blood pressure."
    assert cited_edges(process, [PATH]) == [], "the path named under the other headings does not count"
    assert part_text("Finding reasoning paths: 1. a path", REASONING_PROCESS) == ""
