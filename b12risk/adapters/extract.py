"""What both adapters share: the empty contract tables, the extract date, and writing the
five CSV files and manifest.json."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import duckdb

from b12risk.sql import run_script, run_sql
from schemas.contract import MANIFEST_FILE, TABLE_NAMES

log = logging.getLogger(__name__)

UNKNOWN_PRACTICE = "unknown"
OTHER_FORMATS = (".csv.gz", ".parquet")


class SourceMissing(FileNotFoundError):
    """The source folder lacks a table the adapter cannot do without (e.g. patients)."""


def start(con: duckdb.DuckDBPyConnection) -> None:
    """Create the shared macros and the five empty extract_* tables."""
    run_script(con, "adapters/macros")
    run_script(con, "adapters/extract_tables")


def required_file(source: Path, name: str) -> Path:
    path = source / name
    if not path.is_file():
        raise SourceMissing(f"{source.name}: {name} not found")
    return path


def extract_date(con: duckdb.DuckDBPyConnection, extracted_on: date | None) -> date:
    """`extracted_on` when given, else the latest date in the converted tables."""
    if extracted_on is not None:
        return extracted_on
    latest = run_sql(con, "adapters/latest_event_date").fetchall()[0][0]
    return latest if latest is not None else date.today()


def write_extract(
    con: duckdb.DuckDBPyConnection, out: Path, source: str, extracted_on: date | None
) -> dict[str, int]:
    """Write the five tables as CSV and manifest.json to `out`; return rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    on = extract_date(con, extracted_on)
    counts: dict[str, int] = {}
    for table in TABLE_NAMES:
        for suffix in OTHER_FORMATS:  # an earlier extract would leave two files for a table
            (out / f"{table}{suffix}").unlink(missing_ok=True)
        path = out / f"{table}.csv"
        result = run_sql(con, "adapters/export", table=f"extract_{table}", path=str(path))
        counts[table] = int(result.fetchall()[0][0])
        log.info("converted %s: %d rows", table, counts[table])
    manifest = {
        "extract_id": f"{source.replace(':', '-')}-{on.isoformat()}",
        "source": source,
        "extracted_on": on.isoformat(),
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts
