"""Disclosure control: primary suppression, rounding, rates, secondary suppression, the off flag."""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from b12risk.config import ConfigError
from b12risk.report.disclosure import (
    FLAG_COLUMN,
    NOT_FOR_RELEASE,
    PUBLISHED_POLICY,
    DisclosurePolicy,
    Margin,
    round_count,
    suppress,
)
from tests.tables import parse_table

from .checks import assert_nothing_recoverable

POLICY = DisclosurePolicy()
STATUSES = ("excl", "abn", "never", "overdue", "soon", "ok")
GAPS = ("abn", "never", "overdue")
ROW_TOTALS = (("at_risk", STATUSES), ("gap", GAPS))
DERIVED = (("at_risk", ("gap", "excl", "soon", "ok")),)
COLUMNS = ("at_risk", "gap", *STATUSES)


def frame(text: str) -> pd.DataFrame:
    rows = parse_table(text)
    out = pd.DataFrame(rows)
    for column in out.columns:
        if column not in ("cohort", "breakdown", "group"):
            out[column] = pd.array(
                [None if pd.isna(v) else int(v) for v in out[column]], dtype="Int64"
            )
    return out


def published(out: pd.DataFrame, column: str) -> list:
    return [None if pd.isna(v) else int(v) for v in out[column]]


# --- spec: primary suppression and rounding ------------------------------------------------------


def test_counts_1_to_7_are_suppressed_others_rounded_to_5_halves_up():
    table = frame(
        """
        n
        0
        1
        7
        8
        12
        13
        22
        23
        1002
        """
    )
    out = suppress(table, ["n"], policy=POLICY)
    assert published(out, "n") == [0, None, None, 10, 10, 15, 20, 25, 1000]
    assert out[FLAG_COLUMN].all()


def test_rates_are_recomputed_from_the_rounded_counts():
    table = frame(
        """
        n_gap | n_at_risk
        13    | 22
        3     | 40
        0     | 0
        """
    )
    out = suppress(
        table, ["n_gap", "n_at_risk"], policy=POLICY, rates={"rate": ("n_gap", "n_at_risk")}
    )
    assert out["rate"].iloc[0] == pytest.approx(15 / 20)
    assert pd.isna(out["rate"].iloc[1])  # numerator suppressed
    assert pd.isna(out["rate"].iloc[2])  # nobody at risk


def test_thresholds_come_from_the_configuration():
    policy = DisclosurePolicy.from_settings({"suppress_max": 9, "round_to": 10})
    out = suppress(frame("n\n9\n10\n14\n15"), ["n"], policy=policy)
    assert published(out, "n") == [None, 10, 10, 20]


def test_a_policy_whose_rounding_would_publish_a_hidden_count_is_refused():
    with pytest.raises(ValueError, match="would publish"):
        DisclosurePolicy(suppress_max=8, round_to=4)  # 9 rounds to 8


# --- spec: secondary suppression -----------------------------------------------------------------


def test_one_suppressed_part_of_a_row_total_takes_the_next_smallest_part_with_it():
    table = frame(
        """
        total | a | b  | c
        30    | 3 | 10 | 17
        20    | 0 | 20 | 0
        """
    )
    out = suppress(table, ["total", "a", "b", "c"], policy=POLICY, row_totals=[("total", "abc")])
    assert out.iloc[0][["total", "a", "b", "c"]].tolist() == [30, pd.NA, pd.NA, 15]
    assert out.iloc[1][["total", "a", "b", "c"]].tolist() == [20, 0, 20, 0]


def test_a_suppressed_group_of_a_breakdown_takes_another_group_with_it():
    table = frame(
        """
        cohort | breakdown | group | n
        x      | overall   | all   | 40
        x      | age_band  | young | 4
        x      | age_band  | old   | 36
        x      | sex       | F     | 20
        x      | sex       | M     | 20
        y      | overall   | all   | 9
        y      | sex       | F     | 9
        """
    )
    margin = Margin(split="breakdown", total="overall", within=("cohort",))
    out = suppress(table, ["n"], policy=POLICY, margins=[margin])
    assert published(out, "n") == [40, None, None, 20, 20, 10, 10]


