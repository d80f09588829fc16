"""Table literals and warehouse tables for the report tests (in-memory DuckDB, no pipeline)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from b12risk.config import load_config
from b12risk.runinfo import RunInfo

AS_OF = date(2026, 1, 1)
RUN_ID = "20260101T000000Z-aaaaaa"
PREVIOUS_RUN_ID = "20251001T000000Z-bbbbbb"

STATUS_COLUMNS = (
    "patient_id", "practice_id", "sex", "age", "status", "cohorts", "last_test_on",
    "last_test_code", "last_result_pmol_l", "last_result_judged", "interval_days", "due_on",
    "last_treatment_on", "run_id",
)  # fmt: skip
STATUS_TABLE = (
    """CREATE OR REPLACE TABLE screening_status (
        patient_id VARCHAR, practice_id VARCHAR, sex VARCHAR, age INTEGER, status VARCHAR,
        cohorts VARCHAR[], last_test_on DATE, last_test_code VARCHAR, last_result_pmol_l DOUBLE,
        last_result_judged BOOLEAN, interval_days INTEGER, due_on DATE, last_treatment_on DATE,
        run_id VARCHAR)""",
    "INSERT INTO screening_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    STATUS_COLUMNS,
)
MEMBERSHIP_TABLE = (
    """CREATE OR REPLACE TABLE cohort_membership (
        patient_id VARCHAR, cohort VARCHAR, rule VARCHAR, evidence_code_system VARCHAR,
        evidence_code VARCHAR, evidence_date DATE, era_start DATE, era_end DATE,
        era_days INTEGER, era_prescriptions INTEGER, run_id VARCHAR)""",
    "INSERT INTO cohort_membership VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    (
        "patient_id", "cohort", "rule", "evidence_code_system", "evidence_code", "evidence_date",
        "era_start", "era_end", "era_days", "era_prescriptions", "run_id",
    ),
)  # fmt: skip
HISTORY_TABLE = (
    """CREATE OR REPLACE TABLE screening_status_history (
        run_id VARCHAR, as_of DATE, extract_hash VARCHAR, patient_id VARCHAR,
        practice_id VARCHAR, status VARCHAR)""",
    "INSERT INTO screening_status_history VALUES (?, ?, ?, ?, ?, ?)",
    ("run_id", "as_of", "extract_hash", "patient_id", "practice_id", "status"),
)
RUNS_TABLE = (
    """CREATE OR REPLACE TABLE runs (
        run_id VARCHAR, extract_hash VARCHAR, as_of DATE, started_at TIMESTAMP,
        finished_at TIMESTAMP, status VARCHAR, package_version VARCHAR, config_source VARCHAR,
        patients_read BIGINT, patients_loaded BIGINT, patients_quarantined BIGINT,
        diagnoses_read BIGINT, diagnoses_loaded BIGINT, diagnoses_quarantined BIGINT,
        prescriptions_read BIGINT, prescriptions_loaded BIGINT, prescriptions_quarantined BIGINT,
        lab_results_read BIGINT, lab_results_loaded BIGINT, lab_results_quarantined BIGINT,
        procedures_read BIGINT, procedures_loaded BIGINT, procedures_quarantined BIGINT,
        source VARCHAR)""",
    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?)",
    (
        "run_id", "extract_hash", "as_of", "started_at", "finished_at", "status",
        "package_version", "config_source",
        *(
            f"{t}_{m}"
            for t in ("patients", "diagnoses", "prescriptions", "lab_results", "procedures")
            for m in ("read", "loaded", "quarantined")
        ),
        "source",
    ),
)  # fmt: skip
QUARANTINE_TABLE = (
    """CREATE OR REPLACE TABLE quarantine (
        run_id VARCHAR, extract_hash VARCHAR, source_table VARCHAR, source_row BIGINT,
        rules VARCHAR[], raw_values VARCHAR)""",
    "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
    ("run_id", "extract_hash", "source_table", "source_row", "rules", "raw_values"),
)


LIST_COLUMNS = ("cohorts", "rules")


def literal(text: str) -> list[dict[str, str | None]]:
    """Rows of a pipe-separated table literal; an empty cell or '-' is missing."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    header = [h.strip() for h in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.split("|")]
        rows.append(
            {h: (None if c in ("", "-") else c) for h, c in zip(header, cells, strict=True)}
        )
    return rows


