"""The report's numbers on a small fixed set of results whose every figure was worked out by hand."""

from __future__ import annotations

import math

import pytest

from medreason.datagen.eval.metrics import (
    ALL,
    mcnemar_exact,
    metrics_by_subset,
    paired_difference,
    wilson_interval,
)
from medreason.datagen.eval.results import ArmResult, Claims, Grounding, PathSummary, QuestionResult

OPTIONS = {"A": "one", "B": "two", "C": "three", "D": "four"}


def _arm(correct: bool, **overrides: object) -> ArmResult:
    values: dict[str, object] = {
        "letter": "A" if correct else "B",
        "correct": correct,
        "structured": "A" if correct else "B",
        "text_letter": "A" if correct else "B",
        "method": "answer_is",
        "conflict": [],
        "disagrees": False,
        "grounded": False,
        "reasoning": "The answer is A." if correct else "The answer is B.",
        "trace_id": "t",
        "seconds": 1.0,
        "llm_calls": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
    }
    values.update(overrides)
    return ArmResult(**values)


def _grounding(*, entities: int, gold_path: bool, paths: list[PathSummary], checked: int = 0) -> Grounding:
    return Grounding(
        entities=entities,
        question_entities=entities,
        option_path=bool(paths),
        gold_path=gold_path,
        paths=paths,
        edges_checked=checked,
        edges_found=checked,
    )


def _result(dataset: str, number: int, kg: ArmResult | None, closed: ArmResult) -> QuestionResult:
    return QuestionResult(
        id=f"{dataset}:{number}",
        dataset=dataset,
        id_in_dataset=str(number),
        question="?",
        options=OPTIONS,
        gold="A",
        run="r",
        closed_book=closed,
        kg=kg,
    )


ONE_HOP = PathSummary(hops=1, relations=["indication"], text="x —indication→ y")
TWO_HOPS = PathSummary(hops=2, relations=["target", "indication"], text="x —target→ p —indication→ y")

FIRST = _grounding(entities=2, gold_path=True, paths=[ONE_HOP], checked=1)
SECOND = _grounding(entities=1, gold_path=True, paths=[TWO_HOPS], checked=2)

# Subset x: (KG, closed) right = (T, T), (T, F), (T, F), (F, F).
# Subset y: (T, F) five times, then (F, F).
RESULTS = [
    _result(
        "x",
        1,
        _arm(True, grounded=True, grounding=FIRST),
        _arm(True),
    ),
    _result(
        "x",
        2,
        _arm(True, grounded=True, grounding=SECOND),
        _arm(False),
    ),
    _result("x", 3, _arm(True, grounding=_grounding(entities=1, gold_path=False, paths=[])), _arm(False)),
    _result(
        "x",
        4,
        _arm(False, letter=None, method="none", grounding=_grounding(entities=0, gold_path=False, paths=[])),
        _arm(False, disagrees=True),
    ),
    *(
        _result(
            "y",
            number,
            _arm(True, grounding=_grounding(entities=1, gold_path=False, paths=[]), llm_calls=2),
            _arm(False, seconds=3.0),
        )
        for number in range(1, 6)
    ),
    _result("y", 6, _arm(False, grounding=_grounding(entities=1, gold_path=False, paths=[])), _arm(False)),
]


def test_wilson_intervals_match_the_textbook_values() -> None:
    three_of_four = wilson_interval(3, 4)
    assert three_of_four.value == 0.75
    assert three_of_four.low == pytest.approx(0.3006, abs=1e-4)
    assert three_of_four.high == pytest.approx(0.9544, abs=1e-4)
    none_of_ten = wilson_interval(0, 10)
    assert (none_of_ten.low, none_of_ten.high) == (0.0, pytest.approx(0.2775, abs=1e-4))
    all_of_ten = wilson_interval(10, 10)
    assert (all_of_ten.low, all_of_ten.high) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert wilson_interval(0, 0).value is None
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)


def test_mcnemar_exact_is_twice_the_binomial_tail_of_the_smaller_discordant_count() -> None:
    assert mcnemar_exact(2, 0) == 0.5  # 2 * (1/2)^2
    assert mcnemar_exact(5, 0) == 0.0625  # 2 * (1/2)^5
    assert mcnemar_exact(1, 4) == pytest.approx(2 * (1 + 5) / 32)  # 2 * P(X <= 1), X ~ Bin(5, 1/2)
    assert mcnemar_exact(3, 3) == 1.0, "capped at 1"
    assert mcnemar_exact(0, 0) == 1.0, "no discordant question: no evidence either way"
    assert mcnemar_exact(600, 540) == pytest.approx(0.0804, abs=1e-3), "exact for large counts too"


