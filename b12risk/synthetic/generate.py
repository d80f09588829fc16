"""Synthetic extracts in the extract contract v1, built inside DuckDB.

A GP-list-like population (UK age pyramid, practices of lognormal size, registrations, deaths)
follows the traits and programs of `data/generator/` (diabetes and metformin, acid suppression,
gastric surgery, vegan diet, autoimmune conditions, other risk medicines, background conditions,
medicines and blood tests), plus B12 tests, results and treatment. Every number is a hash of
(seed, row key, stream), so a seed gives byte-identical files; every table is written by one
ordered COPY, never row by row. The hand-designed patients of `b12risk.synthetic.planted` are in
every extract, whatever the size. `bad_rows` corrupts that share of the other event rows.

Practices: one per 8,000 patients, but never fewer than 12, so that even a small extract
gives the report's funnel plot a dozen points (small practices, then, of N / 12 patients).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from b12risk import __version__
from b12risk.config import MEMORY_LIMIT, PROJECT_ROOT
from b12risk.sql import run_script, run_sql
from schemas.contract import TABLE_NAMES

log = logging.getLogger(__name__)

GENERATOR_DATA = PROJECT_ROOT / "data" / "generator"
PATIENTS_PER_PRACTICE = 8000
MIN_PRACTICES = 12
MAX_PATIENTS = 2**40  # patient tokens are a bijection on 40 bits

# Build order: each script reads what the ones before it made.
BUILD_SCRIPTS = (
    "macros",
    "palettes",
    "practices",
    "patients",
    "episodes",
    "b12_tests",
    "b12_episodes",
    "enrolment",
    "program_events",
    "planted",
    "events",
    "export_views",
)

PALETTE_FILES = {
    "age_pyramid_path": "age_pyramid.csv",
    "traits_path": "traits.csv",
    "programs_path": "programs.csv",
    "codes_path": "codes.csv",
    "labs_path": "labs.csv",
    "lab_units_path": "lab_units.csv",
    "planted_patients_path": "planted_patients.csv",
    "planted_events_path": "planted_events.csv",
}

Format = Literal["csv", "parquet"]


@dataclass(frozen=True)
class GenerateSummary:
    out_dir: Path
    files: dict[str, Path]
    rows: dict[str, int]
    seconds: float


def generate_extract(
    out_dir: Path,
    patients: int,
    seed: int,
    as_of: date | None = None,
    fmt: Format = "csv",
    bad_rows: float = 0.0,
    practices: int | None = None,
) -> GenerateSummary:
    """Write a synthetic extract (five tables and manifest.json) to `out_dir`.

    `patients` random patients plus the planted ones; `as_of` (default today) is the extract
    date: no event falls after it. `bad_rows` is the share (0..1) of non-planted event rows
    corrupted in varied ways, for the data-quality report. `practices` overrides the number
    of GP practices (default `practice_count`): many small ones test disclosure control."""
    started = time.perf_counter()
    as_of = _as_date(as_of or date.today())
    _check_arguments(patients, seed, fmt, bad_rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_other_format(out_dir, fmt)
    params = build_parameters(patients, seed, as_of, bad_rows)
    if practices is not None:
        if practices < 1:
            raise ValueError("practices must be at least 1")
        params["n_practices"] = practices

    with _connection() as con:
        build(con, params)
        files = {table: out_dir / f"{table}.{fmt}" for table in TABLE_NAMES}
        rows = {table: export_table(con, table, path, fmt) for table, path in files.items()}

    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(
        json.dumps(manifest(patients, seed, as_of, fmt, bad_rows), indent=2) + "\n",
        encoding="utf-8",
    )
    seconds = time.perf_counter() - started
    log.info(
        "generated a synthetic extract: %d random patients, %d event rows, %.1f s",
        patients,
        sum(n for table, n in rows.items() if table != "patients"),
        seconds,
    )
    return GenerateSummary(
        out_dir=out_dir, files={**files, "manifest": manifest_path}, rows=rows, seconds=seconds
    )


def practice_count(patients: int) -> int:
    """One practice per PATIENTS_PER_PRACTICE patients, at least MIN_PRACTICES."""
    return max(MIN_PRACTICES, round(patients / PATIENTS_PER_PRACTICE))


def build_parameters(patients: int, seed: int, as_of: date, bad_rows: float) -> dict[str, Any]:
    """The named parameters the generator's SQL files use."""
    return {
        "patients": patients,
        "seed": seed,
        "as_of": as_of,
        "bad_rows": float(bad_rows),
        "n_practices": practice_count(patients),
        **{name: str(GENERATOR_DATA / file) for name, file in PALETTE_FILES.items()},
    }


def build(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> None:
    """Create the generator's tables and the five export views on `con`."""
    for script in BUILD_SCRIPTS:
        run_script(con, f"synthetic/{script}", **params)


def export_table(con: duckdb.DuckDBPyConnection, table: str, path: Path, fmt: Format) -> int:
    """Write one extract table with one ordered COPY; returns its row count."""
    result = run_sql(
        con, "synthetic/export", view=f"gen_export_{table}", path=str(path), format=fmt
    ).fetchall()
    return int(result[0][0])


def manifest(patients: int, seed: int, as_of: date, fmt: Format, bad_rows: float) -> dict[str, str]:
    """manifest.json: exactly the contract's three fields (other keys would warn on every run),
    and no timings: the same arguments give the same bytes."""
    return {
        "extract_id": extract_id(patients, seed, as_of, fmt, bad_rows),
        "source": f"b12risk synthetic generator {__version__}",
        "extracted_on": as_of.isoformat(),
    }


def extract_id(patients: int, seed: int, as_of: date, fmt: Format, bad_rows: float) -> str:
    """Readable where it helps (seed, size), a hash of every argument for the rest."""
    key = f"{__version__}|{patients}|{seed}|{as_of.isoformat()}|{fmt}|{bad_rows!r}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"synthetic-seed{seed}-n{patients}-{digest}"


@contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB capped at MEMORY_LIMIT, spilling to a private temporary folder;
    insertion order is not kept (every export orders explicitly)."""
    with tempfile.TemporaryDirectory(prefix="b12risk-generate-") as spill:
        con = duckdb.connect(
            config={
                "memory_limit": MEMORY_LIMIT,
                "preserve_insertion_order": False,
                "temp_directory": spill,
            }
        )
        try:
            yield con
        finally:
            con.close()


def _remove_other_format(out_dir: Path, fmt: Format) -> None:
    """An earlier extract in the other format would leave two files for one table."""
    other = "parquet" if fmt == "csv" else "csv"
    for table in TABLE_NAMES:
        (out_dir / f"{table}.{other}").unlink(missing_ok=True)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check_arguments(patients: int, seed: int, fmt: str, bad_rows: float) -> None:
    if isinstance(patients, bool) or not isinstance(patients, int):
        raise TypeError("patients must be a whole number")
    if not 0 <= patients < MAX_PATIENTS:
        raise ValueError(f"patients must be between 0 and {MAX_PATIENTS - 1}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError("seed must be a whole number")
    if not -(2**63) <= seed < 2**63:
        raise ValueError("seed must fit in 64 bits")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    if not 0.0 <= bad_rows <= 1.0:
        raise ValueError("bad_rows must be a share between 0 and 1")
