"""The `b12risk` command end to end, as a user runs it: a separate process, real files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import AS_OF

pytestmark = pytest.mark.slow

PUBLIC_TABLES = {
    "patients",
    "diagnoses",
    "prescriptions",
    "lab_results",
    "procedures",
    "quarantine",
    "runs",
    "cohort_membership",
    "patient_cohorts",
    "cohort_attrition",
    "screening_status",
    "screening_status_history",
}


def b12risk(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ},
    )


def run_args(extract: Path, tmp_path: Path, *extra: str, as_of=AS_OF) -> list[str]:
    return [
        "run",
        str(extract),
        *(["--as-of", as_of.isoformat()] if as_of else []),
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
        "--reports",
        str(tmp_path / "reports"),
        *extra,
    ]


def test_run_publishes_a_warehouse_and_a_report(sample_extract, tmp_path):
    result = b12risk(*run_args(sample_extract, tmp_path))
    assert result.returncode == 0, result.stderr
    report = Path(result.stdout.strip().splitlines()[-1].removeprefix("report: "))
    assert report.is_file() and report.name == "report.html"
    run_dir = report.parent
    for name in ("manifest.json", "validation.json", "gap_summary.csv", "gap_summary.parquet"):
        assert (run_dir / name).is_file(), name
    assert not (run_dir / "sensitive").exists()  # worklists only on request
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF.isoformat()
    assert set(manifest["stage_seconds"]) >= {"ingest", "validate", "cohorts", "status", "report"}
    assert manifest["extract"]["inspection_seconds"] > 0  # made ahead of the flow: its own cost
    assert {c["concept"] for c in manifest["codelists"]} >= {"metformin", "b12_tests"}
    assert all(len(c["sha256"]) == 64 for c in manifest["codelists"])
    not_judged = manifest["lab_results_not_judged"]
    assert set(not_judged) >= {"n_unknown_unit", "n_without_value"}
    assert all(
        v is None or (v % 5 == 0 and not 1 <= v <= 7)
        for v in (not_judged["n_unknown_unit"], not_judged["n_without_value"])
    )
    exact = json.loads((run_dir / "restricted" / "manifest.json").read_text())
    assert exact["reconciliation"] and set(exact["reconciliation"]) == set(
        manifest["reconciliation"]
    )
    for table, counts in exact["reconciliation"].items():
        assert counts["read"] == counts["loaded"] + counts["quarantined"], table
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        names = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()"
            ).fetchall()
        }
        assert PUBLIC_TABLES <= names
        assert con.execute("SELECT count(*) FROM screening_status").fetchall()[0][0] > 0
        assert con.execute("SELECT status FROM runs").fetchall() == [("published",)]
    with open(run_dir / "gap_summary.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert "patient_id" not in header
    assert {"n_at_risk", "n_gap"} <= set(header)


def test_worklists_are_written_only_when_asked(sample_extract, tmp_path):
    result = b12risk(*run_args(sample_extract, tmp_path, "--worklists"))
    assert result.returncode == 0, result.stderr
    run_dir = Path(result.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent
    worklists = list((run_dir / "sensitive").glob("worklist_*.csv"))
    assert worklists
    with open(worklists[0], newline="") as handle:
        assert "patient_id" in next(csv.reader(handle))


def test_a_missing_column_is_refused_with_exit_2_and_the_warehouse_untouched(
    sample_extract, extract_copy, tmp_path
):
    assert b12risk(*run_args(sample_extract, tmp_path)).returncode == 0
    before = (tmp_path / "wh.duckdb").read_bytes()
    patients = extract_copy / "patients.csv"
    lines = patients.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("sex")
    patients.write_text(
        "\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != drop) for line in lines)
        + "\n"
    )
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 2
    refusals = [line for line in result.stderr.splitlines() if "refused" in line]
    assert len(refusals) == 1 and "patients.csv" in refusals[0] and "sex" in refusals[0]
    assert "WARNING" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (tmp_path / "wh.duckdb").read_bytes() == before


def test_an_identifying_column_is_refused(extract_copy, tmp_path):
    patients = extract_copy / "patients.csv"
    lines = patients.read_text().splitlines()
    patients.write_text(
        "\n".join([lines[0] + ",postcode"] + [ln + ",AB1 2CD" for ln in lines[1:]]) + "\n"
    )
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 2
    assert "postcode" in result.stderr and "patients.csv" in result.stderr
    assert "AB1 2CD" not in result.stderr + result.stdout
    assert not (tmp_path / "wh.duckdb").exists()


def test_bad_arguments_exit_2_without_a_traceback(tmp_path):
    result = b12risk("run", str(tmp_path / "nowhere"), "--as-of", "2026-02-30")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_generate_writes_the_contract_files(tmp_path):
    result = b12risk(
        "generate",
        "--patients",
        "300",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "x"),
        "--as-of",
        "2026-01-31",
        "--format",
        "parquet",
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "x").iterdir())
    assert names == [
        "diagnoses.parquet",
        "lab_results.parquet",
        "manifest.json",
        "patients.parquet",
        "prescriptions.parquet",
        "procedures.parquet",
    ]


def test_an_unknown_harmless_column_is_ignored_with_a_warning(extract_copy, tmp_path):
    diagnoses = extract_copy / "diagnoses.csv"
    lines = diagnoses.read_text().splitlines()
    diagnoses.write_text(
        "\n".join([lines[0] + ",clinic_room"] + [ln + ",7" for ln in lines[1:]]) + "\n"
    )
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert any("diagnoses" in w and "clinic_room" in w for w in warnings)


def test_import_converts_public_synthea_data_into_an_extract(shared_data, tmp_path):
    result = b12risk(
        "import", "synthea", str(shared_data / "synthea_unmc_ne111"), "--out", str(tmp_path / "x")
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x" / "patients.csv").is_file()
    run = b12risk(*run_args(tmp_path / "x", tmp_path, as_of=None))  # as of its extracted_on
    assert run.returncode == 0, run.stderr


def test_import_of_a_folder_without_patients_is_refused(tmp_path):
    result = b12risk("import", "omop", str(tmp_path), "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_a_bad_config_is_refused_before_the_run_starts(sample_extract, tmp_path):
    config = tmp_path / "cohorts.toml"
    config.write_text("[population]\nmin_age = 16\n")  # no cohorts, eras, screening
    result = b12risk(*run_args(sample_extract, tmp_path, "--config", str(config)))
    assert result.returncode == 2
    assert "config" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_config_file_overrides_the_default_cohorts(sample_extract, tmp_path):
    from b12risk.config import DEFAULT_CONFIG

    config = tmp_path / "cohorts.toml"
    text = DEFAULT_CONFIG.read_text().replace(
        'name = "older_adults"', 'name = "older_adults"\nenabled = false'
    )
    config.write_text(text.replace("min_era_days = 1095", "min_era_days = 730"))
    result = b12risk(*run_args(sample_extract, tmp_path, "--config", str(config)))
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        labels = {r[0] for r in con.execute("SELECT label FROM cohort_attrition").fetchall()}
        columns = {r[0] for r in con.execute("DESCRIBE patient_cohorts").fetchall()}
        shortest = con.execute(
            "SELECT min(era_days) FROM cohort_membership WHERE cohort = 'long_term_metformin'"
        ).fetchall()[0][0]
    assert "older_adults" not in labels and "older_adults" not in columns
    assert "long_term_metformin" in labels
    assert 730 <= shortest < 1095  # the overridden threshold took effect