def test_secondary_suppression_propagates_along_rows_and_columns():
    # P1's b (5) is hidden; its row must hide another cell, so must its column, and so on.
    table = frame(
        """
        cohort | breakdown | group | total | a  | b
        x      | overall   | all   | 60    | 45 | 15
        x      | practice  | P1    | 15    | 10 | 5
        x      | practice  | P2    | 45    | 35 | 10
        """
    )
    margin = Margin(split="breakdown", total="overall", within=("cohort",))
    out = suppress(
        table, ["total", "a", "b"], policy=POLICY, row_totals=[("total", "ab")], margins=[margin]
    )
    cells = out[["total", "a", "b"]].isna().to_numpy()
    assert cells[1, 2] and cells.sum(axis=1)[1] >= 2 and cells.sum(axis=0)[2] >= 2
    assert_nothing_recoverable(table, out, ["total", "a", "b"], [("total", "ab")], [margin])


def test_a_cell_isolated_by_combining_two_identities_is_protected():
    # hidden by threshold: never 3, overdue 4, ok 5. Each identity alone holds two hidden cells,
    # but at_risk - gap = excl + soon + ok would give ok away: one more cell must go.
    table = frame(
        """
        at_risk | gap | excl | abn | never | overdue | soon | ok
        52      | 17  | 10   | 10  | 3     | 4       | 20   | 5
        """
    )
    out = suppress(table, list(COLUMNS), policy=POLICY, row_totals=ROW_TOTALS)
    hidden = [c for c in COLUMNS if pd.isna(out[c].iloc[0])]
    assert hidden == ["excl", "never", "overdue", "ok"]  # excl is the smallest to add


def test_missing_counts_stay_missing_and_take_part_in_no_identity():
    table = frame(
        """
        total | a | b
        20    |   | 20
        30    | 3 | 27
        """
    )
    out = suppress(table, ["total", "a", "b"], policy=POLICY, row_totals=[("total", "ab")])
    assert published(out, "a") == [None, None]
    assert published(out, "b") == [20, None]


def test_turning_control_off_publishes_exact_counts_marked_not_for_release(caplog):
    table = frame("n_gap | n_at_risk\n3 | 11")
    policy = DisclosurePolicy(enabled=False)
    with caplog.at_level(logging.WARNING):
        out = suppress(
            table, ["n_gap", "n_at_risk"], policy=policy, rates={"r": ("n_gap", "n_at_risk")}
        )
    assert published(out, "n_gap") == [3] and published(out, "n_at_risk") == [11]
    assert out["r"].iloc[0] == pytest.approx(3 / 11)
    assert not out[FLAG_COLUMN].any()
    assert policy.release_note() == NOT_FOR_RELEASE and NOT_FOR_RELEASE in caplog.text


def test_the_configuration_alone_cannot_turn_control_off(caplog):
    with caplog.at_level(logging.WARNING):
        policy = DisclosurePolicy.from_settings(
            {"enabled": False, "suppress_max": 7, "round_to": 5}
        )
    assert policy.enabled
    assert "explicit flag" in caplog.text
    assert not DisclosurePolicy.from_settings({}, enabled=False).enabled


def test_negative_or_fractional_counts_are_refused():
    with pytest.raises(ValueError):
        suppress(frame("n\n-1"), ["n"], policy=POLICY)
    with pytest.raises(ValueError):
        suppress(pd.DataFrame({"n": [1.5]}), ["n"], policy=POLICY)


# --- property tests ------------------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 9), st.integers(0, 40))


@st.composite
def cohort_tables(draw):
    """A cohort's overall row plus two breakdowns (a x b cross-classification summed both ways),
    each row with six status counts and their at_risk and gap totals."""
    n_a, n_b = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    cells = np.array(draw(st.lists(small_counts, min_size=n_a * n_b * 6, max_size=n_a * n_b * 6)))
    cells = cells.reshape(n_a, n_b, 6)
    rows = [("overall", "all", cells.sum(axis=(0, 1)))]
    rows += [("a", f"a{i}", cells[i].sum(axis=0)) for i in range(n_a)]
    rows += [("b", f"b{j}", cells[:, j].sum(axis=0)) for j in range(n_b)]
    records = []
    for breakdown, group, statuses in rows:
        counts = dict(zip(STATUSES, (int(v) for v in statuses), strict=True))
        counts["at_risk"] = sum(counts[s] for s in STATUSES)
        counts["gap"] = sum(counts[s] for s in GAPS)
        records.append({"cohort": "x", "breakdown": breakdown, "group": group} | counts)
    return pd.DataFrame(records)


