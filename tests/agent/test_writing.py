"""Reasoning written from paths: the MedReason layout, one sentence per stored edge, a strict read-back."""

from __future__ import annotations

from medreason.agent.state import ScoredPath
from medreason.agent.writing import edge_sentence, read_answer_letter, spell_out_path_ids, write_reasoning

MARFAN = ScoredPath(
    id="p1",
    side="option:B",
    text="Marfan syndrome —phenotype present→ Arachnodactyly",
    hops=1,
    nodes=[
        {"iri": "urn:a", "name": "Marfan syndrome", "type": "disease"},
        {"iri": "urn:b", "name": "Arachnodactyly", "type": "effect/phenotype"},
    ],
    edges=[
        {
            "relation": "disease_phenotype_positive",
            "display_relation": "phenotype present",
            "forward": True,
            "source": "primekg",
            "predicate": "urn:p",
        }
    ],
    score=0.6,
)


def test_an_edge_reads_in_its_stored_direction() -> None:
    backwards = ScoredPath(
        **{
            **MARFAN,
            "nodes": list(reversed(MARFAN["nodes"])),
            "edges": [{**MARFAN["edges"][0], "forward": False}],
        }
    )
    assert edge_sentence(MARFAN, 0) == "Marfan syndrome presents with Arachnodactyly"
    assert edge_sentence(backwards, 0) == "Marfan syndrome presents with Arachnodactyly"


def test_a_relation_reads_by_its_name_and_label_from_the_one_vocabulary() -> None:
    for relation, label, sentence in [
        ("compound_palliates_disease", "palliates", "Marfan syndrome palliates Arachnodactyly"),
        (
            "disease_phenotype_positive",
            "mode of inheritance",
            "Marfan syndrome has the mode of inheritance Arachnodactyly",
        ),
        (
            "disease_phenotype_positive",
            "past medical history",
            "Marfan syndrome has in its past medical history Arachnodactyly",
        ),
        ("drug_effect", "drug_effect", "Marfan syndrome has the effect Arachnodactyly"),
    ]:
        edge = {**MARFAN["edges"][0], "relation": relation, "display_relation": label}
        assert edge_sentence(ScoredPath(**{**MARFAN, "edges": [edge]}), 0) == sentence


def test_an_unknown_relation_reads_as_its_label() -> None:
    odd = ScoredPath(**{**MARFAN, "edges": [{**MARFAN["edges"][0], "display_relation": "binds_to"}]})
    assert edge_sentence(odd, 0) == "Marfan syndrome binds to Arachnodactyly"


def test_reasoning_has_medreasons_three_parts_and_names_the_path_nodes() -> None:
    text = write_reasoning(
        question_entities=["Marfan syndrome"],
        evidence=[MARFAN],
        answer_idx="B",
        answer="Arachnodactyly",
        option_scores={"A": 0.0, "B": 0.6},
        option_paths={"A": 0, "B": 1},
    )
    parts = [text.index(title) for title in ("Finding reasoning paths:", "Reasoning Process:", "Conclusion:")]
    assert parts == sorted(parts)
    assert "1. Marfan syndrome —phenotype present→ Arachnodactyly" in text
    assert "Marfan syndrome presents with Arachnodactyly" in text
    assert text.endswith("The answer is B. Arachnodactyly.")
    assert read_answer_letter(text, {"A": "x", "B": "y"}) == "B"


def test_reasoning_without_evidence_says_so() -> None:
    text = write_reasoning(question_entities=[], evidence=[], answer_idx="A", answer="Aspirin")
    assert "No path in the knowledge graph connects" in text
    assert "uncertain" in text


def test_the_answer_letter_is_read_strictly() -> None:
    options = {"A": "a", "B": "b", "C": "c"}
    assert read_answer_letter("Conclusion:\nThe answer is C.", options) == "C"
    assert read_answer_letter("Conclusion: the answer is (b)", options) == "B"
    assert read_answer_letter("A is tempting, but the answer is C", options) == "C"
    assert read_answer_letter("Conclusion: probably aspirin", options) is None
    assert read_answer_letter("Conclusion: The answer is E.", options) is None


def _kept(path_id: str, text: str) -> ScoredPath:
    return ScoredPath(id=path_id, side="option:C", text=text, hops=1, nodes=[], edges=[], score=0.5)


KEPT = [
    _kept("p14", "acute coronary syndrome ←indication— Clopidogrel"),
    _kept("p15", "hypertension ←indication— Spironolactone"),
    _kept("p16", "asthma ←indication— Nifedipine"),
]


def test_a_paths_part_of_only_path_ids_is_written_out_as_the_paths() -> None:
    # medqa:0007's accepted sample, as the real 1.5B model wrote its paths part.
    assert spell_out_path_ids("p14, p15, p16", KEPT) == (
        "1. acute coronary syndrome ←indication— Clopidogrel\n"
        "2. hypertension ←indication— Spironolactone\n"
        "3. asthma ←indication— Nifedipine"
    )
    assert spell_out_path_ids("1. [p16]\n2. [p14]\n3. Path p16", KEPT) == (
        "1. asthma ←indication— Nifedipine\n2. acute coronary syndrome ←indication— Clopidogrel"
    )


def test_a_paths_part_with_words_of_its_own_or_unknown_ids_is_kept_as_written() -> None:
    written = "1. acute coronary syndrome is an indication for Clopidogrel (p14)"
    assert spell_out_path_ids(written, KEPT) == written
    assert spell_out_path_ids("p3, p4", KEPT) == "p3, p4"
    assert spell_out_path_ids("", KEPT) == ""
