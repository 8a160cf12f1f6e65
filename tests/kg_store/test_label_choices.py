"""Fuzzy linking's label narrowing (`kg_store.label_choices`): the bounds never drop a label that scores."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from medreason.kg_store import label_choices
from medreason.kg_store.label_choices import LabelChoices
from medreason.kg_store.records import Node
from medreason.kg_store.sources.hpo import read_hpo
from medreason.kg_store.vocab import normalize_label


def _forms(labels: list[str]) -> list[str]:
    """Labels as fuzzy linking keeps them: normalized, words sorted, distinct, shortest first."""
    forms = {" ".join(sorted(normalize_label(label).split())) for label in labels}
    return sorted(forms, key=lambda form: (len(form), form))


def _misspelled(text: str, rng: random.Random) -> str:
    """`text` with a few characters dropped, doubled or replaced, as a mention might spell it."""
    characters = list(text)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(characters))
        edit = rng.choice(("drop", "double", "replace"))
        if edit == "drop" and len(characters) > 1:
            del characters[at]
        elif edit == "double":
            characters.insert(at, characters[at])
        else:
            characters[at] = rng.choice("abcdefghijklmnopqrstuvwxyz ")
    return "".join(characters).strip() or text


@pytest.fixture(scope="module")
def hpo_forms() -> list[str]:
    return _forms([record.name for record in read_hpo() if isinstance(record, Node)])


@pytest.mark.parametrize("cutoff", [0.5, 0.7, 0.85])
def test_scoring_the_candidates_finds_what_scoring_every_label_finds(
    hpo_forms: list[str], cutoff: float
) -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible misspellings, not secrets
    choices = LabelChoices(hpo_forms)
    mentions = [_misspelled(rng.choice(hpo_forms), rng) for _ in range(150)] + [
        "x",
        "fever of unknown origin",
    ]

    for mention in mentions:
        form = " ".join(sorted(mention.split()))
        everywhere = process.extract(
            form, hpo_forms, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff * 100, limit=None
        )
        narrowed = process.extract(
            form,
            choices.candidates(form, cutoff),
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=cutoff * 100,
            limit=None,
        )
        assert sorted((hit[0], hit[1]) for hit in narrowed) == sorted((hit[0], hit[1]) for hit in everywhere)


def test_the_best_matches_come_in_the_same_order_as_over_the_whole_window(hpo_forms: list[str]) -> None:
    choices = LabelChoices(hpo_forms)
    form = " ".join(sorted("abnormality of the kidny".split()))
    window = choices.window(len(form), 0.7)

    def best(candidates: list[str]) -> list[tuple[str, float]]:
        hits = process.extract(form, candidates, scorer=fuzz.ratio, processor=None, score_cutoff=70, limit=10)
        return [(hit[0], hit[1]) for hit in hits]

    assert best(choices.candidates(form, 0.7)) == best(hpo_forms[window.start : window.stop])
    assert len(choices.candidates(form, 0.7)) < len(window) / 5  # the character bound does narrow


def test_characters_outside_the_alphabet_and_long_repeats_keep_the_bound_sound() -> None:
    forms = _forms(["Sjögren syndrome", "β-thalassemia", "α1-antitrypsin deficiency", "a" * 300, "aa" * 140])
    choices = LabelChoices(forms)

    for mention in (
        "sjogren syndrome",
        "β thalassemia",
        "alpha-1 antitrypsin deficiency",
        "a" * 290,
        "a" * 256,
    ):
        form = " ".join(sorted(mention.split()))
        everywhere = process.extract(
            form, forms, scorer=fuzz.ratio, processor=None, score_cutoff=60, limit=None
        )
        narrowed = process.extract(
            form,
            choices.candidates(form, 0.6),
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=60,
            limit=None,
        )
        assert {hit[0] for hit in narrowed} == {hit[0] for hit in everywhere}
        assert everywhere or mention == "alpha-1 antitrypsin deficiency"


def test_counting_in_chunks_gives_the_counts_of_one_pass(
    hpo_forms: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forms = hpo_forms[:1000] + ["Sjögren syndrome", "b" * 300]
    whole = label_choices.character_counts(forms)

    monkeypatch.setattr(label_choices, "COUNT_CHUNK", 7)
    chunked = label_choices.character_counts(forms)

    assert np.array_equal(chunked, whole)
    assert whole[:, -1].max() == 255  # three hundred b's, clipped
    assert int(whole[:, 0].sum()) == len(forms[0])


def test_no_labels_and_cutoff_zero_are_handled() -> None:
    assert LabelChoices([]).candidates("fever", 0.7) == []
    forms = _forms(["fever", "Q fever", "headache"])

    assert LabelChoices(forms).candidates("fever", 0.0) == forms  # every label reaches a zero cutoff