@st.composite
def policies(draw):
    suppress_max, round_to = draw(st.integers(0, 10)), draw(st.integers(1, 10))
    try:
        return DisclosurePolicy(suppress_max=suppress_max, round_to=round_to)
    except ValueError:
        assume(False)


MARGIN = Margin(split="breakdown", total="overall", within=("cohort",))
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cohort_tables(), st.one_of(st.just(POLICY), policies()))
def test_published_counts_are_never_small_and_are_rounded_true_counts(table, policy):
    out = suppress(
        table,
        COLUMNS,
        policy=policy,
        row_totals=ROW_TOTALS,
        margins=[MARGIN],
        rates={"rate": ("gap", "at_risk")},
    )
    for column in COLUMNS:
        for true, shown in zip(table[column], out[column], strict=True):
            if pd.isna(shown):
                continue
            assert not 1 <= shown <= policy.suppress_max
            assert shown % policy.round_to == 0
            assert shown == round_count(int(true), policy.round_to)
    for gap, at_risk, rate in zip(out["gap"], out["at_risk"], out["rate"], strict=True):
        if pd.isna(gap) or pd.isna(at_risk) or at_risk == 0:
            assert pd.isna(rate)
        else:
            assert rate == pytest.approx(gap / at_risk)


@FAST
@given(cohort_tables())
def test_no_suppressed_count_can_be_recovered_from_the_published_ones(table):
    out = suppress(table, COLUMNS, policy=POLICY, row_totals=ROW_TOTALS, margins=[MARGIN])
    assert_nothing_recoverable(table, out, list(COLUMNS), ROW_TOTALS + DERIVED, [MARGIN])


def test_the_property_checker_detects_a_recoverable_cell():
    """Guard the guard: a hand-made unsafe publication must fail the check."""
    table = frame("total | a | b\n30 | 3 | 27")
    unsafe = table.copy()
    unsafe["a"] = pd.array([None], dtype="Int64")
    with pytest.raises(AssertionError):
        assert_nothing_recoverable(table, unsafe, ["total", "a", "b"], [("total", "ab")], [])
    # a 2 x 2 block hidden in a table with row and column totals is safe by subtraction ...
    rows = [dict(zip(("t", "a", "b"), r, strict=True)) for r in ((20, 3, 17), (20, 4, 16))]
    block = pd.DataFrame(rows)
    block["k"], block["s"] = "x", "practice"
    total = pd.DataFrame([{"t": 40, "a": 7, "b": 33, "k": "x", "s": "overall"}])
    table = pd.concat([total, block], ignore_index=True)
    hidden = table.copy()
    for col in ("a", "b"):
        hidden[col] = pd.array(
            [None if i in (1, 2) else v for i, v in enumerate(table[col])], dtype="Int64"
        )
    margin = Margin(split="s", total="overall", within=("k",))
    # ... and also by elimination (the 2 x 2 block can shift by any amount)
    assert_nothing_recoverable(table, hidden, ["t", "a", "b"], [("t", "ab")], [margin])
    for i, j in itertools.product((1, 2), (1, 2)):
        assert pd.isna(hidden.iloc[i, j])


# Issue 9.7: thresholds below the published policy (suppress 1-7, round to 5) are refused unless
# control is explicitly off; the refusal names the setting and the flag.
@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"suppress_max": 0, "round_to": 1}, "suppress_max"),
        ({"suppress_max": 6, "round_to": 5}, "suppress_max"),
        ({"suppress_max": 7, "round_to": 4}, "round_to"),
        ({"suppress_max": 7, "round_to": 1}, "round_to"),
    ],
)
def test_weakened_thresholds_are_refused(settings, named):
    with pytest.raises(ConfigError) as caught:
        DisclosurePolicy.from_settings(settings)
    message = str(caught.value)
    assert named in message and "--no-disclosure-control" in message
    assert not DisclosurePolicy.from_settings(settings, enabled=False).enabled


@pytest.mark.parametrize(
    "settings",
    [{}, {"suppress_max": 7, "round_to": 5}, {"suppress_max": 9, "round_to": 10}],
)
def test_the_published_policy_or_a_stricter_one_is_accepted(settings):
    policy = DisclosurePolicy.from_settings(settings)
    assert policy.enabled
    assert policy.suppress_max >= PUBLISHED_POLICY.suppress_max
    assert policy.round_to >= PUBLISHED_POLICY.round_to
