"""A small pure-Python reference of the screening-status rules (docs/screening.md), written
from the rules, not from the SQL, so that property tests can check that the two agree."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Policy:
    as_of: date
    due_soon_days: int = 30
    treatment_lookback_days: int = 365
    count_second_line_tests: bool = False
    bariatric_schedule: bool = False
    total_below: float = 133.0
    active_below: float = 25.0
    ng_per_l_to_pmol_l: float = 0.738
    bomss_months: tuple[int, ...] = (3, 6, 12)


@dataclass(frozen=True)
class Test:
    taken_on: date
    concept: str  # "b12_tests" or "b12_second_line_tests"
    subtype: str | None  # total_b12, active_b12, mma, homocysteine
    code: str
    value: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Patient:
    intervals: tuple[int, ...]  # interval_days of each cohort the patient is in
    tests: tuple[Test, ...] = ()
    treatments: tuple[date, ...] = ()
    in_gastric_surgery_cohort: bool = False
    surgeries: tuple[tuple[date, str], ...] = ()  # gastric_surgery events: (date, subtype)


@dataclass(frozen=True)
class Expected:
    status: str
    last_test_on: date | None
    last_test_code: str | None
    last_result_pmol_l: float | None
    last_result_judged: bool
    interval_days: int
    due_on: date | None
    last_treatment_on: date | None


def to_pmol_l(value: float | None, unit: str | None, factor: float) -> float | None:
    """ng/L = pg/mL times the factor; pmol/L as is; anything else (or nothing): None."""
    if value is None or unit is None:
        return None
    unit = "".join(unit.split()).lower()
    if unit in ("ng/l", "pg/ml"):
        return value * factor
    if unit == "pmol/l":
        return value
    return None


def judged_value(test: Test, policy: Policy) -> float | None:
    if test.concept != "b12_tests" or test.subtype not in ("total_b12", "active_b12"):
        return None
    return to_pmol_l(test.value, test.unit, policy.ng_per_l_to_pmol_l)


def is_deficient(test: Test, policy: Policy) -> bool:
    value = judged_value(test, policy)
    if value is None:
        return False
    below = policy.total_below if test.subtype == "total_b12" else policy.active_below
    return value < below


def counted_tests(patient: Patient, policy: Policy) -> list[Test]:
    concepts = {"b12_tests"} | (
        {"b12_second_line_tests"} if policy.count_second_line_tests else set()
    )
    return [t for t in patient.tests if t.concept in concepts and t.taken_on <= policy.as_of]


def latest_test(tests: list[Test], policy: Policy) -> Test | None:
    """The latest day's worst result: deficient, then judged, then lowest value, then code."""
    if not tests:
        return None
    last_day = max(t.taken_on for t in tests)

    def worst_first(t: Test):
        value = judged_value(t, policy)
        return (
            not is_deficient(t, policy),
            value is None,
            value if value is not None else 0.0,
            t.code,
        )

    return min((t for t in tests if t.taken_on == last_day), key=worst_first)


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def bariatric_surgery_on(patient: Patient, policy: Policy) -> date | None:
    """A gastric_surgery member's earliest bariatric event; gastrectomy/ileal do not count."""
    if not patient.in_gastric_surgery_cohort:
        return None
    days = [d for d, subtype in patient.surgeries if subtype == "bariatric" and d <= policy.as_of]
    return min(days) if days else None


def due_on(patient: Patient, last_test_on: date | None, policy: Policy) -> date | None:
    due = None
    if last_test_on is not None:
        due = date.fromordinal(last_test_on.toordinal() + min(patient.intervals))
    surgery_on = bariatric_surgery_on(patient, policy)
    if policy.bariatric_schedule and surgery_on is not None:
        anchor = last_test_on or surgery_on
        points = [add_months(surgery_on, m) for m in policy.bomss_months]
        later = [p for p in points if p > anchor]
        if later:
            due = min(later) if due is None else min(due, min(later))
    return due


def expected(patient: Patient, policy: Policy) -> Expected:
    tests = counted_tests(patient, policy)
    last = latest_test(tests, policy)
    treatments = [d for d in patient.treatments if d <= policy.as_of]
    last_treatment = max(treatments) if treatments else None
    last_on = last.taken_on if last else None
    due = due_on(patient, last_on, policy)

    if last_treatment and (policy.as_of - last_treatment).days <= policy.treatment_lookback_days:
        status = "excluded_on_treatment"
    elif last and is_deficient(last, policy) and not any(d >= last.taken_on for d in treatments):
        status = "abnormal_untreated"
    elif last is None:
        status = "never_tested"
    elif policy.as_of > due:
        status = "overdue"
    elif (due - policy.as_of).days <= policy.due_soon_days:
        status = "due_soon"
    else:
        status = "up_to_date"

    value = judged_value(last, policy) if last else None
    return Expected(
        status=status,
        last_test_on=last_on,
        last_test_code=last.code if last else None,
        last_result_pmol_l=value,
        last_result_judged=value is not None,
        interval_days=min(patient.intervals),
        due_on=due,
        last_treatment_on=last_treatment,
    )


def unjudged_result_counts(patients: list[Patient], policy: Policy) -> tuple[int, int]:
    """(B12 results without a value, B12 results with a value but an unknown unit)."""
    results = [
        t
        for p in patients
        for t in p.tests
        if t.concept == "b12_tests" and t.taken_on <= policy.as_of
    ]
    without_value = sum(t.value is None for t in results)
    unknown_unit = sum(
        t.value is not None and to_pmol_l(t.value, t.unit, 1.0) is None for t in results
    )
    return without_value, unknown_unit
