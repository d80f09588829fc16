"""The disclosure audit at the end of every run and through `b12risk audit-disclosure`, on
generated extracts with many small practices and two consecutive as-of dates (issue 9.8)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from tests.e2e.test_cli import b12risk

pytestmark = pytest.mark.slow

DAY2 = date(2026, 10, 31)
KEYS = ["cohort", "breakdown", "group"]
COUNTS = [
    "n_at_risk",
    "n_gap",
    "n_abnormal_untreated",
    "n_never_tested",
    "n_overdue",
    "n_excluded_on_treatment",
    "n_due_soon",
    "n_up_to_date",
]


def summary(folder):
    frame = pd.read_csv(folder / "gap_summary.csv", keep_default_na=False, na_values=[""])
    return frame[frame["breakdown"] != "status"].set_index(KEYS)[COUNTS]


@pytest.fixture(scope="module", params=[(1_500, 60, 5), (2_500, 90, 8)], ids=["60", "90"])
def two_runs(request, tmp_path_factory):
    patients, practices, seed = request.param
    root = tmp_path_factory.mktemp(f"audit{practices}")
    extract = root / "extract"
    made = b12risk(
        "generate",
        "--patients",
        str(patients),
        "--seed",
        str(seed),
        "--practices",
        str(practices),
        "--out",
        str(extract),
        "--as-of",
        DAY2.isoformat(),
    )
    assert made.returncode == 0, made.stderr
    folders = []
    for as_of in (DAY2 - timedelta(days=1), DAY2):
        result = b12risk(
            "run",
            str(extract),
            "--as-of",
            as_of.isoformat(),
            "--warehouse",
            str(root / "wh.duckdb"),
            "--reports",
            str(root / "reports"),
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
        folders.append(
            root / "reports" / result.stdout.split("reports: ")[1].split()[0].split("/")[-1]
        )
    return folders


def test_every_run_proves_its_own_release_safe(two_runs):
    for folder in two_runs:
        audit = json.loads((folder / "restricted" / "disclosure_audit.json").read_text())
        alone = audit["alone"]
        assert alone["passed"] is True and alone["k"] is None and alone["cells"]
        assert all(c["verdict"] in ("safe", "proven large") for c in alone["cells"])
    first = json.loads((two_runs[0] / "restricted" / "disclosure_audit.json").read_text())
    assert first["with_previous"] is None
    second = json.loads((two_runs[1] / "restricted" / "disclosure_audit.json").read_text())
    assert second["with_previous"]["k"] == 1, "audited with the first run's release"


def test_the_command_agrees_with_the_run(two_runs):
    day1, day2 = two_runs
    alone = b12risk("audit-disclosure", str(day1))
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.startswith("disclosure audit passed:")
    both = b12risk("audit-disclosure", str(day2), "--previous", str(day1))
    recorded = json.loads((day2 / "restricted" / "disclosure_audit.json").read_text())
    assert both.returncode == (0 if recorded["with_previous"]["passed"] else 3), both.stderr
    if both.returncode == 3:
        assert "gap_summary" in both.stderr and "rows, n_" in both.stderr
        assert "Traceback" not in both.stderr


def test_a_cell_hidden_yesterday_is_published_today_only_well_above_the_threshold(two_runs):
    day1, day2 = (summary(f) for f in two_runs)
    both = day1.add_suffix("_1").join(day2.add_suffix("_2"), how="inner")
    for column in COUNTS:
        released = both[both[f"{column}_1"].isna() & both[f"{column}_2"].notna()]
        assert (released[f"{column}_2"] >= 15).all(), column  # above 7 + 2 + 2 + 1, rounded


def test_declared_equalities_are_published_alike(two_runs):
    for folder in two_runs:
        rows = summary(folder)
        for band in ("75–84", "85+"):
            a = rows.loc[("any_cohort", "age_band", band)]
            b = rows.loc[("older_adults", "age_band", band)]
            assert a.isna().tolist() == b.isna().tolist()
            assert a.fillna(-1).tolist() == b.fillna(-1).tolist()


def test_a_folder_made_without_disclosure_control_is_not_audited(sample_extract, tmp_path):
    result = b12risk(
        "run",
        str(sample_extract),
        "--as-of",
        DAY2.isoformat(),
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
        "--reports",
        str(tmp_path / "r"),
        "--no-disclosure-control",
    )
    assert result.returncode == 0, result.stderr
    folder = next((tmp_path / "r").glob("2*"))
    refused = b12risk("audit-disclosure", str(folder))
    assert refused.returncode == 2 and "NOT FOR RELEASE" in refused.stderr
    missing = b12risk("audit-disclosure", str(tmp_path))
    assert missing.returncode == 2 and "no published gap summary" in missing.stderr
