"""A warehouse written before issue 9.3 kept malformed lines' texts (and with them values of
columns outside the contract); the next run scrubs them and says so (through the command)."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

NAME = "Jane Q Public"


def test_the_first_run_after_upgrading_scrubs_old_quarantine_rows(sample_extract, tmp_path):
    assert b12risk(*run_args(sample_extract, tmp_path)).returncode == 0
    warehouse = tmp_path / "wh.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # as an older release left it
        con.execute(
            "INSERT INTO quarantine VALUES ('old-run', 'old-hash', 'diagnoses', 3, "
            "['malformed_line'], ?)",
            [f"P0001,SNOMED,44054006,2020-01-01,{NAME},x"],
        )
    result = b12risk(*run_args(sample_extract, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning: quarantine: rows carried from earlier runs" in result.stderr
    assert "scrubbed" in result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (raw,) = con.execute(
            "SELECT raw_values FROM quarantine WHERE run_id = 'old-run'"
        ).fetchone()
    assert NAME not in raw and json.loads(raw)["line_count"] == 1
    run_dir = max((tmp_path / "reports").glob("*/validation.json"), key=lambda p: p.stat().st_mtime)
    restricted = json.loads((run_dir.parent / "restricted" / "validation.json").read_text())
    assert restricted["quarantine_scrubbed"] == 1
    assert "quarantine_scrubbed" not in json.loads(run_dir.read_text())
