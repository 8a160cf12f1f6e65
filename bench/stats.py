"""Summaries of latency samples: the percentiles the report quotes, by one definition everywhere."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by linear interpolation between order statistics (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50, p95, p99, mean, min and max of latencies given in seconds, reported in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = [value * 1000 for value in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """The quotient `numerator / denominator`, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0 or math.isnan(numerator):
        return None
    return round(numerator / denominator, 2)
