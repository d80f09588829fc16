"""Small extracts written to a folder, and the pipeline's first two stages run over them.

Rows are dicts of raw text as a supplier would write it ("" or a missing key = empty field).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from b12risk.ingest.stage import inspect_extract, stage_extract
from b12risk.ingest.validate import ValidationResult, validate_extract
from schemas.contract import TABLES

EXTRACT_DATE = date(2024, 6, 30)
RUN_ID = "run-test"

BASE_PATIENT = {
    "patient_id": "P0001",
    "year_of_birth": "1950",
    "month_of_birth": "7",
    "sex": "F",
    "practice_id": "PR1",
    "registered_on": "2000-01-01",
    "deregistered_on": "",
    "died_on": "",
}
BASE_EVENTS: dict[str, dict[str, str]] = {
    "diagnoses": {
        "patient_id": "P0001",
        "code_system": "SNOMED",
        "code": "44054006",
        "recorded_on": "2020-01-01",
    },
    "prescriptions": {
        "patient_id": "P0001",
        "code_system": "ATC",
        "code": "A10BA02",
        "issued_on": "2020-01-01",
        "days_supply": "28",
        "daily_dose_mg": "1000",
    },
    "lab_results": {
        "patient_id": "P0001",
        "code_system": "LOINC",
        "code": "2132-9",
        "taken_on": "2020-01-01",
        "value": "250",
        "unit": "ng/L",
    },
    "procedures": {
        "patient_id": "P0001",
        "code_system": "OPCS4",
        "code": "G28.1",
        "performed_on": "2020-01-01",
    },
}


def valid_tables(events_per_table: int = 2) -> dict[str, list[dict[str, str]]]:
    """A small extract that breaks no rule: two patients and a few events of each kind."""
    second = dict(BASE_PATIENT, patient_id="P0002", year_of_birth="1980", sex="M")
    tables = {"patients": [dict(BASE_PATIENT), second]}
    for table, base in BASE_EVENTS.items():
        tables[table] = [
            dict(base, patient_id=("P0001", "P0002")[i % 2]) for i in range(events_per_table)
        ]
    return tables


def csv_text(table: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    columns = columns or list(TABLES[table].column_names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in columns])
    return out.getvalue()


def write_table(
    folder: Path,
    table: str,
    rows: list[dict[str, Any]],
    fmt: str = "csv",
    columns: list[str] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.{fmt}"
    if fmt == "parquet":
        columns = columns or list(TABLES[table].column_names)
        data = {
            c: [None if row.get(c) in ("", None) else row.get(c) for row in rows] for c in columns
        }
        pq.write_table(pa.table({c: pa.array(v, pa.string()) for c, v in data.items()}), path)
    elif fmt == "csv.gz":
        path.write_bytes(gzip.compress(csv_text(table, rows, columns).encode("utf-8")))
    else:
        path.write_text(csv_text(table, rows, columns), encoding="utf-8")
    return path


def write_extract(
    folder: Path,
    tables: dict[str, list[dict[str, Any]]] | None = None,
    fmt: str = "csv",
    manifest: dict[str, Any] | None = None,
) -> Path:
    tables = tables if tables is not None else valid_tables()
    for table, rows in tables.items():
        write_table(folder, table, rows, fmt)
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def ingest(
    con: duckdb.DuckDBPyConnection, folder: Path, extract_date: date = EXTRACT_DATE
) -> ValidationResult:
    """inspect -> stage -> validate, as the pipeline runs them."""
    files = inspect_extract(folder)
    staged = stage_extract(con, files)
    return validate_extract(con, staged, RUN_ID, files.content_hash, extract_date)


def quarantine(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], list[str]]:
    """(source_table, source_row) -> rules, for every quarantined row."""
    rows = con.execute("SELECT source_table, source_row, rules FROM quarantine").fetchall()
    return {(t, r): list(rules) for t, r, rules in rows}


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} | {
        r[0]
        for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
