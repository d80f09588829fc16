"""Confidence intervals and funnel-plot control limits for proportions (gap rates)."""

from __future__ import annotations

import math
from collections.abc import Iterable

Z95 = 1.959963984540054  # two-sided 95%
Z998 = 3.090232306167813  # two-sided 99.8%


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for the proportion successes / n.

    Accepts non-integer successes (funnel limits use the expected count n * p). Raises on n <= 0
    or successes outside 0..n. Always 0 <= low <= successes / n <= high <= 1."""
    if n <= 0:
        raise ValueError("wilson_interval: n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("wilson_interval: successes must lie between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = min(max(0.0, centre - half_width), p)
    high = max(min(1.0, centre + half_width), p)
    return low, high


def funnel_limits(
    overall_rate: float, sizes: Iterable[float], z: float
) -> tuple[list[float], list[float]]:
    """Control limits around `overall_rate` for units of each size: the Wilson interval of the
    rate a unit of that size would show if it had exactly the overall rate (so the limits stay
    within 0-1 and widen for small units)."""
    lows, highs = [], []
    for n in sizes:
        low, high = wilson_interval(overall_rate * n, n, z)
        lows.append(low)
        highs.append(high)
    return lows, highs


def funnel_position(rate: float, n: float, overall_rate: float) -> str:
    """Where a unit lies against the funnel limits around overall_rate, in words."""
    low95, high95 = wilson_interval(overall_rate * n, n, Z95)
    low998, high998 = wilson_interval(overall_rate * n, n, Z998)
    if rate > high998:
        return "well above (outside 99.8% limits)"
    if rate > high95:
        return "above (outside 95% limits)"
    if rate < low998:
        return "well below (outside 99.8% limits)"
    if rate < low95:
        return "below (outside 95% limits)"
    return "within limits"
