"""The gazetteer against real label tables: a small index built here, and the shared store on MedQA."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from medreason.kg_store.entity_index import EntityEntry, EntityIndex
from medreason.kg_store.mentions import STOP_WORDS, Mention, find_mentions, qualifier_terms
from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import node_iri


def _entry(source: str, local_id: str, name: str, node_type: str, *synonyms: str) -> EntityEntry:
    return EntityEntry(node_iri(source, local_id).value, name, node_type, synonyms)


MARFAN = _entry("MONDO", "7947", "Marfan syndrome", "disease")
SYNDROME = _entry("HPO", "9999999", "Syndrome", "effect/phenotype")
HYPERTENSION = _entry("HPO", "822", "Hypertension", "effect/phenotype", "High blood pressure")
HYPERTENSION_DISEASE = _entry("MONDO", "5044", "hypertension", "disease", "HTN")
WAS = _entry("NCBI", "7454", "WAS", "gene/protein")
CAT = _entry("NCBI", "847", "CAT", "gene/protein")
BRCA1 = _entry("NCBI", "672", "BRCA1", "gene/protein")
AIDS = _entry("MONDO", "12268", "AIDS", "disease", "acquired immunodeficiency syndrome")
SEVERE = _entry("HPO", "12828", "Severe", "effect/phenotype")
PATIENT = _entry("UMLS", "C0030705", "Patient", "effect/phenotype")
UREA = _entry("DrugBank", "DB03904", "Urea", "drug")
NITROGEN = _entry("DrugBank", "DB09152", "Nitrogen", "drug")
METFORMIN = _entry("DrugBank", "DB00331", "Metformin", "drug", "Glucophage")
FIFTY = _entry("UMLS", "C0000050", "50", "effect/phenotype")
BREAST_CANCER = _entry("MONDO", "7254", "breast cancer", "disease")

ENTRIES = [
    MARFAN,
    SYNDROME,
    HYPERTENSION,
    HYPERTENSION_DISEASE,
    WAS,
    CAT,
    BRCA1,
    AIDS,
    SEVERE,
    PATIENT,
    UREA,
    NITROGEN,
    METFORMIN,
    FIFTY,
    BREAST_CANCER,
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EntityIndex]:
    built = EntityIndex.build(tmp_path_factory.mktemp("gazetteer") / "index", ENTRIES, embeddings=False)
    yield built
    built.close()


def _found(mentions: list[Mention]) -> list[tuple[str, str]]:
    return [(mention.text, mention.links[0].name) for mention in mentions]


def test_exact_many_looks_up_every_key_at_once(index: EntityIndex) -> None:
    found = index.exact_many(["marfan syndrome", "high blood pressure", "hypertension", "nothing here", ""])

    assert set(found) == {"marfan syndrome", "high blood pressure", "hypertension"}
    assert [link.iri for link in found["marfan syndrome"]] == [MARFAN.iri]
    assert {(link.iri, link.method) for link in found["high blood pressure"]} == {
        (HYPERTENSION.iri, "synonym")
    }
    assert [link.sort_key() for link in found["hypertension"]] == sorted(
        link.sort_key() for link in found["hypertension"]
    )
    assert len(found["hypertension"]) == 2


def test_exact_many_filters_by_type_and_takes_more_keys_than_sqlite_binds(index: EntityIndex) -> None:
    keys = [f"missing {number}" for number in range(40_000)] + ["hypertension"]

    found = index.exact_many(keys, node_type="disease")

    assert {key: [link.iri for link in links] for key, links in found.items()} == {
        "hypertension": [HYPERTENSION_DISEASE.iri]
    }
    assert index.exact_many([]) == {}


def test_mentions_carry_character_offsets(index: EntityIndex) -> None:
    text = "A man with Marfan syndrome takes metformin (Glucophage)."

    mentions = find_mentions(index, text)

    assert _found(mentions) == [
        ("Marfan syndrome", "Marfan syndrome"),
        ("metformin", "Metformin"),
        ("Glucophage", "Metformin"),
    ]
    assert all(text[mention.start : mention.end] == mention.text for mention in mentions)
    assert mentions[2].links[0].method == "synonym"


def test_the_longest_match_wins(index: EntityIndex) -> None:
    mentions = find_mentions(index, "Marfan syndrome is a syndrome.")

    assert _found(mentions) == [("Marfan syndrome", "Marfan syndrome"), ("syndrome", "Syndrome")]


def test_a_longer_synonym_beats_the_words_inside_it(index: EntityIndex) -> None:
    mentions = find_mentions(index, "She has high blood pressure and acquired immunodeficiency syndrome")

    assert _found(mentions) == [
        ("high blood pressure", "Hypertension"),
        ("acquired immunodeficiency syndrome", "AIDS"),
    ]


def test_spans_do_not_cross_punctuation(index: EntityIndex) -> None:
    assert _found(find_mentions(index, "Marfan. Syndrome")) == [("Syndrome", "Syndrome")]
    assert _found(find_mentions(index, "breast, cancer")) == []


def test_short_capital_symbols_match_only_in_capitals(index: EntityIndex) -> None:
    lower = find_mentions(index, "The cat was sick, aids were given to a brca1 carrier")
    upper = find_mentions(index, "WAS and CAT variants; AIDS; a BRCA1 carrier")

    assert lower == []
    assert _found(upper) == [("WAS", "WAS"), ("CAT", "CAT"), ("AIDS", "AIDS"), ("BRCA1", "BRCA1")]


def test_words_match_names_in_any_case(index: EntityIndex) -> None:
    assert _found(find_mentions(index, "MARFAN SYNDROME, hYpErTeNsIoN")) == [
        ("MARFAN SYNDROME", "Marfan syndrome"),
        ("hYpErTeNsIoN", "Hypertension"),
    ]


def test_stop_words_short_spans_and_numbers_are_no_mentions(index: EntityIndex) -> None:
    mentions = find_mentions(index, "The patient has severe pain for 50 days")

    assert mentions == []
    assert {
        "patient",
        "severe",
        "history",
        "year",
        "old",
        "presents",
        "most",
        "likely",
        "mg",
        "hg",
    } <= STOP_WORDS


def test_a_vignette_phrase_takes_its_words(index: EntityIndex) -> None:
    mentions = find_mentions(index, "Her blood urea nitrogen is 20 mg/dL; urea cycle defects aside")

    assert _found(mentions) == [("urea", "Urea")]
    assert mentions[0].start == 37


def test_excluded_nodes_drop_out_and_the_others_stay(index: EntityIndex) -> None:
    mentions = find_mentions(index, "hypertension", exclude={HYPERTENSION.iri})

    assert [link.iri for mention in mentions for link in mention.links] == [HYPERTENSION_DISEASE.iri]
    assert find_mentions(index, "Syndrome", exclude={SYNDROME.iri}) == []


def test_max_words_bounds_the_span(index: EntityIndex) -> None:
    text = "acquired immunodeficiency syndrome"

    assert _found(find_mentions(index, text, max_words=2)) == [("syndrome", "Syndrome")]
    with pytest.raises(ValueError, match="max_words"):
        find_mentions(index, text, max_words=0)


def test_text_without_words_names_nothing(index: EntityIndex) -> None:
    assert find_mentions(index, "") == []
    assert find_mentions(index, " ?! ") == []


def test_mention_json_lists_its_links(index: EntityIndex) -> None:
    (mention,) = find_mentions(index, "Glucophage")

    assert mention.to_json() == {
        "text": "Glucophage",
        "start": 0,
        "end": 10,
        "links": [
            {
                "iri": METFORMIN.iri,
                "name": "Metformin",
                "type": "drug",
                "score": 1.0,
                "method": "synonym",
                "matched": "Glucophage",
            }
        ],
    }


def test_a_store_without_hpo_has_no_qualifier_terms(toy: KGStore) -> None:
    assert qualifier_terms(toy) == frozenset()


@pytest.mark.shared_data
def test_qualifier_terms_are_hpo_modifiers_and_frequencies_not_inheritance(shared_store: KGStore) -> None:
    terms = qualifier_terms(shared_store)

    def hp(local_id: str) -> str:
        return node_iri("HPO", local_id).value

    assert {hp("12828"), hp("11009"), hp("40282"), hp("12834"), hp("1"), hp("32443"), hp("32322")} <= terms
    assert hp("6") not in terms  # Autosomal dominant inheritance
    assert hp("1166") not in terms  # Arachnodactyly
    assert 300 < len(terms) < 1_000


@pytest.mark.shared_data
def test_a_medqa_question_yields_its_clinical_entities(shared_store: KGStore, shared_data: Path) -> None:
    question = _medqa(shared_data)["1238"]["question"]

    mentions = find_mentions(shared_store.entity_index, question, exclude=qualifier_terms(shared_store))
    texts = [mention.text for mention in mentions]

    assert {
        "dyspnea",
        "varicose veins",
        "diabetes mellitus type 2",
        "metformin",
        "pioglitazone",
        "pulmonary embolism",
        "deep vein thrombosis",
        "vitamin K",
    } <= set(texts)
    assert not {text.lower() for text in texts} & {
        "past medical history",
        "family history",
        "patient",
        "left",
    }
    assert all(question[mention.start : mention.end] == mention.text for mention in mentions)


@pytest.mark.shared_data
def test_medqa_questions_are_scanned_fast_and_never_find_the_was_gene(
    shared_store: KGStore, shared_data: Path
) -> None:
    questions = [item["question"] for item in list(_medqa(shared_data).values())[:100]]
    exclude = qualifier_terms(shared_store)
    was_gene = node_iri("NCBI", "7454").value
    find_mentions(shared_store.entity_index, "warm up")

    started = time.perf_counter()
    found = [find_mentions(shared_store.entity_index, question, exclude=exclude) for question in questions]
    per_question = (time.perf_counter() - started) / len(questions)

    linked = {link.iri for mentions in found for mention in mentions for link in mention.links}
    assert was_gene not in linked
    assert not linked & exclude
    assert sum(map(len, found)) / len(found) > 3
    assert per_question < 0.05


def _medqa(shared_data: Path) -> dict[str, dict[str, str]]:
    medqa: dict[str, dict[str, str]] = json.loads(
        (shared_data / "qa" / "mirage_benchmark.json").read_text(encoding="utf-8")
    )["medqa"]
    return medqa


class _Lookups:
    """Counts an index's gazetteer queries (`exact_many`)."""

    def __init__(self, index: EntityIndex, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        exact_many = index.exact_many

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return exact_many(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(index, "exact_many", counted)


def test_a_text_scanned_again_is_answered_from_memory_and_other_exclusions_scan_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "A tall man with Marfan syndrome and high blood pressure."
    with closing(EntityIndex.build(tmp_path / "index", ENTRIES, embeddings=False)) as fresh:
        lookups = _Lookups(fresh, monkeypatch)
        first = find_mentions(fresh, text)
        again = find_mentions(fresh, text)
        assert lookups.count == 1
        assert again == first
        assert again is not first, "each caller gets its own list"
        assert _found(first) == [
            ("Marfan syndrome", "Marfan syndrome"),
            ("high blood pressure", "Hypertension"),
        ]
        without_marfan = find_mentions(fresh, text, exclude=frozenset({MARFAN.iri}))
        assert lookups.count == 2
        assert MARFAN.iri not in {link.iri for mention in without_marfan for link in mention.links}
        assert ("high blood pressure", "Hypertension") in _found(without_marfan)


def test_the_memory_drops_the_least_recently_scanned_text_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("medreason.kg_store.mentions.REMEMBERED_TEXTS", 2)
    with closing(EntityIndex.build(tmp_path / "index", ENTRIES, embeddings=False)) as fresh:
        lookups = _Lookups(fresh, monkeypatch)
        for text in ("Marfan syndrome.", "Hypertension.", "Marfan syndrome.", "Fever.", "Marfan syndrome."):
            find_mentions(fresh, text)
        assert lookups.count == 3, "Marfan was used again before Fever came, so Hypertension was dropped"
        find_mentions(fresh, "Hypertension.")
        assert lookups.count == 4
