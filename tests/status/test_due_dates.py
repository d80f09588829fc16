"""Spec tests of intervals and due dates: the shortest interval across cohorts, and the BOMSS
post-bariatric schedule option (as-of date D = 2025-06-30)."""

from __future__ import annotations

from b12risk.config import DEFAULT_CONFIG, load_config
from b12risk.status.screen import screening_status

from .tables import RUN_ID, D, expect, given, run

SHORTEST_EVENTS = """
patient_id | event | event_date | value | unit
both       | total | D-200      | 300   | pmol/L
old        | total | D-200      | 300   | pmol/L
vegan      | total | D-200      | 300   | pmol/L
unlisted   | total | D-200      | 300   | pmol/L
"""
SHORTEST_MEMBERS = """
patient_id | cohort
both       | older_adults
both       | vegan_diet
both       | vegan_diet
old        | older_adults
vegan      | vegan_diet
unlisted   | a_cohort_not_in_the_config
"""


def test_the_shortest_interval_of_a_patients_cohorts_applies(con):
    given(con, SHORTEST_EVENTS, SHORTEST_MEMBERS)
    run(con, intervals={"vegan_diet": 180, "older_adults": 365}, default_interval_days=400)
    expect(
        con,
        """
        patient_id | status     | cohorts                    | interval_days | due_on
        both       | overdue    | older_adults, vegan_diet   | 180           | D-20
        old        | up_to_date | older_adults               | 365           | D+165
        vegan      | overdue    | vegan_diet                 | 180           | D-20
        unlisted   | up_to_date | a_cohort_not_in_the_config | 400           | D+200
        """,
    )


# BOMSS: B12 due 3, 6 and 12 months after bariatric surgery (the earliest bariatric event of a
# gastric_surgery member), then yearly.
BOMSS_EVENTS = """
patient_id  | event       | event_date | value | unit
never       | bariatric   | 2025-05-15 |       |
twice       | bariatric   | 2025-06-25 |       |
twice       | bariatric   | 2025-05-15 |       |
pre_op      | total       | 2025-03-01 | 300   | pmol/L
pre_op      | bariatric   | 2025-03-20 |       |
after_3m    | bariatric   | 2025-01-10 |       |
after_3m    | total       | 2025-04-15 | 300   | pmol/L
after_6m    | bariatric   | 2024-08-31 |       |
after_6m    | total       | 2025-03-01 | 300   | pmol/L
clamped     | bariatric   | 2024-08-31 |       |
clamped     | total       | 2025-02-27 | 300   | pmol/L
on_point    | bariatric   | 2024-08-31 |       |
on_point    | total       | 2025-02-28 | 300   | pmol/L
yearly      | bariatric   | 2023-01-01 |       |
yearly      | total       | 2025-01-05 | 300   | pmol/L
gastrectomy | gastrectomy | 2025-01-10 |       |
gastrectomy | total       | 2025-04-15 | 300   | pmol/L
not_member  | bariatric   | 2025-01-10 |       |
not_member  | total       | 2025-04-15 | 300   | pmol/L
"""
BOMSS_MEMBERS = """
patient_id  | cohort          | evidence_date
never       | gastric_surgery | 2025-05-15
twice       | gastric_surgery | 2025-05-15
pre_op      | gastric_surgery | 2025-03-20
after_3m    | gastric_surgery | 2025-01-10
after_6m    | gastric_surgery | 2024-08-31
clamped     | gastric_surgery | 2024-08-31
on_point    | gastric_surgery | 2024-08-31
yearly      | gastric_surgery | 2023-01-01
gastrectomy | gastric_surgery | 2025-01-10
not_member  | older_adults    |
"""


def test_bomss_schedule_sets_due_dates_after_surgery(con):
    given(con, BOMSS_EVENTS, BOMSS_MEMBERS)
    run(con, bariatric_schedule=True)
    expect(
        con,
        """
        patient_id  | status       | interval_days | due_on
        never       | never_tested | 365           | 2025-08-15
        twice       | never_tested | 365           | 2025-08-15
        pre_op      | overdue      | 365           | 2025-06-20
        after_3m    | due_soon     | 365           | 2025-07-10
        after_6m    | up_to_date   | 365           | 2025-08-31
        clamped     | overdue      | 365           | 2025-02-28
        on_point    | up_to_date   | 365           | 2025-08-31
        yearly      | up_to_date   | 365           | 2026-01-05
        gastrectomy | up_to_date   | 365           | 2026-04-15
        not_member  | up_to_date   | 365           | 2026-04-15
        """,
    )


def test_without_the_bomss_option_surgery_follows_the_interval(con):
    given(con, BOMSS_EVENTS, BOMSS_MEMBERS)
    run(con)
    expect(
        con,
        """
        patient_id  | status       | due_on
        never       | never_tested |
        twice       | never_tested |
        pre_op      | up_to_date   | 2026-03-01
        after_3m    | up_to_date   | 2026-04-15
        after_6m    | up_to_date   | 2026-03-01
        clamped     | up_to_date   | 2026-02-27
        on_point    | up_to_date   | 2026-02-28
        yearly      | up_to_date   | 2026-01-05
        gastrectomy | up_to_date   | 2026-04-15
        not_member  | up_to_date   | 2026-04-15
        """,
    )


def test_a_shorter_cohort_interval_beats_a_later_bomss_point(con):
    given(
        con,
        """
        patient_id | event     | event_date | value | unit
        both       | bariatric | 2025-01-10 |       |
        both       | total     | 2025-04-15 | 300   | pmol/L
        """,
        """
        patient_id | cohort          | evidence_date
        both       | gastric_surgery | 2025-01-10
        both       | vegan_diet      |
        """,
    )
    run(con, bariatric_schedule=True, intervals={"vegan_diet": 60})
    expect(
        con,
        """
        patient_id | status  | interval_days | due_on
        both       | overdue | 60            | 2025-06-14
        """,
    )


def test_a_cohort_without_interval_days_takes_the_configured_default(con, tmp_path):
    """[screening] default_interval_days applies to every cohort that states no interval_days
    (it once did nothing: every such cohort got a hard-coded 365)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "interval_days = " not in text.split("[[cohorts]]", 1)[1], "cohorts state no interval"
    edited = tmp_path / "cohorts.toml"
    edited.write_text(
        text.replace("default_interval_days = 365", "default_interval_days = 400"),
        encoding="utf-8",
    )
    config = load_config(edited)
    assert {config.interval_days(c) for c in config.cohorts} == {400}
    given(con, SHORTEST_EVENTS, SHORTEST_MEMBERS)
    screening_status(con, config, D, RUN_ID)
    expect(
        con,
        """
        patient_id | status     | interval_days | due_on
        both       | up_to_date | 400           | D+200
        old        | up_to_date | 400           | D+200
        vegan      | up_to_date | 400           | D+200
        unlisted   | up_to_date | 400           | D+200
        """,
    )
