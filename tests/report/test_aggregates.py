"""The gap summary: exact counts per cohort and breakdown, and what is published of them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from b12risk.report.aggregates import (
    BREAKDOWN_MARGIN,
    COUNT_COLUMNS,
    ROW_TOTALS,
    SUMMARY_COLUMNS,
    ReportInputError,
    gap_counts,
    gap_summary,
)
from b12risk.report.disclosure import DisclosurePolicy

from .checks import assert_nothing_recoverable
from .conftest import create_status, patients, synthetic_status

POLICY = DisclosurePolicy()
OFF = DisclosurePolicy(enabled=False)

AT_RISK = """
practice_id | sex | age | status                | cohorts                           | n
A           | F   | 80  | never_tested          | older_adults                      | 10
A           | M   | 50  | overdue               | long_term_metformin               | 12
B           | F   | 77  | abnormal_untreated    | older_adults, long_term_metformin | 9
B           | M   | 30  | up_to_date            | vegan_diet                        | 20
B           |     |     | excluded_on_treatment | vegan_diet                        | 3
"""


def row(frame: pd.DataFrame, cohort: str, breakdown: str, group: str) -> dict:
    hit = frame[
        (frame["cohort"] == cohort) & (frame["breakdown"] == breakdown) & (frame["group"] == group)
    ]
    assert len(hit) == 1, (cohort, breakdown, group)
    return {k: (None if pd.isna(v) else v) for k, v in hit.iloc[0].items()}


def counts(frame, cohort, breakdown, group, *columns) -> tuple:
    r = row(frame, cohort, breakdown, group)
    return tuple(r[c] for c in columns)


def test_counts_per_cohort_count_each_patient_once_per_cohort_and_once_in_any(con):
    create_status(con, patients(AT_RISK))
    exact = gap_counts(con)
    cols = ("n_at_risk", "n_gap", "n_never_tested", "n_overdue", "n_abnormal_untreated")
    assert counts(exact, "any_cohort", "overall", "all", *cols) == (54, 31, 10, 12, 9)
    assert counts(exact, "any_cohort", "overall", "all", "n_excluded_on_treatment") == (3,)
    assert counts(exact, "older_adults", "overall", "all", *cols) == (19, 19, 10, 0, 9)
    assert counts(exact, "long_term_metformin", "overall", "all", *cols) == (21, 21, 0, 12, 9)
    assert counts(exact, "vegan_diet", "overall", "all", "n_at_risk", "n_gap") == (23, 0)


def test_breakdowns_by_practice_age_band_and_sex_add_up_and_keep_unknowns(con):
    create_status(con, patients(AT_RISK))
    exact = gap_counts(con)
    at_risk = {
        (r.breakdown, r.group): r.n_at_risk
        for r in exact[exact["cohort"] == "any_cohort"].itertuples()
    }
    assert at_risk == {
        ("overall", "all"): 54,
        ("practice", "A"): 22,
        ("practice", "B"): 32,
        ("age_band", "16–44"): 20,
        ("age_band", "45–64"): 12,
        ("age_band", "75–84"): 19,
        ("age_band", "unknown"): 3,
        ("sex", "F"): 19,
        ("sex", "M"): 32,
        ("sex", "unknown"): 3,
    }


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (15, "under 16"),
        (16, "16–44"),
        (44, "16–44"),
        (45, "45–64"),
        (64, "45–64"),
        (65, "65–74"),
        (74, "65–74"),
        (75, "75–84"),
        (84, "75–84"),
        (85, "85+"),
        (104, "85+"),
    ],
)
def test_age_band_boundaries(con, age, band):
    create_status(
        con, patients(f"practice_id | age | status | cohorts | n\nA | {age} | overdue | x | 1")
    )
    exact = gap_counts(con)
    bands = exact[(exact["cohort"] == "x") & (exact["breakdown"] == "age_band")]
    assert bands["group"].tolist() == [band]


def test_published_summary_rounds_suppresses_and_keeps_every_cohort(con, config, run):
    create_status(con, patients(AT_RISK))
    summary = gap_summary(con, config, run, POLICY)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert "patient_id" not in summary.columns
    any_overall = row(summary, "any_cohort", "overall", "all")
    assert any_overall["n_at_risk"] == 55  # 54 rounded to 5
    assert any_overall["n_excluded_on_treatment"] is None  # 3: suppressed
    assert any_overall["gap_rate"] == pytest.approx(any_overall["n_gap"] / 55)
    # a cohort with nobody at risk is still reported, with zeros and no rate
    nobody = row(summary, "nitrous_oxide_use", "overall", "all")
    assert nobody["n_at_risk"] == 0 and nobody["gap_rate"] is None
    assert nobody["cohort_title"] == "Recreational nitrous oxide use"
    assert set(summary["run_id"]) == {run.run_id} and set(summary["as_of"]) == {run.as_of}
    assert summary["disclosure_control"].all()
    published = summary[list(COUNT_COLUMNS)].stack().dropna()
    assert ((published % 5 == 0) & ~published.between(1, 7)).all()


def test_reading_order_puts_any_cohort_first_then_config_order(con, config, run):
    create_status(con, patients(AT_RISK))
    summary = gap_summary(con, config, run, POLICY)
    overall = summary[summary["breakdown"] == "overall"]["cohort"].tolist()
    assert overall[0] == "any_cohort"
    assert overall[1:] == [c.name for c in config.enabled_cohorts]
    any_rows = summary[summary["cohort"] == "any_cohort"]
    assert any_rows["breakdown"].drop_duplicates().tolist() == [
        "overall",
        "age_band",
        "sex",
        "practice",
        "status",
    ]


def test_status_rows_repeat_the_published_overall_row(con, config, run):
    create_status(con, synthetic_status(400))
    summary = gap_summary(con, config, run, POLICY)
    for cohort, rows in summary.groupby("cohort"):
        overall = row(rows, cohort, "overall", "all")
        status = rows[rows["breakdown"] == "status"].set_index("group")["n_at_risk"]
        for name, n in status.items():
            assert (None if pd.isna(n) else n) == overall[f"n_{name}"]


def test_no_suppressed_count_of_the_summary_can_be_recovered(con, config, run):
    create_status(con, synthetic_status(300, seed=3))
    exact = gap_counts(con)
    summary = gap_summary(con, config, run, POLICY)
    summary = summary[summary["breakdown"] != "status"]
    key = ["cohort", "breakdown", "group"]
    exact = exact.merge(summary[key], on=key, how="right").fillna(0)
    assert summary["n_at_risk"].isna().any(), "the test data should exercise suppression"
    derived = (("n_at_risk", ("n_gap", "n_excluded_on_treatment", "n_due_soon", "n_up_to_date")),)
    assert_nothing_recoverable(
        exact.reset_index(drop=True),
        summary.reset_index(drop=True),
        list(COUNT_COLUMNS),
        ROW_TOTALS + derived,
        [BREAKDOWN_MARGIN],
    )


def test_without_disclosure_control_counts_are_exact_and_marked(con, config, run):
    create_status(con, patients(AT_RISK))
    summary = gap_summary(con, config, run, OFF)
    assert row(summary, "any_cohort", "overall", "all")["n_excluded_on_treatment"] == 3
    assert not summary["disclosure_control"].any()
    assert set(summary["release_note"]) == {"NOT FOR RELEASE — disclosure control off"}


def test_rows_of_another_run_are_refused(con, config, run):
    create_status(con, patients(AT_RISK, run_id="some-other-run"))
    with pytest.raises(ReportInputError, match="another run"):
        gap_summary(con, config, run, POLICY)


def test_an_unknown_status_is_refused_by_name(con, config, run):
    create_status(con, patients("practice_id | status | cohorts | n\nA | lost | x | 1"))
    with pytest.raises(ReportInputError, match="lost"):
        gap_summary(con, config, run, POLICY)


def test_a_cohort_missing_from_the_config_keeps_its_name_as_title(con, config, run):
    create_status(con, patients("practice_id | status | cohorts | n\nA | overdue | retired | 9"))
    config = dataclasses.replace(config, cohorts=config.cohorts[:1])
    summary = gap_summary(con, config, run, POLICY)
    assert row(summary, "retired", "overall", "all")["cohort_title"] == "retired"
