"""The warehouse file and its atomic publication.

A run never writes to the published warehouse. It builds the next state in a private file
beside it (`<warehouse>.new`), carrying the history tables (runs, quarantine of past runs,
screening-status history) over from the published file, and publishes it with one
`os.replace`, which is atomic on POSIX. Analysts holding read-only connections keep their
snapshot and are never blocked; new connections see the new state; a run killed at any moment
leaves the published file untouched, and the next run starts its private file afresh.
A lock file stops two runs from building the same warehouse at once.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from b12risk.runinfo import RunInfo
from b12risk.sql import create_table, run_sql
from schemas.contract import TABLE_NAMES
from schemas.outputs import HISTORY_TABLES, OUTPUT_TABLES


class WarehouseBusy(RuntimeError):
    """Another run is building this warehouse right now."""


def next_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".new")


def connect(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute("SET memory_limit = $limit", {"limit": memory_limit})
    return con


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold an exclusive lock for the duration of a run (released if the process dies)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"another run is building {warehouse}") from exc
        yield


def discard_next(warehouse: Path) -> None:
    """Remove what a killed or failed run left beside the warehouse."""
    nxt = next_path(warehouse)
    for leftover in (nxt, nxt.with_name(nxt.name + ".wal")):
        leftover.unlink(missing_ok=True)


def prepare_next(warehouse: Path, run: RunInfo, config_source: str) -> Path:
    """Start the next warehouse state: history carried over, this run recorded as running."""
    discard_next(warehouse)
    nxt = next_path(warehouse)
    con = connect(nxt)
    try:
        if warehouse.exists():
            carry_history(con, warehouse)
        create_table(con, "runs")
        run_sql(
            con,
            "run/start_run",
            run_id=run.run_id,
            extract_id=run.extract_id,
            extract_hash=run.extract_hash,
            as_of=run.as_of,
            started_at=run.started_at.replace(tzinfo=None),
            package_version=run.package_version,
            config_source=config_source,
            checksum_names=list(run.rule_checksums),
            checksums=list(run.rule_checksums.values()),
        )
    finally:
        con.close()
    return nxt


def carry_history(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    run_sql(con, "run/attach_published", path=str(warehouse))
    try:
        present = {row[0] for row in run_sql(con, "run/published_tables").fetchall()}
        for table in HISTORY_TABLES:
            if table in present:
                create_table(con, table)
                columns = list(OUTPUT_TABLES[table].column_names)
                run_sql(con, f"run/carry_{table}", columns=columns)
    finally:
        con.execute("DETACH published")


def record_counts(con: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, dict]) -> None:
    params: dict[str, object] = {"run_id": run_id}
    for table in TABLE_NAMES:
        c = counts.get(table, {})
        for measure in ("read", "loaded", "quarantined"):
            params[f"{table}_{measure}"] = c.get(measure)
    run_sql(con, "run/record_counts", **params)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str) -> None:
    run_sql(
        con,
        "run/finish_run",
        run_id=run_id,
        status=status,
        finished_at=datetime.now(UTC).replace(tzinfo=None),
    )


def publish(warehouse: Path, run_id: str) -> Path:
    """Mark the run published inside the next state, then swap it in with one rename."""
    nxt = next_path(warehouse)
    con = connect(nxt)
    try:
        finish_run(con, run_id, "published")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _fsync(nxt)
    # A write-ahead log left by someone who wrote to the published file would be replayed
    # onto the new file: it belongs to the old state, so it goes with it.
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    os.replace(nxt, warehouse)
    _fsync(warehouse.parent)
    return warehouse


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An analyst-style read-only connection to the published warehouse."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()
