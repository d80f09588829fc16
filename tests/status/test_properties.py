"""Property test: on random patients and random policies, the SQL stage and the pure-Python
reference (tests/reference/status.py) give every patient the same status, dates and result."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import event, settings
from hypothesis import given as for_all
from hypothesis import strategies as st

from b12risk.status.screen import screening_status
from tests.reference import status as reference

from .tables import EVENTS, configured, create_inputs, event_row

D = date(2025, 6, 30)
COHORTS = ("older_adults", "vegan_diet", "gastric_surgery")
TEST_KINDS = ("total", "total_mass", "active", "mma", "homocysteine")
SURGERY_KINDS = ("bariatric", "gastrectomy")
COLUMNS = (
    "status",
    "last_test_on",
    "last_test_code",
    "last_result_pmol_l",
    "last_result_judged",
    "interval_days",
    "due_on",
    "last_treatment_on",
)

days_before = st.one_of(
    st.integers(min_value=-3, max_value=900),
    st.sampled_from([0, 1, 29, 30, 31, 334, 335, 364, 365, 366]),
)
values = st.one_of(
    st.none(),
    st.sampled_from([24.9, 25.0, 132.9, 133.0, 180.0, 181.0]),
    st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda v: round(v, 1)),
)
units = st.sampled_from(["pmol/L", "ng/L", "pg/mL", " PMOL / l ", "Pg/Ml", "nmol/L", None])


@st.composite
def patients(draw):
    cohorts = draw(st.sets(st.sampled_from(COHORTS), min_size=1))
    surgeries = draw(st.lists(st.tuples(days_before, st.sampled_from(SURGERY_KINDS)), max_size=2))
    # Some test days fall on, or a day either side of, a BOMSS schedule point of a surgery.
    points = sorted(
        (D - reference.add_months(day(n), m)).days for n, _ in surgeries for m in (3, 6, 12)
    )
    near_points = st.tuples(st.sampled_from(points), st.sampled_from([0, 0, -1, 1])).map(sum)
    test_days = st.one_of(days_before, near_points) if points else days_before
    tests = draw(
        st.lists(st.tuples(test_days, st.sampled_from(TEST_KINDS), values, units), max_size=4)
    )
    treatments = draw(st.lists(days_before, max_size=2))
    return cohorts, tests, treatments, surgeries


policies = st.fixed_dictionaries(
    {
        "count_second_line_tests": st.booleans(),
        "bariatric_schedule": st.booleans(),
        "due_soon_days": st.sampled_from([0, 30, 60]),
        "treatment_lookback_days": st.sampled_from([90, 365]),
    }
)
intervals = st.fixed_dictionaries({c: st.sampled_from([30, 180, 365, 400]) for c in COHORTS})


def day(n: int) -> date:
    return D - timedelta(days=n)


def load(con, drawn) -> None:
    population, members, events = [], [], []
    for i, (cohorts, tests, treatments, surgeries) in enumerate(drawn):
        pid = f"p{i}"
        population.append({"patient_id": pid})
        members += [{"patient_id": pid, "cohort": cohort} for cohort in sorted(cohorts)]
        events += [
            event_row(pid, kind, day(n), value=value, unit=unit) for n, kind, value, unit in tests
        ]
        events += [event_row(pid, "treatment", day(n)) for n in treatments]
        events += [event_row(pid, kind, day(n)) for n, kind in surgeries]
    create_inputs(con, population, members, events)


def reference_patient(drawn_patient, cohort_intervals) -> reference.Patient:
    cohorts, tests, treatments, surgeries = drawn_patient
    return reference.Patient(
        intervals=tuple(cohort_intervals[c] for c in cohorts),
        tests=tuple(
            reference.Test(day(n), EVENTS[k][0], EVENTS[k][1], EVENTS[k][4], value, unit)
            for n, k, value, unit in tests
        ),
        treatments=tuple(day(n) for n in treatments),
        in_gastric_surgery_cohort="gastric_surgery" in cohorts,
        surgeries=tuple((day(n), EVENTS[k][1]) for n, k in surgeries),
    )


@settings(max_examples=50, deadline=None)
@for_all(st.lists(patients(), min_size=1, max_size=6), policies, intervals)
def test_sql_and_reference_agree(drawn, policy_values, cohort_intervals):
    config = configured(cohort_intervals, **policy_values)
    policy = reference.Policy(
        as_of=D,
        total_below=config.screening["total_b12_deficient_below_pmol_l"],
        active_below=config.screening["active_b12_deficient_below_pmol_l"],
        ng_per_l_to_pmol_l=config.screening["ng_per_l_to_pmol_l"],
        **policy_values,
    )
    con = duckdb.connect()
    try:
        load(con, drawn)
        result = screening_status(con, config, D, "run")
        got = {
            row[0]: dict(zip(COLUMNS, row[1:], strict=True))
            for row in con.execute(
                "SELECT patient_id, status, last_test_on, last_test_code, last_result_pmol_l, "
                "last_result_judged, interval_days, due_on, last_treatment_on "
                "FROM screening_status"
            ).fetchall()
        }
    finally:
        con.close()

    ref_patients = [reference_patient(p, cohort_intervals) for p in drawn]
    assert sorted(got) == sorted(f"p{i}" for i in range(len(drawn)))
    for i, patient in enumerate(ref_patients):
        want = reference.expected(patient, policy)
        event(want.status)
        row = got[f"p{i}"]
        for column in COLUMNS:
            wanted = getattr(want, column)
            if isinstance(wanted, float):
                assert row[column] == pytest.approx(wanted), (i, column)
            else:
                assert row[column] == wanted, (i, column)

    statuses = [reference.expected(p, policy).status for p in ref_patients]
    assert result.counts == {s: statuses.count(s) for s in result.counts}
    without_value, unknown_unit = reference.unjudged_result_counts(ref_patients, policy)
    assert (result.n_results_without_value, result.n_unknown_unit_results) == (
        without_value,
        unknown_unit,
    )


def test_reference_months_clamp_to_the_month_end():
    assert reference.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert reference.add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert reference.add_months(date(2024, 10, 15), 12) == date(2025, 10, 15)
