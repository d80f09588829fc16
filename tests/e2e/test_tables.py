"""Every table a run publishes has exactly the columns and types its declaration states
(schemas/contract.py for the extract tables, schemas/outputs.py for the rest)."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from schemas.contract import TABLES
from schemas.outputs import OUTPUT_TABLES, WAREHOUSE_TABLES
from tests.e2e.conftest import AS_OF

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(prefect_harness, sample_extract, tmp_path_factory):
    from flows.pipeline import pipeline

    out = tmp_path_factory.mktemp("declared")
    outcome = pipeline(
        extract_dir=str(sample_extract),
        as_of=AS_OF,
        warehouse_path=str(out / "wh.duckdb"),
        reports_dir=str(out / "reports"),
    )
    assert outcome.status == "published"
    return out / "wh.duckdb", outcome


def columns(path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t "
            "ORDER BY column_index",
            {"t": table},
        ).fetchall()


@pytest.mark.parametrize("table", [*TABLES, *WAREHOUSE_TABLES])
def test_each_published_table_is_its_declaration(published, table):
    path, _ = published
    declared = TABLES[table].columns if table in TABLES else OUTPUT_TABLES[table].columns
    got = columns(path, table)
    if OUTPUT_TABLES.get(table) and OUTPUT_TABLES[table].kind == "view":
        # patient_cohorts: one BOOLEAN column per enabled cohort between the declared ones
        got = [(n, t) for n, t in got if n in {c.name for c in declared}]
    assert got == [(c.name, c.sql_type) for c in declared]


def test_the_gap_summary_file_is_its_declaration(published):
    _, outcome = published
    schema = pq.read_schema(f"{outcome.reports_dir}/gap_summary.parquet")
    assert schema.names == list(OUTPUT_TABLES["gap_summary"].column_names)
