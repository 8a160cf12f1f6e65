"""Reversed claims on the toy graph, where every edge is known.

Only a wording with an unmistakable direction is read, and only a relation the KG holds the other way
round is flagged.
"""

from __future__ import annotations

import pytest

from medreason.agent.claims import reversed_claims
from medreason.kg_store.store import KGStore


@pytest.mark.parametrize(
    ("sentence", "held"),
    [
        (
            "type 2 diabetes mellitus is indicated for Metformin.",
            "Metformin is indicated for type 2 diabetes mellitus",
        ),
        (
            "Metformin is an indication for type 2 diabetes mellitus.",
            "Metformin is indicated for type 2 diabetes mellitus",
        ),
        ("PRKAB1 targets Metformin, which explains it.", "Metformin targets PRKAB1"),
        ("Aspirin is a target of PTGS1.", "Aspirin targets PTGS1"),
    ],
)
def test_a_relation_stated_tail_first_is_flagged_with_the_fact_the_kg_holds(
    toy: KGStore, sentence: str, held: str
) -> None:
    [claim] = reversed_claims(toy, f"The patient is well. {sentence} Nothing else.")
    assert claim.sentence == sentence
    assert claim.held == held


@pytest.mark.parametrize(
    "sentence",
    [
        "Metformin is indicated for type 2 diabetes mellitus.",
        "type 2 diabetes mellitus, which is an indication for Metformin, is present.",
        "PRKAB1 is a target of Metformin.",
        "Metformin targets PRKAB1 and type 2 diabetes mellitus is associated with PRKAB1.",
        "HUB1 interacts with HUB2, and HUB2 interacts with HUB1.",
        "Aspirin is indicated for asthma.",
        "asthma is indicated for Aspirin.",
        "Metformin lowers the glucose that type 2 diabetes mellitus raises.",
        "Thus PRKAB1, which is associated with type 2 diabetes mellitus, matters.",
    ],
    ids=[
        "active, right way",
        "passive, right way",
        "passive target",
        "two right claims",
        "symmetric, both ways",
        "not in the KG either way",
        "reversed, but not in the KG either way",
        "other wording",
        "an association reads true both ways",
    ],
)
def test_right_unsupported_symmetric_and_unread_claims_pass(toy: KGStore, sentence: str) -> None:
    assert reversed_claims(toy, sentence) == []


@pytest.mark.shared_data
def test_a_label_that_does_not_name_the_tails_role_is_not_read_tail_first(shared_store: KGStore) -> None:
    # medqa:0012's real reasoning was rejected at `reason` for this sentence, which states the stored
    # Procarbazine —off-label use→ astrocytoma the right way round.
    sentence = (
        "The evidence for this association comes from the fact that hearing impairment is a phenotype "
        "present in meningioma, and the side effect of procarbazine, which is off-label use for "
        "astrocytoma, is also associated with hearing impairment."
    )
    assert reversed_claims(shared_store, sentence) == []
    [claim] = reversed_claims(shared_store, "Lisinopril is an indication for hypertension.")
    assert claim.held == "Lisinopril is indicated for hypertension"