def test_newcombes_interval_on_tables_worked_by_hand() -> None:
    # a = b = c = d = 1: no difference, phi = 0, so the half-width is sqrt(2) * (0.5 - Wilson low of 2/4).
    balanced = paired_difference(both=1, kg_only=1, closed_only=1, neither=1)
    wilson_half = 0.5 - (wilson_interval(2, 4).low or 0.0)
    assert balanced.difference == 0.0
    assert balanced.low == pytest.approx(-math.sqrt(2) * wilson_half)
    assert balanced.high == pytest.approx(math.sqrt(2) * wilson_half)
    assert balanced.high == pytest.approx(0.4949, abs=1e-4)
    # Five questions right with the KG only: p1 = 1, p2 = 0, phi = 0 (a margin is empty).
    one_sided = paired_difference(both=0, kg_only=5, closed_only=0, neither=0)
    assert one_sided.difference == 1.0
    assert one_sided.low == pytest.approx(1 - math.sqrt(2) * (1 - 0.56551), abs=1e-4)
    assert one_sided.high == 1.0
    assert one_sided.p_value == 0.0625
    swapped = paired_difference(both=3, kg_only=1, closed_only=4, neither=2)
    mirrored = paired_difference(both=3, kg_only=4, closed_only=1, neither=2)
    assert (swapped.low, swapped.high) == pytest.approx((-(mirrored.high or 0), -(mirrored.low or 0)))


def test_subset_metrics_on_the_fixed_results() -> None:
    metrics = metrics_by_subset(RESULTS)
    assert list(metrics) == ["x", "y", ALL]
    x, y, pooled = metrics["x"], metrics["y"], metrics[ALL]
    assert x.kg is not None
    assert y.kg is not None
    assert (x.kg.accuracy.successes, x.kg.accuracy.n) == (3, 4)
    assert (x.closed_book.accuracy.successes, x.closed_book.accuracy.n) == (1, 4)
    assert x.effect is not None
    assert y.effect is not None
    assert pooled.effect is not None
    assert (x.effect.kg_only, x.effect.closed_only, x.effect.p_value) == (2, 0, 0.5)
    assert x.effect.difference == 0.5
    assert (y.effect.kg_only, y.effect.closed_only, y.effect.p_value) == (5, 0, 0.0625)
    assert (pooled.effect.kg_only, pooled.effect.closed_only) == (7, 0)
    assert pooled.effect.p_value == 2 / 2**7
    assert pooled.effect.difference == pytest.approx(0.8 - 0.1)
    assert x.chance == 0.25
    grounded = x.effect_when_grounded
    assert grounded is not None
    assert (grounded.n, grounded.kg_accuracy, grounded.closed_accuracy) == (2, 1.0, 0.5)
    assert (grounded.kg_only, grounded.closed_only, grounded.p_value) == (1, 0, 1.0)
    assert x.kg.unparseable == 1
    assert x.closed_book.disagreements == 1
    assert (x.kg.grounded.successes, x.kg.accuracy_when_grounded.successes) == (2, 2)
    assert y.kg.mean_llm_calls == pytest.approx(10 / 6)
    assert y.closed_book.mean_seconds == pytest.approx((5 * 3.0 + 1.0) / 6)


def test_grounding_metrics_count_linking_coverage_paths_and_edges() -> None:
    x = metrics_by_subset(RESULTS)["x"].grounding
    assert x is not None
    assert (x.entity_link.successes, x.entity_link.n) == (3, 4)
    assert (x.path_coverage.successes, x.option_path.successes) == (2, 2)
    assert (x.edges_checked, x.edges_found, x.edge_faithfulness) == (3, 3, 1.0)
    assert x.path_lengths == {1: 1, 2: 1}
    assert x.relations == {"indication": 2, "target": 1}


def test_claims_are_summed_per_arm_only_where_reasoning_was_checked() -> None:
    checked = [
        _result(
            "z",
            number,
            _arm(True, claims=Claims(claims=2, unsupported=0)),
            _arm(False, claims=Claims(claims=3, unsupported=number, examples=["a b"])),
        )
        for number in (1, 2)
    ]
    z = metrics_by_subset(checked)["z"]
    assert set(z.claims) == {"kg", "closed_book"}
    assert (z.claims["kg"].claims, z.claims["kg"].unsupported, z.claims["kg"].unsupported_share) == (
        4,
        0,
        0.0,
    )
    assert (z.claims["closed_book"].claims, z.claims["closed_book"].unsupported) == (6, 3)
    assert z.claims["closed_book"].unsupported_share == 0.5
    assert metrics_by_subset(RESULTS)["x"].claims == {}


def test_closed_book_only_results_have_no_effect_and_no_grounding() -> None:
    closed_only = [_result("w", n, None, _arm(n % 2 == 0)) for n in range(4)]
    w = metrics_by_subset(closed_only)["w"]
    assert (w.kg, w.effect, w.grounding) == (None, None, None)
    assert w.closed_book.accuracy.successes == 2


def test_a_result_round_trips_through_its_journal_row() -> None:
    for result in RESULTS:
        assert QuestionResult.from_json(result.to_json()) == result
