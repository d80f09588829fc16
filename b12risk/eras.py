"""Drug-exposure eras, for inspection and tests: the same SQL the era cohorts use
(`drug_eras` in cohorts/macros.sql), over `concept_events` and `population`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from b12risk.sqlfiles import run_script, run_sql


@dataclass(frozen=True)
class Era:
    patient_id: str
    era_start: date
    era_end: date
    era_days: int
    era_prescriptions: int


def drug_eras(
    con: duckdb.DuckDBPyConnection,
    concepts: list[str],
    as_of: date,
    *,
    default_days_supply: int = 28,
    max_gap_days: int = 30,
) -> list[Era]:
    """Every era of the concepts (one drug class) per population patient, by start date.
    Needs `concept_events` and `population` built for `as_of`."""
    run_script(con, "cohorts/macros")
    rows = run_sql(
        con,
        "cohorts/drug_eras",
        concepts=list(concepts),
        as_of=as_of,
        default_days_supply=default_days_supply,
        max_gap_days=max_gap_days,
    ).fetchall()
    return [Era(*row) for row in rows]
