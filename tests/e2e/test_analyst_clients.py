"""The published warehouse opens in the DuckDB clients analysts use: the README's analyst
example, run exactly as written with the `duckdb` command `make install` provides, which is
the oldest DuckDB release the warehouse promises (b12risk.run.warehouse.OLDEST_CLIENT)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from b12risk.run import warehouse
from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
DUCKDB_CLI = VENV / "bin" / "duckdb"


def readme_commands(prefix: str) -> list[str]:
    """The README's shell lines that start with `prefix`, as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [ln for block in blocks for ln in block.splitlines() if ln.startswith(prefix)]


@pytest.fixture(scope="module")
def home(sample_extract, tmp_path_factory):
    """A b12risk home holding a published warehouse, with the install's .venv in it."""
    if not DUCKDB_CLI.exists():
        pytest.fail(f"make install provides no duckdb command at {DUCKDB_CLI}")
    home = tmp_path_factory.mktemp("home")
    (home / ".venv").symlink_to(VENV)
    result = b12risk(
        *run_args(sample_extract, home)[:4],
        "--warehouse", str(home / "data" / "warehouse.duckdb"),
        "--reports", str(home / "reports"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return home


def test_the_installed_duckdb_command_is_the_oldest_client_promised():
    version = subprocess.run(
        [str(DUCKDB_CLI), "--version"], capture_output=True, text=True, timeout=60
    ).stdout
    major_minor = ".".join(warehouse.OLDEST_CLIENT.split(".")[:2])
    assert version.startswith(f"v{major_minor}."), version


def test_the_warehouse_is_written_in_the_promised_storage_version(home):
    path = home / "data" / "warehouse.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        tags = con.execute(
            "SELECT tags FROM duckdb_databases() WHERE path = $path", {"path": str(path)}
        ).fetchall()
    assert tags == [({"storage_version": f"{warehouse.STORAGE_VERSION}+"},)]


def test_the_readme_analyst_example_runs_as_written(home):
    commands = readme_commands(".venv/bin/duckdb ")
    assert commands, "the README shows no .venv/bin/duckdb example"
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], cwd=home, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (command, done.stderr)
        assert "never_tested" in done.stdout, done.stdout
        assert not (home / "data" / "warehouse.duckdb.wal").exists()  # opened read-only


def test_every_table_and_column_describes_itself_to_the_oldest_client(home):
    """COMMENT ON from the declarations at publication: `duckdb_tables()` and
    `duckdb_columns()` in any client say what each table and column holds."""
    from schemas.outputs import OUTPUT_TABLES

    query = (
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name = 'main' "
        "UNION ALL SELECT table_name, '', comment FROM duckdb_tables() "
        "UNION ALL SELECT view_name, '', comment FROM duckdb_views() WHERE NOT internal"
    )
    done = subprocess.run(
        [
            str(DUCKDB_CLI),
            "-readonly",
            "-csv",
            "-nullvalue",
            "",
            str(home / "data" / "warehouse.duckdb"),
            query,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    tables = {r["table_name"]: r["comment"] for r in rows if not r["column_name"]}
    assert tables["screening_status"] == OUTPUT_TABLES["screening_status"].description
    assert {"patients", "quarantine", "runs", "patient_cohorts"} <= set(tables)
    undescribed = [
        (r["table_name"], r["column_name"])
        for r in rows
        if r["column_name"] and not r["comment"] and r["table_name"] != "patient_cohorts"
    ]
    assert not undescribed and all(tables.values()), undescribed  # cohort flags: config's
