"""OMOP CDM v5.3 CSV (person, observation_period, death, condition_occurrence, drug_exposure,
measurement, procedure_occurrence, concept) -> an extract following the contract v1.

Codes come from the `concept` table when it holds the event's concept in a vocabulary the
contract knows (SNOMED, RxNorm, LOINC, ICD10CM, ICD9CM, CPT4, ...): the standard concept
first, then the source concept. When neither concept id is in `concept`, the
`*_source_value` is used if it looks like a code; events in other vocabularies (e.g. CVX
vaccines) are left out. person_id 123 becomes the token P123; birth day, birth datetime,
location and person_source_value are never read.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from b12risk.adapters.extract import UNKNOWN_PRACTICE, required_file, start, write_extract
from b12risk.sql import run_script, run_sql

# CDM table -> (SQL building omop_events from it, SQL inserting the coded events)
EVENT_TABLES = {
    "condition_occurrence": ("omop_condition_events", "omop_insert_diagnoses"),
    "drug_exposure": ("omop_drug_events", "omop_insert_prescriptions"),
    "measurement": ("omop_measurement_events", "omop_insert_lab_results"),
    "procedure_occurrence": ("omop_procedure_events", "omop_insert_procedures"),
}
# optional CDM table -> (SQL reading it, SQL standing in when it is absent)
CONTEXT_TABLES = {
    "concept": ("omop_concepts", "omop_no_concepts"),
    "observation_period": ("omop_observation_periods", "omop_no_observation_periods"),
    "death": ("omop_deaths", "omop_no_deaths"),
}


def omop_to_extract(source: Path, out: Path, extracted_on: date | None = None) -> dict:
    """Convert the OMOP CDM CSV folder `source` into an extract folder `out` (five CSV files
    and manifest.json with source "omop:<folder name>"); return the rows written per table.

    `extracted_on` defaults to the latest date in the converted data. Raises SourceMissing
    when person.csv is absent.
    """
    source, out = Path(source), Path(out)
    con = duckdb.connect()
    try:
        start(con)
        run_script(con, "adapters/omop_macros")
        read_context(con, source)
        person = required_file(source, "person.csv")
        run_sql(
            con, "adapters/omop_patients", person=str(person), unknown_practice=UNKNOWN_PRACTICE
        )
        for table, (events_sql, insert_sql) in EVENT_TABLES.items():
            path = source / f"{table}.csv"
            if not path.is_file():
                continue
            run_sql(con, f"adapters/{events_sql}", **{table: str(path)})
            run_sql(con, "adapters/omop_event_codes")
            run_sql(con, f"adapters/{insert_sql}")
        return write_extract(con, out, f"omop:{source.resolve().name}", extracted_on)
    finally:
        con.close()


def read_context(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """Concepts, registration and deaths, each from its CSV or empty when the file is absent."""
    for table, (present_sql, absent_sql) in CONTEXT_TABLES.items():
        path = source / f"{table}.csv"
        if path.is_file():
            run_script(con, f"adapters/{present_sql}", **{table: str(path)})
        else:
            run_script(con, f"adapters/{absent_sql}")
