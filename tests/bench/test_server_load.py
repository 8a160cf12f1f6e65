"""`bench.server_load` gives every level its own fixed questions, so two runs of it compare."""

from __future__ import annotations

from typing import Any

from bench.server_load import level_questions


def _questions(count: int) -> list[dict[str, Any]]:
    return [{"question": f"q{number}", "options": {"A": "a"}} for number in range(1, count + 1)]


def test_levels_get_disjoint_slices_after_the_warm_up_question_numbered_from_one() -> None:
    slices = level_questions(_questions(11), 2)

    assert [(first, [q["question"] for q in own]) for first, own in slices] == [
        (2, ["q2", "q3", "q4", "q5", "q6"]),
        (7, ["q7", "q8", "q9", "q10", "q11"]),
    ]


def test_each_level_starts_at_a_fixed_question() -> None:
    assert [first for first, _ in level_questions(_questions(40), 3)] == [2, 15, 28]


def test_more_levels_than_questions_share_them_rather_than_get_none() -> None:
    slices = level_questions(_questions(2), 3)

    assert [(first, [q["question"] for q in own]) for first, own in slices] == [(2, ["q2"])] * 3
    assert level_questions(_questions(1), 2) == [(1, _questions(1))] * 2
