"""Readable table literals for the status tests: the stage's input tables are built from small
pipe-separated tables, and expected rows are written the same way.

Events name a shorthand `event` (see EVENTS) and a day, either `days_before` the as-of date D or
an ISO `date`. Every patient is a member of `older_adults` unless a members table says otherwise.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from b12risk.config import Config, load_config
from b12risk.status.screen import StatusResult, screening_status

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

POPULATION_DDL = """CREATE TABLE population (patient_id VARCHAR, practice_id VARCHAR,
    sex VARCHAR, year_of_birth INTEGER, month_of_birth INTEGER, age INTEGER)"""
MEMBERSHIP_DDL = """CREATE TABLE cohort_membership (patient_id VARCHAR, cohort VARCHAR,
    rule VARCHAR, evidence_code_system VARCHAR, evidence_code VARCHAR, evidence_date DATE,
    era_start DATE, era_end DATE, era_days INTEGER, era_prescriptions INTEGER, run_id VARCHAR)"""
EVENTS_DDL = """CREATE TABLE concept_events (patient_id VARCHAR, concept VARCHAR,
    subtype VARCHAR, source_table VARCHAR, code_system VARCHAR, code VARCHAR, event_date DATE,
    days_supply INTEGER, value DOUBLE, unit VARCHAR)"""


def table(text: str) -> list[dict[str, str | None]]:
    """Parse a pipe-separated table with a header row; empty cells and `null` are None; a cell
    in double quotes keeps its surrounding spaces (`" pmol/L "`)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    header = [h.strip() for h in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.split("|")]
        assert len(cells) == len(header), f"row has {len(cells)} cells, header {len(header)}"
        rows.append({h: cell(c) for h, c in zip(header, cells, strict=True)})
    return rows


def cell(text: str) -> str | None:
    if text in ("", "null"):
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def day_of(row: dict[str, str | None], as_of: date = D) -> date:
    if row.get("date"):
        return date.fromisoformat(row["date"])
    return as_of - timedelta(days=int(row["days_before"]))


def given(
    con: duckdb.DuckDBPyConnection,
    events: str = "",
    members: str | None = None,
    population: str | None = None,
    as_of: date = D,
) -> None:
    """Create population, cohort_membership and concept_events from table literals."""
    event_rows = table(events) if events.strip() else []
    if members is None:
        patients = sorted({r["patient"] for r in event_rows})
        member_rows = [{"patient": p, "cohort": "older_adults"} for p in patients]
    else:
        member_rows = table(members)
    if population is None:
        patients = sorted({r["patient"] for r in member_rows})
        population_rows = [{"patient": p} for p in patients]
    else:
        population_rows = table(population)

    for ddl in (POPULATION_DDL, MEMBERSHIP_DDL, EVENTS_DDL):
        con.execute(ddl)
    con.executemany(
        "INSERT INTO population VALUES (?, 'P1', 'F', 1940, 1, 85)",
        [[r["patient"]] for r in population_rows],
    )
    con.executemany(
        "INSERT INTO cohort_membership VALUES "
        "(?, ?, 'rule', NULL, NULL, ?, NULL, NULL, NULL, NULL, 'r0')",
        [[r["patient"], r["cohort"], r.get("evidence_date")] for r in member_rows],
    )
    con.executemany(
        "INSERT INTO concept_events VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        [event_values(r, as_of) for r in event_rows],
    )


def event_values(row: dict[str, str | None], as_of: date) -> list[Any]:
    concept, subtype, source_table, code_system, code = EVENTS[row["event"]]
    value = row.get("value")
    return [
        row["patient"],
        concept,
        subtype,
        source_table,
        code_system,
        row.get("code") or code,
        day_of(row, as_of),
        None if value is None else float(value),
        row.get("unit"),
    ]


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
    return dict(con.execute("SELECT patient_id, status FROM screening_status").fetchall())


def expect(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Assert that screening_status holds exactly these patients, with these values in the
    columns the literal names (`patient` is patient_id; dates ISO; `null` is NULL)."""
    expected = table(text)
    columns = [c for c in expected[0] if c != "patient"]
    result = con.execute("SELECT * FROM screening_status")
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    actual = {r["patient_id"]: r for r in rows}
    assert sorted(actual) == sorted(r["patient"] for r in expected)
    for row in expected:
        for column in columns:
            got, want = actual[row["patient"]][column], row[column]
            assert same(got, want), f"{row['patient']}.{column}: got {got!r}, want {want!r}"


def same(got: Any, want: str | None) -> bool:
    if want is None:
        return got is None
    if isinstance(got, bool):
        return got == (want == "true")
    if isinstance(got, float):
        return got == pytest.approx(float(want))
    if isinstance(got, date):
        return got == date.fromisoformat(want)
    if isinstance(got, list):
        return got == [w.strip() for w in want.split(",")]
    return str(got) == want
