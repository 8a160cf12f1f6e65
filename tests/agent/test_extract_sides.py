"""Which side an entity a model extracted is filed under (`agent.nodes.extract.side_of`)."""

from __future__ import annotations

from medreason.agent.nodes.extract import side_of
from medreason.agent.state import QUESTION, option_side

QUESTION_TEXT = (
    "Two weeks after undergoing an emergency cardiac catheterization, a 61-year-old man has decreased "
    "urinary output. He has type 2 diabetes mellitus. Prior to admission, his medications were insulin "
    "and naproxen. Which of the following is the most likely cause of this patient's symptoms?"
)
SIDES = {
    option_side("A"): "Renal papillary necrosis",
    option_side("B"): "Cholesterol embolization",
    option_side("C"): "Drug-induced interstitial nephritis from naproxen",
}


def test_the_question_s_own_findings_filed_under_an_option_go_back_to_the_question() -> None:
    # As a real 1.5B model answered: the vignette's history and drugs under option A.
    assert side_of("Type 2 diabetes mellitus", "A", SIDES, question=QUESTION_TEXT) == QUESTION
    assert side_of("Naproxen", "A", SIDES, question=QUESTION_TEXT) == QUESTION


def test_an_option_keeps_what_its_text_names_even_when_the_question_names_it_too() -> None:
    assert side_of("Naproxen", "C", SIDES, question=QUESTION_TEXT) == option_side("C")


def test_an_option_keeps_a_standard_name_that_neither_text_spells_out() -> None:
    # "Use the standard medical name": the model may name an option's entity in other words.
    assert side_of("Papillary necrosis of kidney", "A", SIDES, question=QUESTION_TEXT) == option_side("A")


def test_an_option_s_exact_text_wins_over_the_label() -> None:
    assert side_of("Cholesterol embolization", "question", SIDES, question=QUESTION_TEXT) == option_side("B")
