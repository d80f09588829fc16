"""Atomic publication: history survives, readers are never blocked, leftovers are discarded."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from b12risk.run import warehouse
from b12risk.runinfo import RunInfo


def make_run(run_id: str, extract_hash: str = "h1") -> RunInfo:
    return RunInfo(
        run_id=run_id,
        as_of=date(2026, 1, 31),
        extract_dir="x",
        extract_hash=extract_hash,
        extract_id=None,
        extracted_on=None,
        started_at=datetime(2026, 1, 31, 12, tzinfo=UTC),
    )


def build_and_publish(path, run_id: str, marker: int) -> None:
    nxt = warehouse.prepare_next(path, make_run(run_id), "default")
    con = warehouse.connect(nxt)
    con.execute("CREATE TABLE patients AS SELECT $m AS marker", {"m": marker})
    con.close()
    warehouse.publish(path, run_id)


def test_publish_swaps_state_and_carries_history(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    build_and_publish(path, "run-2", 2)
    with warehouse.read_only(path) as con:
        assert con.execute("SELECT marker FROM patients").fetchall() == [(2,)]
        runs = con.execute("SELECT run_id, status FROM runs ORDER BY run_id").fetchall()
    assert runs == [("run-1", "published"), ("run-2", "published")]
    assert not warehouse.next_path(path).exists()


def test_reader_keeps_its_snapshot_while_a_run_publishes(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    analyst = duckdb.connect(str(path), read_only=True)
    try:
        build_and_publish(path, "run-2", 2)  # never blocked by the open reader
        assert analyst.execute("SELECT marker FROM patients").fetchall() == [(1,)]
    finally:
        analyst.close()
    with warehouse.read_only(path) as con:
        assert con.execute("SELECT marker FROM patients").fetchall() == [(2,)]


def test_an_abandoned_next_state_is_discarded_and_published_untouched(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    before = path.read_bytes()
    nxt = warehouse.prepare_next(path, make_run("run-2"), "default")
    con = warehouse.connect(nxt)
    con.execute("CREATE TABLE patients AS SELECT 99 AS marker")
    con.close()  # the run dies here, before publishing
    assert path.read_bytes() == before
    build_and_publish(path, "run-3", 3)
    with warehouse.read_only(path) as con:
        runs = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
        assert con.execute("SELECT marker FROM patients").fetchall() == [(3,)]
    assert runs == ["run-1", "run-3"]


def test_two_runs_cannot_build_the_same_warehouse_at_once(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with warehouse.run_lock(path):
        with pytest.raises(warehouse.WarehouseBusy):
            with warehouse.run_lock(path):
                pass


def test_history_written_by_an_older_version_is_carried_by_column_name(tmp_path):
    """A warehouse published before runs.rule_checksums existed (and with a column since
    dropped) carries its runs into the next state: new columns NULL, old ones left behind."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE runs (run_id VARCHAR, extract_hash VARCHAR, as_of DATE, "
            "started_at TIMESTAMP, status VARCHAR, package_version VARCHAR, retired INTEGER)"
        )
        con.execute(
            "INSERT INTO runs VALUES ('old', 'h0', DATE '2025-01-31', TIMESTAMP '2025-01-31', "
            "'published', '0.0.1', 7)"
        )
    run = make_run("run-1")
    run = RunInfo(**{**run.__dict__, "rule_checksums": {"older_adults": "abc"}})
    nxt = warehouse.prepare_next(path, run, "default")
    with duckdb.connect(str(nxt)) as con:
        rows = con.execute(
            "SELECT run_id, status, rule_checksums FROM runs ORDER BY run_id"
        ).fetchall()
        columns = [r[0] for r in con.execute("DESCRIBE runs").fetchall()]
    assert rows == [("old", "published", None), ("run-1", "running", {"older_adults": "abc"})]
    assert "retired" not in columns


# ---------------------------------------------------------------- analysts' sessions

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
needs_cli = pytest.mark.skipif(not DUCKDB_CLI.exists(), reason="the duckdb CLI is not installed")
needs_proc_locks = pytest.mark.skipif(
    not Path("/proc/locks").exists(), reason="locks are read from /proc/locks (Linux)"
)


class Session:
    """An analyst's `duckdb` session on the warehouse, read-write (the CLI's default)."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen(
            [str(DUCKDB_CLI), "-csv", "-noheader", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.run("SELECT 'ready';")  # the database is open (and locked) once it answers

    def run(self, sql: str) -> str:
        self.proc.stdin.write(f"{sql}\nSELECT 'done';\n")
        self.proc.stdin.flush()
        lines = []
        while (line := self.proc.stdout.readline().strip()) != "done":
            lines.append(line)
        return "\n".join(lines)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=120)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=120)


@needs_cli
@needs_proc_locks
def test_a_read_write_session_holds_publication_back_naming_its_process(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    nxt = warehouse.prepare_next(path, make_run("run-2"), "default")  # a run is under way
    con = warehouse.connect(nxt)
    con.execute("CREATE TABLE patients AS SELECT 2 AS marker")
    con.close()
    analyst = Session(path)  # opened read-write during the run
    try:
        with pytest.raises(warehouse.WarehouseBusy) as busy:
            warehouse.publish(path, "run-2")
        message = str(busy.value)
        assert f"open read-write by process {analyst.proc.pid}" in message
        assert "-readonly" in message and "\n" not in message
    finally:
        analyst.close()
    warehouse.publish(path, "run-2")  # once the session is closed
    with warehouse.read_only(path) as ro:
        assert ro.execute("SELECT marker FROM patients").fetchall() == [(2,)]


@needs_cli
@needs_proc_locks
def test_a_run_does_not_start_under_a_read_write_session(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    analyst = Session(path)
    try:
        with pytest.raises(warehouse.WarehouseBusy) as busy:
            warehouse.prepare_next(path, make_run("run-2"), "default")
        assert f"process {analyst.proc.pid}" in str(busy.value)
    finally:
        analyst.close()


@needs_cli
def test_a_stale_write_ahead_log_left_by_a_session_is_set_aside(tmp_path):
    """The trial's sequence: a session opened read-write on the published file before it was
    replaced writes afterwards, so its log lands beside the new file, and every read-only open
    then fails. The next run sets that log aside and publishes; readers work again."""
    path = tmp_path / "warehouse.duckdb"
    build_and_publish(path, "run-1", 1)
    analyst = Session(path)
    try:
        # A replacement the session did not see (publication's own check is bypassed here).
        replacement = tmp_path / "replacement.duckdb"
        con = warehouse.connect(replacement)
        con.execute("CREATE TABLE patients AS SELECT 2 AS marker")
        con.close()
        os.replace(replacement, path)
        analyst.run("CREATE TABLE analyst_notes AS SELECT 42 AS note;")
        assert warehouse.wal_path(path).exists()  # beside the new file, not its own
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(path), read_only=True).close()  # what every reader met
        analyst.kill()  # and the session is gone without cleaning up
        build_and_publish(path, "run-3", 3)  # the next run: refused neither start nor publish
    finally:
        if analyst.proc.poll() is None:
            analyst.kill()
    with warehouse.read_only(path) as ro:
        assert ro.execute("SELECT marker FROM patients").fetchall() == [(3,)]
    assert not warehouse.wal_path(path).exists()
    assert list(tmp_path.glob("warehouse.duckdb.wal.stale-*"))
