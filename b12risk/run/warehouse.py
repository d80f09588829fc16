"""The warehouse file and its atomic publication.

A run never writes to the published warehouse. It builds the next state in a private file
beside it (`<warehouse>.new`), carrying the history tables (runs, quarantine of past runs,
screening-status history) over from the published file, and publishes it with one
`os.replace`, which is atomic on POSIX. Analysts holding read-only connections keep their
snapshot and are never blocked; new connections see the new state; a run killed at any moment
leaves the published file untouched, and the next run starts its private file afresh.

A lock file (`<warehouse>.lock`, naming the run that holds it) stops two runs from building
the same warehouse at once. The path is resolved once (`resolve`): a symbolic link is
followed, so the target is locked and replaced, never the link.

The published file is written in DuckDB storage STORAGE_VERSION, so every client from
DuckDB 1.4 on opens it (docs/architecture.md). An analyst's session that opened it
read-write holds a write lock on it; a run refuses to start or publish under one (DuckDB
would refuse the run's read anyway, and a session that writes after the file was replaced
leaves a write-ahead log beside the new file that every reader then trips on). A log that no
live session holds is moved aside before the run reads the published file.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from b12risk.run import progress
from b12risk.runinfo import RunInfo
from b12risk.sql import create_table, run_sql
from schemas.contract import TABLE_NAMES, TABLES
from schemas.outputs import HISTORY_TABLES, OUTPUT_TABLES, comment_statements

# DuckDB 2.0 writes storage v2 by default, which DuckDB 1.x clients (the duckdb CLI, DBeaver,
# R, older Python) cannot open. v1.4.0 is read by DuckDB 1.4 (the long-term support line) and
# every later release.
STORAGE_VERSION = "v1.4.0"
OLDEST_CLIENT = "1.4.0"
LOCK_POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another run is building this warehouse, or a session holds it open read-write. The
    message is one line naming the other run or process (exit code 75: try again later)."""


@dataclass(frozen=True)
class LockHolder:
    """What the run holding a warehouse's lock wrote into the lock file."""

    run_id: str | None
    pid: int | None
    started_at: str | None

    def describe(self) -> str:
        parts = []
        if self.run_id:
            parts.append(f"run {self.run_id}")
        if self.started_at:
            parts.append(f"started {self.started_at}")
        if self.pid:
            parts.append(f"process {self.pid}")
        return ", ".join(parts) or "a run that left no details"


# Every table a warehouse may hold that has a declaration to describe it by.
DECLARED_TABLES = frozenset(TABLES) | frozenset(OUTPUT_TABLES)


def resolve(warehouse: Path | str) -> Path:
    """The warehouse's real path: absolute, with every symbolic link followed, so that the lock,
    the next state and the replacement all happen beside the target."""
    return Path(os.path.realpath(Path(warehouse).expanduser()))