def create(con: duckdb.DuckDBPyConnection, table: tuple, rows) -> None:
    """Create one of the tables above and insert rows (dicts; missing keys are NULL; a
    comma-separated string fills a list column)."""
    ddl, insert, columns = table
    con.execute(ddl)
    if rows:
        con.executemany(insert, [[_value(c, row.get(c)) for c in columns] for row in rows])


def _value(column: str, value):
    if column in LIST_COLUMNS and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def status_rows(text: str, run_id: str = RUN_ID) -> list[dict]:
    return [row | {"run_id": run_id} for row in literal(text)]


def create_status(con, text_or_rows, run_id: str = RUN_ID) -> None:
    rows = status_rows(text_or_rows, run_id) if isinstance(text_or_rows, str) else text_or_rows
    create(con, STATUS_TABLE, rows)


def create_membership(con, rows) -> None:
    rows = literal(rows) if isinstance(rows, str) else rows
    create(con, MEMBERSHIP_TABLE, rows)


def create_history(con, rows) -> None:
    create(con, HISTORY_TABLE, rows)


def create_runs(con, rows) -> None:
    create(con, RUNS_TABLE, rows)


def create_quarantine(con, rows) -> None:
    create(con, QUARANTINE_TABLE, rows)


def run_info(run_id: str = RUN_ID, as_of: date = AS_OF) -> RunInfo:
    return RunInfo(
        run_id=run_id,
        as_of=as_of,
        extract_dir="/extract",
        extract_hash="hash-now",
        extract_id=None,
        extracted_on=as_of,
        started_at=datetime(2026, 1, 2, tzinfo=UTC),
    )


def synthetic_status(n: int, seed: int = 7, run_id: str = RUN_ID) -> list[dict]:
    """n at-risk patients spread over practices, ages, sexes, statuses and cohorts."""
    rng = random.Random(seed)
    statuses = ["never_tested"] * 5 + ["overdue"] * 3 + ["abnormal_untreated"] + ["up_to_date"] * 4
    statuses += ["due_soon", "excluded_on_treatment", "excluded_on_treatment"]
    cohorts = ["older_adults", "long_term_metformin", "long_term_acid_suppression", "vegan_diet"]
    rows = []
    for k in range(n):
        status = rng.choice(statuses)
        tested = status not in ("never_tested",)
        last_test = AS_OF - timedelta(days=rng.randint(10, 900)) if tested else None
        rows.append(
            {
                "patient_id": f"PSEUDO-{k:05d}-ZQX",
                "practice_id": rng.choice(["P001", "P002", "P003", "P004", "P/05 odd"]),
                "sex": rng.choice("FFFMMMIU") if k % 50 else None,
                "age": rng.randint(16, 99),
                "status": status,
                "cohorts": rng.sample(cohorts, rng.randint(1, 2)),
                "last_test_on": last_test,
                "last_test_code": "14685-2" if tested else None,
                "last_result_pmol_l": 100.0 + k % 300 if tested else None,
                "last_result_judged": tested,
                "interval_days": 365,
                "due_on": last_test + timedelta(days=365) if last_test else None,
                "last_treatment_on": None,
                "run_id": run_id,
            }
        )
    return rows


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def run():
    return run_info()


def patients(text: str, run_id: str = RUN_ID) -> list[dict]:
    """Expand a literal whose column `n` counts identical patients into one row per patient
    (ids `<row>-<k>`; other columns as given, '-' for missing)."""
    rows = []
    for r, row in enumerate(literal(text)):
        n = int(row.pop("n"))
        for k in range(n):
            rows.append(row | {"patient_id": f"R{r}-{k}", "run_id": run_id})
    return rows
