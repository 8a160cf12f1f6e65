"""The evaluation's numbers, as pure functions of the per-question results (no I/O, no randomness).

- Accuracy with a 95% Wilson score interval (right near 0 and 1 and for small subsets, where the normal
  approximation is not).
- The grounding effect is paired: the same questions, the same model, with and without the KG. Its
  interval is Newcombe's square-and-add interval for a difference of paired proportions (1998, method 10,
  from the two arms' Wilson intervals and the phi correlation of the 2x2 table), and its p-value McNemar's
  exact test: under "no effect" each discordant question (right in one arm only) is a fair coin, so the
  two-sided p-value is twice the binomial tail of the smaller discordant count, capped at 1.
- Linking and path coverage, the faithfulness counts and the cost per question are plain shares and means.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from medreason.datagen.eval.calibration import Calibration, calibration
from medreason.datagen.eval.results import ArmResult, QuestionResult

Z_95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95% interval."""
ALL = "all"
"""The name of the row that pools every subset."""


@dataclass(frozen=True, slots=True)
class Proportion:
    """`successes` of `n`, with its Wilson interval; `value`, `low` and `high` are None when n is 0."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class PairedEffect:
    """KG minus closed-book accuracy on the same questions, with its interval and McNemar's p-value."""

    n: int
    kg_accuracy: float | None
    closed_accuracy: float | None
    kg_only: int
    """Questions the KG arm got right and the closed-book arm wrong."""
    closed_only: int
    """Questions the closed-book arm got right and the KG arm wrong."""
    difference: float | None
    low: float | None
    high: float | None
    p_value: float


@dataclass(frozen=True, slots=True)
class ArmMetrics:
    """One arm over a subset: accuracy, how answers were read, and the cost per question."""

    accuracy: Proportion
    grounded: Proportion
    """Answers resting on KG paths (KG arm) or on a model's reasoning (closed book with an LLM)."""
    accuracy_when_grounded: Proportion
    unparseable: int
    disagreements: int
    conflicts: int
    mean_llm_calls: float
    mean_prompt_tokens: float
    mean_completion_tokens: float
    mean_seconds: float
    calibration: Calibration
    """Accuracy per confidence bin and the expected calibration error (`datagen.eval.calibration`)."""


@dataclass(frozen=True, slots=True)
class GroundingMetrics:
    """The KG arm's evidence over a subset: linking, path coverage, and the cited edges checked in the KG."""

    entity_link: Proportion
    """Questions with at least one linked entity (any side)."""
    question_link: Proportion
    """Questions with at least one entity linked in the question itself."""
    option_path: Proportion
    """Questions with at least one question→option path."""
    path_coverage: Proportion
    """Questions with at least one question→gold-option path."""
    edges_checked: int
    edges_found: int
    edge_faithfulness: float | None
    """Share of cited path edges the KG holds: 1.0 for paths read from the KG."""
    path_lengths: dict[int, int]
    relations: dict[str, int]


@dataclass(frozen=True, slots=True)
class ClaimMetrics:
    """Edge-like claims in free-text reasoning over a subset, and the share the KG supports."""

    questions: int
    claims: int
    unsupported: int
    unsupported_share: float | None


@dataclass(frozen=True, slots=True)
class SubsetMetrics:
    """Every number of one subset (or of all of them, under `ALL`)."""

    name: str
    questions: int
    chance: float
    """Expected accuracy of a random guess: the mean of 1 / number of options."""
    closed_book: ArmMetrics
    kg: ArmMetrics | None
    effect: PairedEffect | None
    effect_when_grounded: PairedEffect | None
    """The same, over the questions whose KG-arm answer rests on a path (elsewhere the `none` arms agree)."""
    grounding: GroundingMetrics | None
    claims: dict[str, ClaimMetrics]
    """By arm, for arms whose reasoning was checked (free text from an LLM)."""

    def to_json(self) -> dict[str, Any]:
        """Every field, nested dataclasses as objects."""
        return asdict(self)


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> Proportion:
    """`successes / n` with its Wilson score interval.

    Raises:
        ValueError: The counts are impossible (negative, or more successes than trials).
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson_interval needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return Proportion(0, 0, None, None, None)
    return Proportion(successes, n, *_wilson(successes, n, z))


def _wilson(successes: int, n: int, z: float) -> tuple[float, float, float]:
    """`(p, low, high)` of the Wilson score interval, for n > 0."""
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return p, min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


def mcnemar_exact(kg_only: int, closed_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (binomial, p = 1/2); 1.0 when none."""
    if kg_only < 0 or closed_only < 0:
        raise ValueError(f"discordant counts must be >= 0, got {kg_only} and {closed_only}")
    n = kg_only + closed_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(kg_only, closed_only) + 1))
    return float(min(Fraction(1), Fraction(2 * tail, 2**n)))


