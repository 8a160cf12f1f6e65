"""Whether an arm's confidence means what it says: accuracy per confidence bin, and the calibration error.

An answer given with confidence 0.8 should be right about 80% of the time. The answers are put into
`BINS` equal-width bins by confidence; each bin's accuracy is compared with its mean confidence, and the
expected calibration error (ECE) is the mean gap weighted by how many answers fall in each bin (Naeini et
al. 2015; Guo et al. 2017). Answers without a confidence (a model's free-text reply states none) are left
out and counted, so an arm whose answers carry none has no ECE rather than a made-up one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BINS = 10
"""Equal-width confidence bins over [0, 1]; the last one includes 1."""


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """The answers whose confidence fell in `[low, high)`: how many, how sure, how often right."""

    low: float
    high: float
    n: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True, slots=True)
class Calibration:
    """An arm's reliability table and its expected calibration error (None without confident answers)."""

    bins: list[ReliabilityBin]
    ece: float | None
    answers: int
    """Answers with a confidence: the ones the table covers."""
    without_confidence: int


def calibration(answers: Iterable[tuple[float | None, bool]]) -> Calibration:
    """The reliability table and ECE of `(confidence, correct)` pairs."""
    counted: list[list[tuple[float, bool]]] = [[] for _ in range(BINS)]
    missing = 0
    for confidence, correct in answers:
        if confidence is None:
            missing += 1
            continue
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"a confidence must lie in [0, 1], got {confidence}")
        counted[min(int(confidence * BINS), BINS - 1)].append((confidence, correct))
    total = sum(len(group) for group in counted)
    bins = []
    gap = 0.0
    for index, group in enumerate(counted):
        mean = sum(value for value, _ in group) / len(group) if group else None
        accuracy = sum(right for _, right in group) / len(group) if group else None
        if mean is not None and accuracy is not None:
            gap += len(group) / total * abs(accuracy - mean)
        bins.append(ReliabilityBin(index / BINS, (index + 1) / BINS, len(group), mean, accuracy))
    return Calibration(bins, round(gap, 4) if total else None, total, missing)
