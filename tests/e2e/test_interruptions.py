"""Runs stopped from outside: Ctrl-C and SIGTERM, a kill in the report stage, a second run on a
busy warehouse. Each test waits for an event (a progress line, a lock taken, a process ended),
never for a length of time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from b12risk.run import warehouse
from tests.e2e.conftest import AS_OF
from tests.e2e.test_failures import copy_warehouse, one_line, problem_lines, run_folders
from tests.e2e.test_local_api import ends

pytestmark = pytest.mark.slow

EVENT_DEADLINE = 600  # seconds: only a hung test waits this long


def start_run(extract: Path, wh: Path, reports: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "-m", "flows.cli", "run", str(extract),
            "--as-of", AS_OF.isoformat(), "--warehouse", str(wh), "--reports", str(reports),
            *extra,
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
    )  # fmt: skip


def read_until(proc: subprocess.Popen, wanted: str) -> list[str]:
    """stderr lines up to and including the first that equals `wanted`."""
    seen = []
    for line in proc.stderr:
        seen.append(line.rstrip("\n"))
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"never printed {wanted!r}: {seen}")


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(c) for c in handle.read().split()]


@pytest.fixture(scope="module")
def published(sample_extract, tmp_path_factory):
    from tests.e2e.test_cli import b12risk, run_args

    home = tmp_path_factory.mktemp("published")
    assert b12risk(*run_args(sample_extract, home)).returncode == 0
    return home / "wh.duckdb"


@pytest.mark.parametrize(
    ("signum", "code", "stage"),
    [
        (signal.SIGINT, 130, "ingest"),
        (signal.SIGTERM, 143, "ingest"),
        (signal.SIGINT, 130, "status"),
        (signal.SIGTERM, 143, "report"),
    ],
)
def test_an_interrupted_run_is_one_line_and_leaves_nothing(
    published, sample_extract, tmp_path, signum, code, stage
):
    wh = copy_warehouse(published, tmp_path / "wh")
    before = wh.read_bytes()
    reports = tmp_path / "reports"
    proc = start_run(sample_extract, wh, reports)
    read_until(proc, f"b12risk: {stage} ...")
    api_servers = children(proc.pid)  # Prefect's local API, started by the command
    assert api_servers
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=EVENT_DEADLINE)
    assert proc.returncode == code
    assert problem_lines(err) == ["b12risk: interrupted; the published warehouse is unchanged"]
    assert out == "" and "Traceback" not in err and "nanobind" not in err
    assert wh.read_bytes() == before
    assert not warehouse.next_path(wh).exists()
    assert run_folders(reports) == [] and not list(reports.glob(".*.partial"))
    assert all(ends(pid) for pid in api_servers)  # the local API was stopped


def test_a_run_killed_in_the_report_stage_leaves_no_report(published, sample_extract, tmp_path):
    wh = copy_warehouse(published, tmp_path / "wh")
    before = wh.read_bytes()
    reports = tmp_path / "reports"
    proc = start_run(sample_extract, wh, reports)
    read_until(proc, "b12risk: report ...")
    proc.kill()  # no chance to clean up
    proc.wait(timeout=EVENT_DEADLINE)
    assert wh.read_bytes() == before
    assert run_folders(reports) == []  # at most a hidden partial folder, never reports/<run_id>
    for partial in reports.glob(".*.partial"):
        assert partial.name.startswith(".") and partial.name.endswith(".partial")
    # The next run publishes normally; partial folders are removed once a day old.
    stale = reports / ".20200101T000000Z-000000.partial"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    young = reports / ".20991231T000000Z-ffffff.partial"
    young.mkdir()
    again = start_run(sample_extract, wh, reports)
    out, err = again.communicate(timeout=EVENT_DEADLINE)
    assert again.returncode == 0, err
    assert not stale.exists() and young.exists()
    assert len(run_folders(reports)) == 1


def hold_lock(wh: Path) -> subprocess.Popen:
    """Another run's lock on `wh`, held until its stdin closes (prints 'locked' once held)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from b12risk.run import warehouse\n"
        "with warehouse.run_lock(Path(sys.argv[1]), run_id='20261031T010203Z-abcdef'):\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(wh)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_busy_warehouse_is_exit_75_naming_the_other_run(published, sample_extract, tmp_path):
    wh = copy_warehouse(published, tmp_path / "wh")
    holder = hold_lock(wh)
    try:
        proc = start_run(sample_extract, wh, tmp_path / "reports")
        out, err = proc.communicate(timeout=EVENT_DEADLINE)
    finally:
        holder.stdin.close()
        holder.wait(timeout=EVENT_DEADLINE)
    assert proc.returncode == 75
    line = problem_lines(err)
    assert len(line) == 1 and "Traceback" not in err
    assert "warehouse busy" in line[0] and "run 20261031T010203Z-abcdef" in line[0]
    assert f"process {holder.pid}" in line[0] and "started " in line[0]
    assert "--wait SECONDS" in line[0]


def test_wait_queues_behind_the_other_run(published, sample_extract, tmp_path):
    wh = copy_warehouse(published, tmp_path / "wh")
    holder = hold_lock(wh)
    try:
        proc = start_run(sample_extract, wh, tmp_path / "reports", "--wait", "3600")
        read_until(
            proc,
            f"b12risk: waiting for run 20261031T010203Z-abcdef, started "
            f"{read_started(wh)}, process {holder.pid} to finish building {wh} ...",
        )
    finally:
        holder.stdin.close()  # the other run finishes: this one goes on
        holder.wait(timeout=EVENT_DEADLINE)
    out, err = proc.communicate(timeout=EVENT_DEADLINE)
    assert proc.returncode == 0, err
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(2,)]


def read_started(wh: Path) -> str:
    holder = warehouse.lock_holder(wh)
    assert holder is not None
    return holder.started_at


def test_a_busy_warehouse_is_reported_before_prefect_starts(published, sample_extract, tmp_path):
    from tests.e2e.test_cli import run_args
    from tests.e2e.test_failures import CHECK_FIRST

    wh = copy_warehouse(published, tmp_path / "wh")
    holder = hold_lock(wh)
    try:
        args = [*run_args(sample_extract, tmp_path)[:4], "--warehouse", str(wh), "--reports",
                str(tmp_path / "reports")]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", CHECK_FIRST, *args],
            capture_output=True, text=True, timeout=EVENT_DEADLINE,
        )  # fmt: skip
    finally:
        holder.stdin.close()
        holder.wait(timeout=EVENT_DEADLINE)
    assert done.stdout.split() == ["75", "False", "0"]
    assert "warehouse busy" in one_line(done)
