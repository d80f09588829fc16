"""The floor: a bare DuckDB process loading the extract's five CSV files with declared types."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

TYPES = {
    "patients": {
        "patient_id": "VARCHAR",
        "year_of_birth": "INTEGER",
        "month_of_birth": "INTEGER",
        "sex": "VARCHAR",
        "practice_id": "VARCHAR",
        "registered_on": "DATE",
        "deregistered_on": "DATE",
        "died_on": "DATE",
    },
    "diagnoses": {
        "patient_id": "VARCHAR",
        "code_system": "VARCHAR",
        "code": "VARCHAR",
        "recorded_on": "DATE",
    },
    "prescriptions": {
        "patient_id": "VARCHAR",
        "code_system": "VARCHAR",
        "code": "VARCHAR",
        "issued_on": "DATE",
        "days_supply": "INTEGER",
        "daily_dose_mg": "DOUBLE",
    },
    "lab_results": {
        "patient_id": "VARCHAR",
        "code_system": "VARCHAR",
        "code": "VARCHAR",
        "taken_on": "DATE",
        "value": "DOUBLE",
        "unit": "VARCHAR",
    },
    "procedures": {
        "patient_id": "VARCHAR",
        "code_system": "VARCHAR",
        "code": "VARCHAR",
        "performed_on": "DATE",
    },
}


def main(extract: str) -> None:
    folder = Path(extract)
    con = duckdb.connect(str(folder.parent / "floor.duckdb"))
    con.execute("SET preserve_insertion_order = false")
    for table, columns in TYPES.items():
        path = next(folder.glob(f"{table}.csv*"))
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv($path, header=true, "  # noqa: S608 - identifiers from the constant above
            "auto_detect=false, columns=$columns, delim=',', quote='\"')",
            {"path": str(path), "columns": columns},
        )
    con.close()
    (folder.parent / "floor.duckdb").unlink()


if __name__ == "__main__":
    main(sys.argv[1])
