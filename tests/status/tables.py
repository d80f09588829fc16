"""The status tests' inputs and read-back, in the common table-literal dialect (tests/tables.py).

The stage's input tables are created from their declarations and filled from table literals;
expected rows are literals of screening_status. Events are concept_events rows written with a
shorthand `event` (see EVENTS) that fills concept, subtype, source table, code system and code,
on an `event_date` (`D-10`, relative to the as-of date D, or ISO). Every patient is a member of
`older_adults` unless a members table says otherwise, and every member is in the population.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import duckdb
import pytest

from b12risk.config import Config, load_config
from b12risk.status.screen import StatusResult, screening_status
from tests.tables import Row, create_table, parse_table, table_rows

D = date(2025, 6, 30)  # the as-of date of every spec test
RUN_ID = "20250630T000000Z-abc123"

# shorthand: (concept, subtype, source_table, code_system, code)
EVENTS = {
    "total": ("b12_tests", "total_b12", "lab_results", "LOINC", "14685-2"),
    "total_mass": ("b12_tests", "total_b12", "lab_results", "LOINC", "2132-9"),
    "active": ("b12_tests", "active_b12", "lab_results", "LOINC", "72160-5"),
    "mma": ("b12_second_line_tests", "mma", "lab_results", "LOINC", "13964-2"),
    "homocysteine": ("b12_second_line_tests", "homocysteine", "lab_results", "LOINC", "13965-9"),
    "treatment": ("b12_treatment", None, "prescriptions", "ATC", "B03BA03"),
    "bariatric": ("gastric_surgery", "bariatric", "procedures", "OPCS4", "G28.5"),
    "gastrectomy": ("gastric_surgery", "gastrectomy", "diagnoses", "ICD10CM", "Z90.3"),
}
EVENT_COLUMN = {"event": "VARCHAR"}  # the shorthand: a test-only column of concept_events
SHORTHAND = ("concept", "subtype", "source_table", "code_system", "code")

# What the stage needs of anyone in the population or a cohort, unless a literal says more.
POPULATION_DEFAULTS = {"practice_id": "P1", "sex": "F", "year_of_birth": 1940}
POPULATION_DEFAULTS |= {"month_of_birth": 1, "age": 85}
MEMBERSHIP_DEFAULTS = {"rule": "rule", "run_id": "r0"}


def event_row(patient_id: str, kind: str, event_date: date, **columns: Any) -> Row:
    """A concept_events row of one shorthand event (columns given win over the shorthand)."""
    shorthand = dict(zip(SHORTHAND, EVENTS[kind], strict=True))
    given = {k: v for k, v in columns.items() if v is not None}
    return {"patient_id": patient_id, **shorthand, "event_date": event_date, **given}


def create_inputs(
    con: duckdb.DuckDBPyConnection,
    population: list[Row],
    members: list[Row],
    events: list[Row],
) -> None:
    """Create population, cohort_membership and concept_events from their declarations."""
    create_table(con, "population", [POPULATION_DEFAULTS | row for row in population])
    create_table(con, "cohort_membership", [MEMBERSHIP_DEFAULTS | row for row in members])
    create_table(con, "concept_events", events)


def given(
    con: duckdb.DuckDBPyConnection,
    events: str = "",
    members: str | None = None,
    population: str | None = None,
    as_of: date = D,
) -> None:
    """Create population, cohort_membership and concept_events from table literals."""
    literal = parse_table(events, "concept_events", as_of=as_of, extra=EVENT_COLUMN)
    event_rows = [event_row(row.pop("patient_id"), row.pop("event"), **row) for row in literal]
    if members is None:
        patients = sorted({r["patient_id"] for r in event_rows})
        member_rows = [{"patient_id": p, "cohort": "older_adults"} for p in patients]
    else:
        member_rows = parse_table(members, "cohort_membership", as_of=as_of)
    if population is None:
        patients = sorted({r["patient_id"] for r in member_rows})
        population_rows = [{"patient_id": p} for p in patients]
    else:
        population_rows = parse_table(population, "population", as_of=as_of)
    create_inputs(con, population_rows, member_rows, event_rows)


def configured(intervals: dict[str, int] | None = None, **screening: Any) -> Config:
    """The default configuration with some `[screening]` values and cohort intervals changed."""
    config = load_config()
    cohorts = tuple(
        dataclasses.replace(c, interval_days=(intervals or {}).get(c.name, c.interval_days))
        for c in config.cohorts
    )
    return dataclasses.replace(config, screening={**config.screening, **screening}, cohorts=cohorts)


def run(
    con: duckdb.DuckDBPyConnection,
    as_of: date = D,
    intervals: dict[str, int] | None = None,
    **screening: Any,
) -> StatusResult:
    return screening_status(con, configured(intervals, **screening), as_of, RUN_ID)


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {r["patient_id"]: r["status"] for r in table_rows(con, "screening_status")}


def expect(con: duckdb.DuckDBPyConnection, text: str, as_of: date = D) -> None:
    """Assert that screening_status holds exactly these patients, with these values in the
    columns the literal names (a literal of screening_status; floats compare approximately)."""
    expected = parse_table(text, "screening_status", as_of=as_of)
    columns = [c for c in expected[0] if c != "patient_id"]
    actual = {r["patient_id"]: r for r in table_rows(con, "screening_status")}
    assert sorted(actual) == sorted(r["patient_id"] for r in expected)
    for row in expected:
        for column in columns:
            got, want = actual[row["patient_id"]][column], row[column]
            assert same(got, want), f"{row['patient_id']}.{column}: got {got!r}, want {want!r}"


def same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is want
    if isinstance(want, float):
        return got == pytest.approx(want)
    return got == want
