"""Spec tests of the status rules, their precedence and their boundaries (as-of date D =
2025-06-30; every patient is in older_adults, interval 365 days, unless the table says so)."""

from __future__ import annotations

import dataclasses

import pytest

from b12risk.config import ConfigError, load_config
from b12risk.status.screen import GAP_STATUSES, STATUSES, screening_status

from .tables import RUN_ID, D, expect, given, run, statuses

ONE_OF_EACH_EVENTS = """
patient | event     | days_before | value | unit
treated | treatment | 30          |       |
low     | total     | 10          | 100   | pmol/L
late    | total     | 400         | 300   | pmol/L
soon    | total     | 350         | 300   | pmol/L
fine    | total     | 10          | 300   | pmol/L
"""
ONE_OF_EACH_MEMBERS = """
patient | cohort
treated | older_adults
low     | older_adults
never   | older_adults
late    | older_adults
soon    | older_adults
fine    | older_adults
"""


def test_each_status_with_its_columns(con):
    given(con, ONE_OF_EACH_EVENTS, ONE_OF_EACH_MEMBERS)
    run(con)
    expect(
        con,
        """
        patient | status                | last_test_on | last_test_code | last_result_pmol_l | last_result_judged | interval_days | due_on     | last_treatment_on
        treated | excluded_on_treatment | null         | null           | null               | false              | 365           | null       | 2025-05-31
        low     | abnormal_untreated    | 2025-06-20   | 14685-2        | 100                | true               | 365           | 2026-06-20 | null
        never   | never_tested          | null         | null           | null               | false              | 365           | null       | null
        late    | overdue               | 2024-05-26   | 14685-2        | 300                | true               | 365           | 2025-05-26 | null
        soon    | due_soon              | 2024-07-15   | 14685-2        | 300                | true               | 365           | 2025-07-15 | null
        fine    | up_to_date            | 2025-06-20   | 14685-2        | 300                | true               | 365           | 2026-06-20 | null
        """,  # noqa: E501
    )
    expect(
        con,
        """
        patient | practice_id | sex | age | cohorts      | run_id
        treated | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        low     | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        never   | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        late    | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        soon    | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
        fine    | P1          | F   | 85  | older_adults | 20250630T000000Z-abc123
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
    given(con, "patient | event | days_before | value | unit\nfine | total | 10 | 300 | pmol/L")
    result = run(con)
    assert result.counts == {**dict.fromkeys(STATUSES, 0), "up_to_date": 1}
    assert (result.n_at_risk, result.n_gap) == (1, 0)


def test_the_first_status_that_applies_wins(con):
    given(
        con,
        """
        patient         | event     | days_before | value | unit
        treated_low     | total     | 10          | 100   | pmol/L
        treated_low     | treatment | 30          |       |
        treated_never   | treatment | 100         |       |
        treated_late    | total     | 500         | 300   | pmol/L
        treated_late    | treatment | 100         |       |
        low_and_late    | total     | 500         | 100   | pmol/L
        low_and_soon    | total     | 350         | 100   | pmol/L
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
        patient      | event     | days_before | value | unit
        on_d         | treatment | 0           |       |
        at_365       | treatment | 365         |       |
        at_366       | treatment | 366         |       |
        at_366       | total     | 10          | 300   | pmol/L
        at_366_never | treatment | 366         |       |
        """,
    )
    run(con)
    expect(
        con,
        """
        patient      | status                | last_treatment_on
        on_d         | excluded_on_treatment | 2025-06-30
        at_365       | excluded_on_treatment | 2024-06-30
        at_366       | up_to_date            | 2024-06-29
        at_366_never | never_tested          | 2024-06-29
        """,
    )


def test_treatment_lookback_follows_the_configuration(con):
    given(con, "patient | event | days_before\nt | treatment | 100")
    run(con, treatment_lookback_days=99)
    assert statuses(con) == {"t": "never_tested"}


def test_a_deficient_result_is_treated_by_treatment_on_or_after_its_day(con):
    given(
        con,
        """
        patient  | event     | days_before | value | unit
        same_day | total     | 400         | 100   | pmol/L
        same_day | treatment | 400         |       |
        after    | total     | 400         | 100   | pmol/L
        after    | treatment | 380         |       |
        before   | total     | 400         | 100   | pmol/L
        before   | treatment | 401         |       |
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
        patient | event | days_before | value | unit
        at_365  | total | 365         | 300   | pmol/L
        at_366  | total | 366         | 300   | pmol/L
        """,
    )
    run(con)
    expect(
        con,
        """
        patient | status   | due_on
        at_365  | due_soon | 2025-06-30
        at_366  | overdue  | 2025-06-29
        """,
    )


def test_due_soon_when_due_within_30_days(con):
    given(
        con,
        """
        patient | event | days_before | value | unit
        in_30   | total | 335         | 300   | pmol/L
        in_31   | total | 334         | 300   | pmol/L
        """,
    )
    run(con)
    expect(
        con,
        """
        patient | status     | due_on
        in_30   | due_soon   | 2025-07-30
        in_31   | up_to_date | 2025-07-31
        """,
    )
    run(con, due_soon_days=31)
    assert statuses(con) == {"in_30": "due_soon", "in_31": "due_soon"}


def test_only_patients_of_the_population_in_a_cohort_are_in_scope(con):
    given(
        con,
        events="""
        patient  | event | days_before | value | unit
        outsider | total | 10          | 300   | pmol/L
        member   | total | 10          | 300   | pmol/L
        """,
        members="""
        patient | cohort
        member  | older_adults
        member  | older_adults
        ghost   | older_adults
        """,
        population="""
        patient
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
        patient | event     | days_before | value | unit
        future  | total     | -5          | 100   | pmol/L
        future  | treatment | -1          |       |
        """,
    )
    run(con)
    expect(
        con,
        """
        patient | status       | last_test_on | last_treatment_on
        future  | never_tested | null         | null
        """,
    )


def test_a_test_from_any_source_table_counts(con):
    given(con, "patient | event | days_before\ncoded | total | 10")
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
