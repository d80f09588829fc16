"""Every failure through the command, as a user meets it: its documented exit code and one line
saying what and where, no traceback, the published warehouse untouched, and reports only for
runs that reached the warehouse."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import AS_OF
from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PROGRESS_WORDS = (" ...", " done in ", " failed in ")


def problem_lines(stderr: str) -> list[str]:
    """stderr without the stage progress lines."""
    return [
        ln
        for ln in stderr.splitlines()
        if not (ln.startswith("b12risk: ") and any(w in ln for w in PROGRESS_WORDS))
    ]


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = problem_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "nanobind" not in result.stderr
    return lines[0]


def run_folders(reports: Path) -> list[str]:
    """The run folders a reader sees (not the hidden partial folders of runs in progress)."""
    if not reports.is_dir():
        return []
    return sorted(p.name for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def published(sample_extract, tmp_path_factory):
    """A warehouse with one published run of the sample extract; copy it before changing it."""
    home = tmp_path_factory.mktemp("published")
    assert b12risk(*run_args(sample_extract, home)).returncode == 0
    return home / "wh.duckdb"


def copy_warehouse(published: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "wh.duckdb"
    target.write_bytes(published.read_bytes())
    return target


# ---------------------------------------------------------------- 3. dates


def test_an_as_of_after_the_extract_date_is_refused_naming_the_manifest(sample_extract, tmp_path):
    later = AS_OF + timedelta(days=1)
    result = b12risk(*run_args(sample_extract, tmp_path, as_of=later))
    assert result.returncode == 2
    line = one_line(result)
    assert "manifest.json" in line and "extracted_on" in line and "--allow-future-as-of" in line
    assert not (tmp_path / "wh.duckdb").exists()


def test_allow_future_as_of_runs_and_marks_every_output(sample_extract, tmp_path):
    later = AS_OF + timedelta(days=30)
    result = b12risk(*run_args(sample_extract, tmp_path, "--allow-future-as-of", as_of=later))
    assert result.returncode == 0, result.stderr
    run_dir = Path(result.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["as_of"] == later.isoformat() and manifest["as_of_after_extract_date"]
    html = (run_dir / "report.html").read_text()
    assert "AS-OF AFTER THE EXTRACT DATE" in html


def test_a_week_date_is_not_an_as_of_date(sample_extract, tmp_path):
    result = b12risk(*run_args(sample_extract, tmp_path), "--as-of", "2026-W44-6")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- 6. hostile manifest


def test_a_manifest_nested_200000_deep_is_refused_in_one_line(extract_copy, tmp_path):
    (extract_copy / "manifest.json").write_bytes(b"[" * 200_000)
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 2
    assert "manifest.json" in one_line(result)


# ---------------------------------------------------------------- 9. inputs checked first

CHECK_FIRST = """
import sys
from flows import cli
code = cli.main(sys.argv[1:])
from flows import local_api
print(code, "prefect" in sys.modules, len(local_api._started), flush=True)
"""


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("missing folder", "is not an extract folder (not found)"),
        ("missing file", "procedures.csv is missing"),
        ("bad manifest", "manifest.json"),
        ("bad config", "config refused"),
        ("raw synthea", "b12risk import synthea"),
        ("raw omop", "b12risk import omop"),
        ("spreadsheet", "patients.xlsx is present: export it as CSV"),
        ("semicolons", "the file looks semicolon-separated"),
    ],
)
def test_a_mistake_in_the_inputs_is_refused_before_prefect_starts(
    extract_copy, tmp_path, case, words
):
    extract, extra = extract_copy, []
    if case == "missing folder":
        extract = tmp_path / "extract-typo"
    elif case == "missing file":
        (extract_copy / "procedures.csv").unlink()
    elif case == "bad manifest":
        (extract_copy / "manifest.json").write_text('{"extracted_on": "9999-12-31"}')
    elif case == "bad config":
        (tmp_path / "bad.toml").write_text("[population\n")
        extra = ["--config", str(tmp_path / "bad.toml")]
    elif case in ("raw synthea", "raw omop"):
        extract = tmp_path / "raw"
        extract.mkdir()
        names = (
            ("patients.csv", "encounters.csv", "conditions.csv", "medications.csv")
            if case == "raw synthea"
            else ("person.csv", "condition_occurrence.csv", "drug_exposure.csv")
        )
        for name in names:
            (extract / name).write_text("Id\n1\n")
    elif case == "spreadsheet":
        (extract_copy / "patients.csv").rename(extract_copy / "patients.xlsx")
    elif case == "semicolons":
        text = (extract_copy / "diagnoses.csv").read_text()
        (extract_copy / "diagnoses.csv").write_text(text.replace(",", ";"))
    done = subprocess.run(
        [sys.executable, "-c", CHECK_FIRST, *run_args(extract, tmp_path, *extra)],
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
    )
    code, prefect_imported, apis_started = done.stdout.split()
    assert code == "2", done.stderr
    assert (prefect_imported, apis_started) == ("False", "0")  # nothing heavy had started
    assert words in one_line(done)


# ---------------------------------------------------------------- 4. error logs

OUT_OF_MEMORY = {"B12RISK_MEMORY_LIMIT": "1MB"}


def test_an_unexpected_failure_is_one_line_and_its_log_is_under_the_reports_folder(
    sample_extract, tmp_path
):
    reports = tmp_path / "elsewhere" / "reports"
    checkout_reports = sorted(p.name for p in (ROOT / "reports").iterdir())
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *run_args(sample_extract, tmp_path)[:-1]]
        + [str(reports)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, **OUT_OF_MEMORY},
    )
    assert done.returncode == 1
    line = one_line(done)
    assert "ERROR" not in done.stderr  # Prefect's error log went to the run's error log
    assert line.startswith("b12risk: unexpected failure (")
    log_path = Path(line.split("details in ")[-1])
    assert log_path.parent.parent == reports and log_path.name == "error.log"
    logged = log_path.read_text()
    assert "Traceback" in logged and "prefect.flow_runs" in logged
    assert (reports / "last-error.log").read_text() == logged
    assert run_folders(reports) == [log_path.parent.name]  # the error log, and no report
    assert sorted(p.name for p in log_path.parent.iterdir()) == ["error.log"]
    assert sorted(p.name for p in (ROOT / "reports").iterdir()) == checkout_reports


# ---------------------------------------------------------------- 1 and 5. storage


@pytest.fixture
def small_disk(tmp_path):
    """Mount tmpfs file systems of a given size (root, Linux); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(name: str, size: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_a_full_disk_under_the_warehouse_is_an_environment_failure(
    published, sample_extract, small_disk, tmp_path
):
    size = published.stat().st_size
    disk = small_disk("disk", str(size + 256 * 1024))
    warehouse = copy_warehouse(published, disk)
    before = warehouse.read_bytes()
    result = b12risk(
        "run", str(sample_extract), "--as-of", AS_OF.isoformat(),
        "--warehouse", str(warehouse), "--reports", str(tmp_path / "reports"),
    )  # fmt: skip
    assert result.returncode == 1
    line = one_line(result)
    assert "extract refused" not in line
    assert f"no space left on device writing {disk}/wh.duckdb.new" in line
    assert "the published warehouse is unchanged" in line
    assert warehouse.read_bytes() == before
    assert sorted(p.name for p in disk.iterdir()) == ["wh.duckdb", "wh.duckdb.lock"]


def test_reports_on_a_full_disk_publish_nothing(published, sample_extract, small_disk, tmp_path):
    reports = small_disk("reports", "64k")
    warehouse = copy_warehouse(published, tmp_path / "wh")
    before = warehouse.read_bytes()
    result = b12risk(
        "run", str(sample_extract), "--as-of", AS_OF.isoformat(),
        "--warehouse", str(warehouse), "--reports", str(reports),
    )  # fmt: skip
    assert result.returncode == 1
    line = one_line(result)
    assert f"no space left on device writing {reports}/." in line
    assert warehouse.read_bytes() == before  # the reports failed: nothing was published
    assert not [p for p in reports.iterdir() if p.suffix == ".partial"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]


# ---------------------------------------------------------------- 11. home


def test_outside_a_home_no_default_warehouse_is_created(sample_extract, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "B12RISK_HOME"}
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(sample_extract)],
        capture_output=True, text=True, timeout=600, cwd=elsewhere, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_line(done)
    assert "no b12risk home" in line and "--warehouse" in line and "B12RISK_HOME" in line
    assert list(elsewhere.iterdir()) == []


