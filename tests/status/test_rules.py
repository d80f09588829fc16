"""Spec tests of the status rules, their precedence and their boundaries (as-of date D =
2025-06-30; every patient is in older_adults, interval 365 days, unless the table says so)."""

from __future__ import annotations

import dataclasses

import pytest

from b12risk.config import ConfigError, load_config
from b12risk.status.screen import GAP_STATUSES, STATUSES, screening_status

from .tables import RUN_ID, D, expect, given, run, statuses

ONE_OF_EACH_EVENTS = """
patient_id | event     | event_date | value | unit
treated    | treatment | D-30       |       |
low        | total     | D-10       | 100   | pmol/L
late       | total     | D-400      | 300   | pmol/L
soon       | total     | D-350      | 300   | pmol/L
fine       | total     | D-10       | 300   | pmol/L
"""
ONE_OF_EACH_MEMBERS = """
patient_id | cohort
treated    | older_adults
low        | older_adults
never      | older_adults
late       | older_adults
soon       | older_adults
fine       | older_adults
"""


def test_each_status_with_its_columns(con):
    given(con, ONE_OF_EACH_EVENTS, ONE_OF_EACH_MEMBERS)
    run(con)
    expect(
        con,
        """
        patient_id | status                | last_test_on | last_test_code | last_result_pmol_l | last_result_judged | interval_days | due_on | last_treatment_on
        treated    | excluded_on_treatment |              |                |                    | false              | 365           |        | D-30
        low        | abnormal_untreated    | D-10         | 14685-2        | 100                | true               | 365           | D+355  |
        never      | never_tested          |              |                |                    | false              | 365           |        |
        late       | overdue               | D-400        | 14685-2        | 300                | true               | 365           | D-35   |
        soon       | due_soon              | D-350        | 14685-2        | 300                | true               | 365           | D+15   |
        fine       | up_to_date            | D-10         | 14685-2        | 300                | true               | 365           | D+355  |
        """,  # noqa: E501
    )
    expect(
        con,
        """
        patient_id | practice_id | sex | age | cohorts      | run_id
        treated    | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        low        | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        never      | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        late       | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        soon       | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        fine       | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        """,
    )


def test_result_counts_each_status_and_the_gaps(con):
    given(con, ONE_OF_EACH_EVENTS, ONE_OF_EACH_MEMBERS)
    result = run(con)
    assert result.counts == dict.fromkeys(STATUSES, 1)
    assert list(result.counts) == list(STATUSES)
    assert result.n_at_risk == 6
    assert result.n_gap == 3
    assert set(GAP_STATUSES) == {"never_tested", "overdue", "abnormal_untreated"}


def test_counts_include_statuses_nobody_has(con):
    given(con, "patient_id | event | event_date | value | unit\nfine | total | D-10 | 300 | pmol/L")
    result = run(con)
    assert result.counts == {**dict.fromkeys(STATUSES, 0), "up_to_date": 1}
    assert (result.n_at_risk, result.n_gap) == (1, 0)


def test_the_first_status_that_applies_wins(con):
    given(
        con,
        """
        patient_id    | event     | event_date | value | unit
        treated_low   | total     | D-10       | 100   | pmol/L
        treated_low   | treatment | D-30       |       |
        treated_never | treatment | D-100      |       |
        treated_late  | total     | D-500      | 300   | pmol/L
        treated_late  | treatment | D-100      |       |
        low_and_late  | total     | D-500      | 100   | pmol/L
        low_and_soon  | total     | D-350      | 100   | pmol/L
        """,
    )
    run(con)
    assert statuses(con) == {
        "treated_low": "excluded_on_treatment",  # 1 over 2 (treated before the low test)
        "treated_never": "excluded_on_treatment",  # 1 over 3
        "treated_late": "excluded_on_treatment",  # 1 over 4
        "low_and_late": "abnormal_untreated",  # 2 over 4
        "low_and_soon": "abnormal_untreated",  # 2 over 5
    }


