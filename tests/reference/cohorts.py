"""A small pure-Python reference of every cohort rule (plain dates and lists, no SQL).

Written from the rules in words (docs/cohorts.md), not from the SQL: eras here come from the
set of covered days, not from window functions. Property tests check that the SQL agrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

# The rule shapes (b12risk/cohorts/sql/rules/), in words: a cohort names its shape and, for a
# coded rule, the tables it looks in (data/config/cohorts.toml).
SHAPES = ("age_at_least", "coded", "long_term_era", "current_use")


@dataclass(frozen=True)
class Patient:
    patient_id: str
    year_of_birth: int | None
    month_of_birth: int | None = None
    registered_on: date | None = None
    deregistered_on: date | None = None
    died_on: date | None = None
    practice_id: str = "P1"
    sex: str = "F"


@dataclass(frozen=True)
class Event:
    """One extract row whose code belongs to `concept`."""

    patient_id: str
    concept: str
    source_table: str
    code_system: str
    code: str
    event_date: date
    days_supply: int | None = None


@dataclass(frozen=True)
class Era:
    start: date
    end: date
    days: int
    prescriptions: int


@dataclass(frozen=True)
class Membership:
    rule: str
    evidence_code_system: str | None = None
    evidence_code: str | None = None
    evidence_date: date | None = None
    era_start: date | None = None
    era_end: date | None = None
    era_days: int | None = None
    era_prescriptions: int | None = None


def age_at(year_of_birth: int, month_of_birth: int | None, as_of: date, default_month=7) -> int:
    month = month_of_birth if month_of_birth in range(1, 13) else default_month
    age = as_of.year - year_of_birth
    return age if as_of >= date(as_of.year, month, 1) else age - 1


def in_population(p: Patient, as_of: date, min_age: int = 16, default_month: int = 7) -> bool:
    alive = p.died_on is None or p.died_on > as_of
    registered = (p.registered_on is None or p.registered_on <= as_of) and (
        p.deregistered_on is None or p.deregistered_on > as_of
    )
    if not (alive and registered) or p.year_of_birth is None:
        return False
    return age_at(p.year_of_birth, p.month_of_birth, as_of, default_month) >= min_age


def covered(event: Event, default_days_supply: int) -> tuple[date, date]:
    days = event.days_supply if event.days_supply and event.days_supply >= 1 else None
    supply = days or default_days_supply
    return event.event_date, event.event_date + timedelta(days=supply - 1)


def drug_eras(
    prescriptions: Iterable[Event], as_of: date, default_days_supply=28, max_gap_days=30
) -> list[Era]:
    """Eras from the covered days: runs of consecutive covered days, joined when the days
    strictly between two runs are max_gap_days or fewer."""
    periods = [covered(e, default_days_supply) for e in prescriptions]
    days: set[int] = set()
    for start, end in periods:
        days.update(range(start.toordinal(), end.toordinal() + 1))
    spans: list[list[int]] = []
    for day in sorted(days):
        if spans and day - spans[-1][1] - 1 <= max_gap_days:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    eras = []
    for first, last in spans:
        start, end = date.fromordinal(first), date.fromordinal(last)
        n = sum(1 for s, _ in periods if start <= s <= end)
        eras.append(Era(start, end, (min(end, as_of) - start).days + 1, n))
    return eras


def long_term_era(eras: list[Era], as_of: date, min_era_days: int, max_days_since_end: int):
    qualifying = [
        e
        for e in eras
        if e.days >= min_era_days and e.end >= as_of - timedelta(days=max_days_since_end)
    ]
    return max(qualifying, key=lambda e: e.end, default=None)


def earliest(events: Iterable[Event]) -> Event | None:
    key = lambda e: (e.event_date, e.source_table, e.code_system, e.code)  # noqa: E731
    return min(events, key=key, default=None)


def current_use(
    prescriptions: Iterable[Event], as_of: date, default_days_supply: int, max_days_since_cover: int
) -> Event | None:
    """The latest prescription (latest issue, then latest covered end, then code_system and
    code) whose covered period ends on or after as_of - max_days_since_cover."""
    since = as_of - timedelta(days=max_days_since_cover)
    current = []
    for e in prescriptions:
        end = covered(e, default_days_supply)[1]
        if end >= since:
            current.append((-e.event_date.toordinal(), -end.toordinal(), e.code_system, e.code, e))
    return min(current, key=lambda row: row[:4])[4] if current else None


def flag(
    patients: Iterable[Patient],
    events: Iterable[Event],
    as_of: date,
    cohorts: Iterable[Any],
    population: dict[str, Any] | None = None,
    eras: dict[str, Any] | None = None,
) -> tuple[set[str], dict[str, dict[str, Membership]]]:
    """(population ids, {cohort name: {patient_id: Membership}}) for the given cohorts (any
    objects with name, sql, codelists and params, like b12risk.config.Cohort)."""
    patients = list(patients)
    population = {"min_age": 16, "default_birth_month": 7, **(population or {})}
    eras = {"default_days_supply": 28, "max_gap_days": 30, **(eras or {})}
    ids = {
        p.patient_id
        for p in patients
        if in_population(p, as_of, population["min_age"], population["default_birth_month"])
    }
    included = {p.patient_id: p for p in patients if p.patient_id in ids}
    known = [e for e in events if e.event_date <= as_of and e.patient_id in ids]
    result = {}
    for cohort in cohorts:
        params = {**eras, **cohort.params}
        result[cohort.name] = _members(cohort, params, included, known, as_of, population)
    return ids, result


def _members(cohort, params, patients, events, as_of, population) -> dict[str, Membership]:
    kind, sources = cohort.rule, cohort.sources
    assert kind in SHAPES, kind
    members: dict[str, Membership] = {}
    if kind == "age_at_least":
        for pid, p in patients.items():
            age = age_at(
                p.year_of_birth, p.month_of_birth, as_of, population["default_birth_month"]
            )
            if age >= params["min_age"]:
                members[pid] = Membership(rule=f"age >= {params['min_age']}")
        return members
    by_patient: dict[str, list[Event]] = {}
    for e in events:
        if e.concept in cohort.codelists:
            by_patient.setdefault(e.patient_id, []).append(e)
    for pid, mine in by_patient.items():
        rx = [e for e in mine if e.source_table == "prescriptions"]
        if kind == "coded":
            found = earliest(e for e in mine if e.source_table in sources)
            if found:
                members[pid] = _evidence(f"code in {found.source_table}", found)
        elif kind == "long_term_era":
            eras = drug_eras(rx, as_of, params["default_days_supply"], params["max_gap_days"])
            era = long_term_era(eras, as_of, params["min_era_days"], params["max_days_since_end"])
            if era:
                members[pid] = Membership(
                    rule=f"era >= {params['min_era_days']} days",
                    era_start=era.start,
                    era_end=era.end,
                    era_days=era.days,
                    era_prescriptions=era.prescriptions,
                )
        else:
            found = current_use(
                rx, as_of, params["default_days_supply"], params["max_days_since_cover"]
            )
            if found:
                rule = f"covered within {params['max_days_since_cover']} days"
                members[pid] = _evidence(rule, found)
    return members


def _evidence(rule: str, event: Event) -> Membership:
    return Membership(
        rule=rule,
        evidence_code_system=event.code_system,
        evidence_code=event.code,
        evidence_date=event.event_date,
    )
