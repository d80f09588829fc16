"""Native Synthea CSV (patients, encounters, conditions, medications, observations,
procedures) -> an extract following the contract v1.

Only the columns the contract needs are read: names, addresses, SSN, driver's licence,
passport, birthplace, coordinates and the exact birth date never leave the source (the birth
date becomes year and month). Synthea ids are UUIDs and are kept as the patient token (braces
removed). Events of patients missing from patients.csv and duplicated ids are passed through
as they are: validation quarantines them, so nothing is silently dropped.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from b12risk.adapters.extract import UNKNOWN_PRACTICE, required_file, start, write_extract
from b12risk.sql import run_sql

# Synthea file -> the SQL that inserts it into its contract table (a missing file: empty table)
EVENT_FILES = {
    "conditions": "adapters/synthea_diagnoses",
    "medications": "adapters/synthea_prescriptions",
    "observations": "adapters/synthea_lab_results",
    "procedures": "adapters/synthea_procedures",
}


def synthea_to_extract(source: Path, out: Path, extracted_on: date | None = None) -> dict:
    """Convert the Synthea CSV folder `source` into an extract folder `out` (five CSV files and
    manifest.json with source "synthea:<folder name>"); return the rows written per table.

    `extracted_on` defaults to the latest date in the converted data. Raises SourceMissing
    when patients.csv is absent.
    """
    source, out = Path(source), Path(out)
    con = duckdb.connect()
    try:
        start(con)
        convert_patients(con, source)
        for name, sql in EVENT_FILES.items():
            path = source / f"{name}.csv"
            if path.is_file():
                run_sql(con, sql, **{name: str(path)})
        return write_extract(con, out, f"synthea:{source.resolve().name}", extracted_on)
    finally:
        con.close()


def convert_patients(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    patients = required_file(source, "patients.csv")
    encounters = source / "encounters.csv"
    if encounters.is_file():
        run_sql(
            con,
            "adapters/synthea_patients",
            patients=str(patients),
            encounters=str(encounters),
            unknown_practice=UNKNOWN_PRACTICE,
        )
    else:
        run_sql(
            con,
            "adapters/synthea_patients_no_encounters",
            patients=str(patients),
            unknown_practice=UNKNOWN_PRACTICE,
        )