def test_treatment_lookback_includes_365_days_not_366(con):
    given(
        con,
        """
        patient_id   | event     | event_date | value | unit
        on_d         | treatment | D          |       |
        at_365       | treatment | D-365      |       |
        at_366       | treatment | D-366      |       |
        at_366       | total     | D-10       | 300   | pmol/L
        at_366_never | treatment | D-366      |       |
        """,
    )
    run(con)
    expect(
        con,
        """
        patient_id   | status                | last_treatment_on
        on_d         | excluded_on_treatment | D
        at_365       | excluded_on_treatment | D-365
        at_366       | up_to_date            | D-366
        at_366_never | never_tested          | D-366
        """,
    )


def test_treatment_lookback_follows_the_configuration(con):
    given(con, "patient_id | event | event_date\nt | treatment | D-100")
    run(con, treatment_lookback_days=99)
    assert statuses(con) == {"t": "never_tested"}


def test_a_deficient_result_is_treated_by_treatment_on_or_after_its_day(con):
    given(
        con,
        """
        patient_id | event     | event_date | value | unit
        same_day   | total     | D-400      | 100   | pmol/L
        same_day   | treatment | D-400      |       |
        after      | total     | D-400      | 100   | pmol/L
        after      | treatment | D-380      |       |
        before     | total     | D-400      | 100   | pmol/L
        before     | treatment | D-401      |       |
        """,
    )
    run(con)
    assert statuses(con) == {
        "same_day": "overdue",
        "after": "overdue",
        "before": "abnormal_untreated",
    }


def test_overdue_only_when_more_than_the_interval_before_d(con):
    given(
        con,
        """
        patient_id | event | event_date | value | unit
        at_365     | total | D-365      | 300   | pmol/L
        at_366     | total | D-366      | 300   | pmol/L
        """,
    )
    run(con)
    expect(
        con,
        """
        patient_id | status   | due_on
        at_365     | due_soon | D
        at_366     | overdue  | D-1
        """,
    )


def test_due_soon_when_due_within_30_days(con):
    given(
        con,
        """
        patient_id | event | event_date | value | unit
        in_30      | total | D-335      | 300   | pmol/L
        in_31      | total | D-334      | 300   | pmol/L
        """,
    )
    run(con)
    expect(
        con,
        """
        patient_id | status     | due_on
        in_30      | due_soon   | D+30
        in_31      | up_to_date | D+31
        """,
    )
    run(con, due_soon_days=31)
    assert statuses(con) == {"in_30": "due_soon", "in_31": "due_soon"}


def test_only_patients_of_the_population_in_a_cohort_are_in_scope(con):
    given(
        con,
        events="""
        patient_id | event | event_date | value | unit
        outsider   | total | D-10       | 300   | pmol/L
        member     | total | D-10       | 300   | pmol/L
        """,
        members="""
        patient_id | cohort
        member     | older_adults
        member     | older_adults
        ghost      | older_adults
        """,
        population="""
        patient_id
        outsider
        member
        """,
    )
    result = run(con)
    assert statuses(con) == {"member": "up_to_date"}
    assert result.n_at_risk == 1


def test_events_after_d_are_ignored(con):
    given(
        con,
        """
        patient_id | event     | event_date | value | unit
        future     | total     | D+5        | 100   | pmol/L
        future     | treatment | D+1        |       |
        """,
    )
    run(con)
    expect(
        con,
        """
        patient_id | status       | last_test_on | last_treatment_on
        future     | never_tested |              |
        """,
    )


def test_a_test_from_any_source_table_counts(con):
    given(con, "patient_id | event | event_date\ncoded | total | D-10")
    con.execute("UPDATE concept_events SET source_table = 'procedures', code_system = 'CPT'")
    result = run(con)
    assert statuses(con) == {"coded": "up_to_date"}
    assert result.n_results_without_value == 1


def test_the_stage_can_run_twice_on_one_connection(con):
    given(con, ONE_OF_EACH_EVENTS, ONE_OF_EACH_MEMBERS)
    first = run(con)
    second = run(con)
    assert first == second
    assert con.execute("SELECT count(*) FROM screening_status").fetchall() == [(6,)]


def test_a_screening_setting_missing_from_the_config_is_refused(con):
    given(con, ONE_OF_EACH_EVENTS, ONE_OF_EACH_MEMBERS)
    config = load_config()
    screening = {k: v for k, v in config.screening.items() if k != "due_soon_days"}
    with pytest.raises(ConfigError, match="due_soon_days"):
        screening_status(con, dataclasses.replace(config, screening=screening), D, RUN_ID)
