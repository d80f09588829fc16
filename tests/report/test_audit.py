"""The disclosure audit (issue 9.8): what a solver can prove about every suppressed cell.

Each case is a small published table literal; None is a suppressed cell.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from b12risk.report.audit import PublishedTable, audit, published_interval, repair_cells
from b12risk.report.disclosure import PUBLISHED_POLICY, suppress

POLICY = PUBLISHED_POLICY  # suppress 1-7, round to 5
ROW = (("total", ("a", "b", "c")),)


def table(rows, name="t", equal_rows=()):
    frame = pd.DataFrame(rows, columns=["key", "total", "a", "b", "c"])
    for column in ("total", "a", "b", "c"):
        frame[column] = frame[column].astype("Int64")
    return PublishedTable(
        name, frame, ("key",), ("total", "a", "b", "c"), row_totals=ROW, equal_rows=equal_rows
    )


def verdicts(result):
    return {(b.run, b.key[0], b.column): b.verdict for b in result.bounds}


@pytest.mark.parametrize(
    ("published", "low", "high"),
    [(0, 0, 0), (10, 8, 12), (15, 13, 17), (100, 98, 102)],
)
def test_a_published_count_stands_for_the_counts_that_round_to_it(published, low, high):
    assert published_interval(published, POLICY) == (low, high)


CASES = [
    # (what, rows: key, total, a, b, c; the verdict of each suppressed cell)
    (
        "one hidden cell in a row is recovered by subtraction, within the rounding",
        [("r", 20, None, 15, 0)],
        {("this", "r", "a"): "recoverable"},
    ),
    (
        "two hidden cells of a row hide each other",
        [("r", 20, None, None, 10)],
        {("this", "r", "a"): "safe", ("this", "r", "b"): "safe"},
    ),
    (
        "a hidden total with published parts is bounded away from 0",
        [("r", None, 10, 0, 0)],
        {("this", "r", "total"): "proven large"},
    ),
    (
        "hidden everything: nothing can be proven",
        [("r", None, None, None, None)],
        {("this", "r", c): "safe" for c in ("total", "a", "b", "c")},
    ),
    (
        "two hidden cells whose sum the rounding pins within the threshold",
        [("r", 10, None, None, 10)],
        {("this", "r", "a"): "recoverable", ("this", "r", "b"): "recoverable"},
    ),
]


@pytest.mark.parametrize(("what", "rows", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_within_one_release(what, rows, expected):
    assert verdicts(audit([table(rows)], POLICY)) == expected, what


def test_an_equality_the_suppression_was_not_told_of_recovers_a_cell():
    """The measured leak: any cohort's 85+ row is older adults' 85+ row; a cell hidden in
    one and published in the other is known."""
    rows = [("any_85", 40, None, None, 25), ("older_85", 40, None, 15, 25)]
    told = table(rows, equal_rows=[(0, 1)])
    assert verdicts(audit([table(rows)], POLICY))[("this", "any_85", "a")] == "safe"
    assert verdicts(audit([told], POLICY))[("this", "any_85", "a")] == "recoverable"


def test_the_suppression_hides_both_sides_of_a_declared_equality():
    exact = pd.DataFrame(
        {"key": ["any_85", "older_85"], "total": [40, 40], "a": [3, 3], "b": [7, 7], "c": [30, 30]}
    )
    counts = ["total", "a", "b", "c"]
    published = suppress(exact, counts, policy=POLICY, row_totals=ROW, equal_rows=[(0, 1)])
    hidden = published[counts].isna().to_numpy()
    assert (hidden[0] == hidden[1]).all() and hidden[0][1]
    result = audit(
        [table(published.drop(columns="disclosure_control"), equal_rows=[(0, 1)])], POLICY
    )
    assert result.passed


def test_a_cell_hidden_yesterday_and_published_today_is_recovered_across_the_two():
    """The measured differencing attack: the pattern moved between two consecutive runs."""
    day1 = table([("p", 40, None, None, 30)])
    day2 = table([("p", 40, 10, None, 25)])
    result = audit([day2], POLICY, previous=[day1], k=1)
    found = verdicts(result)
    assert found[("previous", "p", "a")] == "recoverable"  # in [7, 13]: 10 +- 2, +- 1
    alone = audit([day1], POLICY)
    assert alone.passed


@pytest.mark.parametrize(("today", "hidden"), [(3, True), (8, True), (12, True), (13, False)])
def test_a_cell_hidden_last_run_stays_hidden_until_it_moved_well_above_the_threshold(today, hidden):
    assert POLICY.release_floor(1) == 12  # 7 + 2 (half a rounding step, twice) + 1
    exact = pd.DataFrame({"key": ["p"], "total": [40], "a": [today], "b": [13 - today], "c": [27]})
    before = np.array([[False, True, False, False]])
    counts = ["total", "a", "b", "c"]
    published = suppress(exact, counts, policy=POLICY, row_totals=ROW, hidden_before=before)
    assert bool(pd.isna(published.at[0, "a"])) is hidden


def test_a_cell_published_after_moving_well_above_is_proven_large_not_small():
    day1 = table([("p", 40, None, None, 20)])
    day2 = table([("p", 40, 15, None, 20)])
    found = verdicts(audit([day2], POLICY, previous=[day1], k=1))
    assert found[("previous", "p", "a")] == "proven large"  # at least 13 - 1: no small count


def test_repairs_hide_the_smallest_published_cell_sharing_an_identity():
    published = table([("r", 20, None, 15, 0)])
    result = audit([published], POLICY)
    exact = np.array([[20, 5, 15, 0]], dtype=float)
    assert repair_cells(published, exact, result) == {2}  # b: 15 (c is 0: zeros last)


def test_bounds_go_to_the_restricted_document_only_as_numbers():
    result = audit([table([("r", 20, None, None, 10)])], POLICY)
    document = result.to_dict()
    assert document["passed"] is True and {c["verdict"] for c in document["cells"]} == {"safe"}
    assert all(c["high"] is None or math.isfinite(c["high"]) for c in document["cells"])
    assert result.summary_lines()[0].startswith("disclosure audit passed: 2 suppressed cells")