def next_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".new")


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def connect(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a run's private file; a file it creates is written in
    STORAGE_VERSION (an existing file keeps the version it was created with)."""
    con = duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION})
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute("SET memory_limit = $limit", {"limit": memory_limit})
    return con


@contextmanager
def run_lock(
    warehouse: Path, wait_seconds: float = 0.0, run_id: str | None = None
) -> Iterator[None]:
    """Hold an exclusive lock for the duration of a run (released if the process dies). If
    another run holds it, wait up to `wait_seconds` for it, then raise WarehouseBusy naming
    that run."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        busy_message(warehouse, lock_holder(warehouse), wait_seconds)
                    ) from None
                if not announced:
                    holder = lock_holder(warehouse)
                    who = holder.describe() if holder else "another run"
                    progress.emit("wait", "waiting", what=f"{who} to finish building {warehouse}")
                    announced = True
                time.sleep(LOCK_POLL_SECONDS)
        details = {
            "run_id": run_id,
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(details) + "\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no details of a finished run are left for the next reader
    finally:
        os.close(fd)  # releases the lock


def lock_holder(warehouse: Path) -> LockHolder | None:
    """The run holding the warehouse's lock now, or None when nobody holds it. (Never call it
    while this process holds the lock: a second open file in the same process conflicts.)"""
    path = lock_path(warehouse)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> LockHolder:
    try:
        details = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        details = {}
    if not isinstance(details, dict):
        details = {}
    pid = details.get("pid")
    return LockHolder(
        run_id=details.get("run_id") if isinstance(details.get("run_id"), str) else None,
        pid=pid if isinstance(pid, int) else None,
        started_at=details.get("started_at")
        if isinstance(details.get("started_at"), str)
        else None,
    )


def busy_message(warehouse: Path, holder: LockHolder | None, waited: float = 0.0) -> str:
    """The one line of a warehouse another run holds."""
    who = holder.describe() if holder else "another run"
    after = f" after waiting {waited:g} s" if waited > 0 else ""
    return (
        f"warehouse busy: {warehouse} is being built by {who}{after}; "
        "run again when it has finished, or give --wait SECONDS to queue behind it"
    )


def read_write_holder(path: Path) -> int | None:
    """The process that holds `path` open read-write (a DuckDB write lock), if another one
    does. Read from /proc/locks, so no file is opened: closing one would drop this process's
    own POSIX locks on it. None where /proc/locks does not exist."""
    try:
        st = os.stat(path)
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        if "->" in fields:  # a waiting lock request, not a held lock
            continue
        if len(fields) >= 6 and fields[1] in ("POSIX", "OFDLCK") and fields[3] == "WRITE":
            if fields[5] == key and fields[4].isdigit() and int(fields[4]) != os.getpid():
                return int(fields[4])
    return None


def refuse_read_write_session(warehouse: Path, wait_seconds: float = 0.0) -> None:
    """WarehouseBusy while another process holds the published file open read-write, after
    waiting up to `wait_seconds` for it to close."""
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    while (pid := read_write_holder(warehouse)) is not None:
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"warehouse busy: {warehouse} is open read-write by process {pid} (a duckdb "
                "session?); close it and open the warehouse read-only (duckdb -readonly), "
                "then run again, or give --wait SECONDS"
            )
        time.sleep(LOCK_POLL_SECONDS)


def set_aside_stale_wal(warehouse: Path) -> Path | None:
    """Move a write-ahead log that no live session holds away from the published file, where
    DuckDB would try to replay it on every open ("WAL does not match database file" when a
    session wrote it to a file since replaced). Returns where it went, or None."""
    wal = wal_path(warehouse)
    if not wal.exists() or read_write_holder(warehouse) is not None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = wal.with_name(f"{wal.name}.stale-{stamp}")
    os.replace(wal, target)
    return target


def discard_next(warehouse: Path) -> None:
    """Remove what a killed or failed run left beside the warehouse."""
    nxt = next_path(warehouse)
    for leftover in (nxt, wal_path(nxt)):
        leftover.unlink(missing_ok=True)


def prepare_next(
    warehouse: Path, run: RunInfo, config_source: str, wait_seconds: float = 0.0
) -> Path:
    """Start the next warehouse state: history carried over, this run recorded as running.
    WarehouseBusy while a session holds the published file read-write (after waiting up to
    `wait_seconds` for it to close)."""
    discard_next(warehouse)
    nxt = next_path(warehouse)
    if warehouse.exists():
        refuse_read_write_session(warehouse, wait_seconds)
        set_aside_stale_wal(warehouse)
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
            source=run.source,
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


def publish(warehouse: Path, run_id: str, wait_seconds: float = 0.0) -> Path:
    """Mark the run published inside the next state, then swap it in with one rename; refused
    (WarehouseBusy) while a session holds the published file open read-write."""
    nxt = next_path(warehouse)
    if warehouse.exists():
        refuse_read_write_session(warehouse, wait_seconds)
    con = connect(nxt)
    try:
        finish_run(con, run_id, "published")
        describe_tables(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _fsync(nxt)
    # A write-ahead log left by someone who wrote to the published file would be replayed
    # onto the new file: it belongs to the old state, so it goes with it.
    wal_path(warehouse).unlink(missing_ok=True)
    os.replace(nxt, warehouse)
    _fsync(warehouse.parent)
    return warehouse


def describe_tables(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every declared table and view of the warehouse and their columns, from the
    declarations (schemas), so any DuckDB client shows what each one holds."""
    for table, columns in run_sql(con, "run/warehouse_columns").fetchall():
        if table in DECLARED_TABLES:
            for statement in comment_statements(table, tuple(columns)):
                con.execute(statement)


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