def paired_difference(
    both: int, kg_only: int, closed_only: int, neither: int, *, z: float = Z_95
) -> PairedEffect:
    """The paired accuracy difference (KG minus closed book), Newcombe's interval and McNemar's p-value.

    Args:
        both: Questions both arms got right.
        kg_only: Right with the KG only.
        closed_only: Right without the KG only.
        neither: Wrong in both arms.
        z: The normal quantile of the interval.
    """
    n = both + kg_only + closed_only + neither
    p_value = mcnemar_exact(kg_only, closed_only)
    if n == 0:
        return PairedEffect(0, None, None, 0, 0, None, None, None, p_value)
    p1, l1, u1 = _wilson(both + kg_only, n, z)
    p2, l2, u2 = _wilson(both + closed_only, n, z)
    margins = (both + kg_only) * (closed_only + neither) * (both + closed_only) * (kg_only + neither)
    phi = (both * neither - kg_only * closed_only) / math.sqrt(margins) if margins else 0.0
    difference = p1 - p2
    below = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    above = math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    return PairedEffect(
        n,
        p1,
        p2,
        kg_only,
        closed_only,
        difference,
        max(-1.0, difference - below),
        min(1.0, difference + above),
        p_value,
    )


def arm_metrics(arms: Sequence[ArmResult]) -> ArmMetrics:
    """Accuracy, reading problems and mean cost of one arm's answers."""
    n = len(arms)
    return ArmMetrics(
        accuracy=wilson_interval(sum(arm.correct for arm in arms), n),
        grounded=wilson_interval(sum(arm.grounded for arm in arms), n),
        accuracy_when_grounded=wilson_interval(
            sum(arm.correct for arm in arms if arm.grounded), sum(arm.grounded for arm in arms)
        ),
        unparseable=sum(arm.letter is None for arm in arms),
        disagreements=sum(arm.disagrees for arm in arms),
        conflicts=sum(bool(arm.conflict) for arm in arms),
        mean_llm_calls=_mean(arm.llm_calls for arm in arms),
        mean_prompt_tokens=_mean(arm.prompt_tokens for arm in arms),
        mean_completion_tokens=_mean(arm.completion_tokens for arm in arms),
        mean_seconds=_mean(arm.seconds for arm in arms),
        calibration=calibration((arm.confidence, arm.correct) for arm in arms),
    )


def grounding_metrics(arms: Sequence[ArmResult]) -> GroundingMetrics | None:
    """Linking, path coverage and edge faithfulness of the KG arm's answers; None when none has any."""
    found = [arm.grounding for arm in arms if arm.grounding is not None]
    if not found:
        return None
    n = len(found)
    checked = sum(g.edges_checked for g in found)
    existing = sum(g.edges_found for g in found)
    lengths = Counter(path.hops for g in found for path in g.paths)
    relations = Counter(relation for g in found for path in g.paths for relation in path.relations)
    return GroundingMetrics(
        entity_link=wilson_interval(sum(g.entities > 0 for g in found), n),
        question_link=wilson_interval(sum(g.question_entities > 0 for g in found), n),
        option_path=wilson_interval(sum(g.option_path for g in found), n),
        path_coverage=wilson_interval(sum(g.gold_path for g in found), n),
        edges_checked=checked,
        edges_found=existing,
        edge_faithfulness=existing / checked if checked else None,
        path_lengths=dict(sorted(lengths.items())),
        relations=dict(sorted(relations.items(), key=lambda item: (-item[1], item[0]))),
    )


def claim_metrics(arms: Sequence[ArmResult]) -> ClaimMetrics | None:
    """Edge-like claims over the arm's checked reasonings; None when no reasoning was checked."""
    checked = [arm.claims for arm in arms if arm.claims is not None]
    if not checked:
        return None
    claims = sum(c.claims for c in checked)
    unsupported = sum(c.unsupported for c in checked)
    return ClaimMetrics(len(checked), claims, unsupported, unsupported / claims if claims else None)


def subset_metrics(name: str, results: Sequence[QuestionResult]) -> SubsetMetrics:
    """Every number of one subset; the paired effect only over questions both arms answered."""
    closed = [result.closed_book for result in results]
    kg = [result.kg for result in results if result.kg is not None]
    effect = grounded_effect = None
    if kg:
        effect = _paired([(r.kg.correct, r.closed_book.correct) for r in results if r.kg])
        grounded_effect = _paired(
            [(r.kg.correct, r.closed_book.correct) for r in results if r.kg and r.kg.grounded]
        )
    claims = {"kg": claim_metrics(kg), "closed_book": claim_metrics(closed)}
    return SubsetMetrics(
        name=name,
        questions=len(results),
        chance=_mean(1 / len(result.options) for result in results if result.options),
        closed_book=arm_metrics(closed),
        kg=arm_metrics(kg) if kg else None,
        effect=effect,
        effect_when_grounded=grounded_effect,
        grounding=grounding_metrics(kg),
        claims={arm: found for arm, found in claims.items() if found is not None},
    )


def _paired(pairs: Sequence[tuple[bool, bool]]) -> PairedEffect:
    """The paired effect of `(KG right, closed book right)` pairs."""
    return paired_difference(
        both=sum(k and c for k, c in pairs),
        kg_only=sum(k and not c for k, c in pairs),
        closed_only=sum(c and not k for k, c in pairs),
        neither=sum(not k and not c for k, c in pairs),
    )


def metrics_by_subset(results: Iterable[QuestionResult]) -> dict[str, SubsetMetrics]:
    """Metrics per dataset in first-seen order, then `ALL` pooling every question (when there are two+)."""
    by_subset: dict[str, list[QuestionResult]] = {}
    for result in results:
        by_subset.setdefault(result.dataset, []).append(result)
    metrics = {name: subset_metrics(name, group) for name, group in by_subset.items()}
    if len(by_subset) > 1:
        pooled = [result for group in by_subset.values() for result in group]
        metrics[ALL] = subset_metrics(ALL, pooled)
    return metrics


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
