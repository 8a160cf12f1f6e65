"""The letter reader on answer texts as models and our backends write them."""

from __future__ import annotations

import pytest

from medreason.datagen.eval.scoring import gold_letter, read_letter, score_answer

OPTIONS = {"A": "Lisinopril", "B": "Alendronate", "C": "Metformin", "D": "Warfarin"}


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("The answer is C.", "C"),
        ("Metformin lowers hepatic glucose output, so the answer is (C).", "C"),
        ("Answer: C", "C"),
        ("**Answer:** C", "C"),
        ("Reasoning...\n\n**The answer is C**", "C"),
        ("The correct answer is **C**. Metformin.", "C"),
        ("The best answer is option C", "C"),
        ("Conclusion:\nThe answer is C. Metformin.", "C"),
    ],
)
def test_the_answer_is_form_is_read_first(text: str, letter: str) -> None:
    reading = read_letter(text, OPTIONS)
    assert (reading.letter, reading.method, reading.conflict) == (letter, "answer_is", ())


@pytest.mark.parametrize("text", ["**C**", "Metformin is first line.\n\n(C)", "Thinking...\nC."])
def test_a_final_line_that_is_only_a_letter_is_read(text: str) -> None:
    reading = read_letter(text, OPTIONS)
    assert (reading.letter, reading.method) == ("C", "final_letter")


@pytest.mark.parametrize("text", ["Metformin", "  metformin. ", "Step by step...\nConclusion: **Metformin**"])
def test_a_conclusion_equal_to_one_options_text_is_read(text: str) -> None:
    reading = read_letter(text, OPTIONS)
    assert (reading.letter, reading.method) == ("C", "option_text")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I am not sure; it could be either drug.",
        "The answer is Metformin or Warfarin.",  # an option's text inside a sentence is not a conclusion
        "the answer is a biguanide",  # a lower-case article is no letter
        "Anyway, C is tempting but so is D",  # a letter in passing is no answer
    ],
)
def test_text_no_rule_reads_is_unparseable_and_scored_wrong(text: str) -> None:
    score = score_answer(text, OPTIONS, "C")
    assert score.reading.method == "none"
    assert score.unparseable
    assert not score.correct


def test_conflicting_answers_take_the_last_letter_and_record_the_conflict() -> None:
    text = "The answer is A. On reflection, lisinopril does nothing here: the answer is C."
    reading = read_letter(text, OPTIONS)
    assert reading.letter == "C"
    assert reading.conflict == ("A", "C")
    assert not score_answer(text, OPTIONS, "A").correct, "no credit for the first of two answers"


def test_letters_that_are_not_options_are_ignored_and_recorded() -> None:
    reading = read_letter("The answer is E.", OPTIONS)
    assert reading.letter is None
    assert reading.ignored == ("E",)
    fallback = read_letter("The answer is E. Sorry, I mean:\nB", OPTIONS)
    assert (fallback.letter, fallback.method, fallback.ignored) == ("B", "final_letter", ("E",))


def test_the_structured_letter_is_graded_and_a_text_that_disagrees_is_flagged() -> None:
    agreeing = score_answer("Conclusion:\nThe answer is B. Alendronate.", OPTIONS, "B", structured="B")
    assert (agreeing.letter, agreeing.correct, agreeing.disagrees) == ("B", True, False)
    disagreeing = score_answer("The answer is C.", OPTIONS, "B", structured="B")
    assert (disagreeing.letter, disagreeing.correct, disagreeing.disagrees) == ("B", True, True)
    unread = score_answer("no letter here", OPTIONS, "B", structured="B")
    assert unread.disagrees, "a structured letter the text does not give is a disagreement too"
    invalid = score_answer("The answer is C.", OPTIONS, "C", structured="Z")
    assert (invalid.structured, invalid.letter, invalid.disagrees) == (None, "C", False)


def test_the_gold_letter_comes_from_the_index_or_the_one_matching_option() -> None:
    assert gold_letter(OPTIONS, "c", "whatever") == "C"
    assert gold_letter(OPTIONS, None, "warfarin") == "D"
    assert gold_letter(OPTIONS, None, "aspirin") is None
    assert gold_letter({"A": "yes", "B": "Yes"}, None, "yes") is None, "two matches are no gold letter"