def test_b12risk_home_holds_the_default_warehouse_and_reports(sample_extract, tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(sample_extract)],
        capture_output=True, text=True, timeout=600, cwd=elsewhere,
        env={**os.environ, "B12RISK_HOME": str(home)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = dict(ln.split(": ", 1) for ln in done.stdout.strip().splitlines()[-3:])
    assert summary["warehouse"] == str(home / "data" / "warehouse.duckdb")
    assert Path(summary["reports"]).parent == home / "reports"
    assert Path(summary["warehouse"]).is_file() and Path(summary["report"]).is_file()
    assert list(elsewhere.iterdir()) == []


def test_with_only_a_warehouse_the_reports_go_beside_it(sample_extract, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "B12RISK_HOME"}
    warehouse = tmp_path / "store" / "wh.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(sample_extract), "--warehouse",
         str(warehouse)],
        capture_output=True, text=True, timeout=600, cwd=elsewhere, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"reports: {warehouse.parent / 'reports'}" in done.stdout
    assert list(elsewhere.iterdir()) == []


# ---------------------------------------------------------------- 13. symbolic links


def test_a_symlinked_warehouse_updates_its_target(published, sample_extract, tmp_path):
    real = copy_warehouse(published, tmp_path / "real")
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    result = b12risk(
        *run_args(sample_extract, tmp_path)[:4], "--warehouse", str(link),
        "--reports", str(tmp_path / "reports"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real
    assert f"warehouse: {real}" in result.stdout
    assert (real.parent / "wh.duckdb.lock").exists() and not Path(f"{link}.lock").exists()
    with duckdb.connect(str(real), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(2,)]


# ---------------------------------------------------------------- 16. mostly quarantined


def day_first(extract: Path) -> None:
    """diagnoses.csv with every recorded_on written DD/MM/YYYY."""
    path = extract / "diagnoses.csv"
    lines = path.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        *rest, recorded = line.split(",")
        y, m, d = recorded.split("-")
        out.append(",".join([*rest, f"{d}/{m}/{y}"]))
    path.write_text("\n".join(out) + "\n")


def test_a_table_mostly_quarantined_refuses_the_extract_with_a_hint(
    published, extract_copy, tmp_path
):
    day_first(extract_copy)
    warehouse = copy_warehouse(published, tmp_path / "wh")
    before = warehouse.read_bytes()
    result = b12risk(
        *run_args(extract_copy, tmp_path)[:4], "--warehouse", str(warehouse),
        "--reports", str(tmp_path / "reports"),
    )  # fmt: skip
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("b12risk: extract refused: diagnoses.csv has 100% of its rows")
    assert "most often for rule recorded_on_date" in line
    assert "recorded_on looks like DD/MM/YYYY" in line
    assert warehouse.read_bytes() == before


def test_a_few_quarantined_rows_are_a_warning_in_the_summary(extract_copy, tmp_path):
    path = extract_copy / "procedures.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",yesterday"
    path.write_text("\n".join(lines) + "\n")
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("b12risk: warning: ")]
    assert any(
        "procedures.csv" in w and "of its rows quarantined" in w and "performed_on_date" in w
        for w in warnings
    )


def test_weakened_disclosure_thresholds_are_refused_before_anything_runs(extract_copy, tmp_path):
    """Issue 9.7: `suppress_max = 0` and `round_to = 1` in a config copy published 439 cells of
    1-7 marked as disclosure controlled. Now: exit 2 at preflight, naming the setting."""
    weak = (ROOT / "data" / "config" / "cohorts.toml").read_text()
    weak = weak.replace("suppress_max = 7", "suppress_max = 0").replace(
        "round_to = 5", "round_to = 1"
    )
    (tmp_path / "weak.toml").write_text(weak)
    result = b12risk(*run_args(extract_copy, tmp_path, "--config", str(tmp_path / "weak.toml")))
    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert "suppress_max = 0" in line and "--no-disclosure-control" in line
    assert not (tmp_path / "wh.duckdb").exists() and run_folders(tmp_path / "reports") == []


def test_weakened_thresholds_run_only_without_control_and_every_output_says_so(
    extract_copy, tmp_path
):
    weak = (ROOT / "data" / "config" / "cohorts.toml").read_text()
    (tmp_path / "weak.toml").write_text(weak.replace("suppress_max = 7", "suppress_max = 0"))
    args = run_args(extract_copy, tmp_path, "--config", str(tmp_path / "weak.toml"))
    result = b12risk(*args, "--no-disclosure-control")
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "reports").iterdir()
    assert "NOT FOR RELEASE" in (run_dir / "report.html").read_text()
    with open(run_dir / "gap_summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {r["disclosure_control"] for r in rows} == {"False"}
