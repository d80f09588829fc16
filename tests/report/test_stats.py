"""Wilson intervals and funnel-plot limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12risk.report.stats import Z95, Z998, funnel_limits, funnel_position, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (50, 100, 0.4038, 0.5962),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), example (i): 81/263
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_refuses_impossible_input():
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_rate_within_0_and_1(case):
    successes, n = case
    low, high = wilson_interval(successes, n)
    assert 0 <= low <= successes / n <= high <= 1
    mirrored = wilson_interval(n - successes, n)
    assert (low, high) == pytest.approx((1 - mirrored[1], 1 - mirrored[0]), abs=1e-12)
    wider = wilson_interval(successes, n, Z998)
    assert wider[0] <= low and high <= wider[1]


def test_funnel_limits_narrow_as_practices_grow_and_enclose_the_overall_rate():
    sizes = [5, 20, 100, 1000]
    low95, high95 = funnel_limits(0.3, sizes, Z95)
    low998, high998 = funnel_limits(0.3, sizes, Z998)
    assert all(lo < 0.3 < hi for lo, hi in zip(low95, high95, strict=True))
    assert all(b - a > d - c for a, b, c, d in zip(low998, high998, low95, high95, strict=True))
    widths = [hi - lo for lo, hi in zip(low95, high95, strict=True)]
    assert widths == sorted(widths, reverse=True)


@pytest.mark.parametrize(
    ("rate", "n", "expected"),
    [
        (0.30, 100, "within limits"),
        (0.41, 100, "above (outside 95% limits)"),
        (0.50, 100, "well above (outside 99.8% limits)"),
        (0.20, 100, "below (outside 95% limits)"),
        (0.10, 100, "well below (outside 99.8% limits)"),
        (0.50, 10, "within limits"),  # a small practice may vary that much by chance
    ],
)
def test_funnel_position_in_words(rate, n, expected):
    assert funnel_position(rate, n, overall_rate=0.3) == expected
