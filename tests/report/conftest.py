"""Warehouse tables for the report tests (in-memory DuckDB, no pipeline), created from their
declarations and filled from table literals or typed rows (tests/tables.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from b12risk.config import load_config
from b12risk.runinfo import RunInfo
from tests.tables import create_table, parse_table

AS_OF = date(2026, 1, 1)
RUN_ID = "20260101T000000Z-aaaaaa"
PREVIOUS_RUN_ID = "20251001T000000Z-bbbbbb"


def status_rows(text: str, run_id: str = RUN_ID) -> list[dict]:
    """screening_status rows of a table literal, each of the run."""
    return [row | {"run_id": run_id} for row in parse_table(text, "screening_status")]


def create_status(con, text_or_rows, run_id: str = RUN_ID) -> None:
    rows = status_rows(text_or_rows, run_id) if isinstance(text_or_rows, str) else text_or_rows
    create_table(con, "screening_status", rows)


def create_membership(con, rows) -> None:
    create_table(con, "cohort_membership", rows)


def create_history(con, rows) -> None:
    create_table(con, "screening_status_history", rows)


def create_runs(con, rows) -> None:
    create_table(con, "runs", rows)


def create_quarantine(con, rows) -> None:
    create_table(con, "quarantine", rows)


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
    """Expand a literal of screening_status whose column `n` counts identical patients into
    one row per patient (ids `R<row>-<k>`; other columns as given)."""
    rows = []
    for r, row in enumerate(parse_table(text, "screening_status", extra={"n": "INTEGER"})):
        n = row.pop("n")
        for k in range(n):
            rows.append(row | {"patient_id": f"R{r}-{k}", "run_id": run_id})
    return rows
