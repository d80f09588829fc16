"""Issue 9.6: the published folder holds only outputs that went through disclosure control.

`validation.json` and `manifest.json` sat in `reports/<run_id>/` with exact per-table and
per-rule counts (1 row quarantined for patient_id_pattern) while report.html suppressed the
same numbers. This walks every file of the published folder and checks every count it finds
against the rule; the exact reconciliation is in restricted/ (and the warehouse) only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from b12risk.report.disclosure import PUBLISHED_POLICY
from b12risk.report.release import NOT_COUNTS_OF_PEOPLE, PRIVATE_DIRS
from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

COUNT_KEYS = {"read", "loaded", "quarantined", "malformed_lines"}
BAD_PATIENT = "BAD ID!,1950,1,F,A81004,2000-01-01,,\n"  # breaks patient_id_pattern: 1 row


def releasable(value) -> bool:
    """0, or above the threshold and a multiple of the rounding; None is suppressed."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    value = int(value)
    return value == 0 or (
        value > PUBLISHED_POLICY.suppress_max and value % PUBLISHED_POLICY.round_to == 0
    )


def json_counts(node, key=None, parent=None):
    """(where, value) of every count in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from json_counts(v, k, key)
    elif isinstance(node, list):
        for v in node:
            yield from json_counts(v, key, parent)
    elif isinstance(node, int) and not isinstance(node, bool):
        if key in NOT_COUNTS_OF_PEOPLE:
            return
        if str(key).startswith("n_") or key in COUNT_KEYS or parent == "rule_counts":
            yield f"{parent}.{key}", node


def frame_counts(frame: pd.DataFrame):
    for column in frame.columns:
        if column.startswith("n_"):
            for value in frame[column]:
                yield column, None if pd.isna(value) else int(value)


def html_counts(text: str):
    """Counts on the page: numeric table cells, headline values, chart notes, population."""

    def number(s: str) -> int:
        return int(s.replace(",", ""))

    count = r"(\d[\d,]*)"
    for cell in re.findall(r'<td class="n">([^<]*)</td>', text):
        if re.fullmatch(count, cell.strip()):
            yield "td", number(cell.strip())
    for value in re.findall(r'<span class="value">' + count + "</span>", text):
        yield "headline", number(value)
    for a, b in re.findall(r"\(" + count + " of " + count + r"\)", text):
        yield "chart note", number(a)
        yield "chart note", number(b)
    for value in re.findall(r"Population checked: " + count, text):
        yield "population", number(value)


@pytest.fixture(scope="module")
def run_dir(sample_extract, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("release")
    extract = home / "extract"
    extract.mkdir()
    for source in sample_extract.iterdir():
        (extract / source.name).write_bytes(source.read_bytes())
    with open(extract / "patients.csv", "a", encoding="utf-8") as handle:
        handle.write(BAD_PATIENT)
    result = b12risk(*run_args(extract, home, "--worklists"))
    assert result.returncode == 0, result.stderr
    (folder,) = (home / "reports").iterdir()
    return folder


def test_every_count_in_the_published_folder_passes_disclosure_control(run_dir):
    seen: dict[str, int] = {}
    for path in sorted(run_dir.rglob("*")):
        relative = path.relative_to(run_dir)
        if path.is_dir() or relative.parts[0] in PRIVATE_DIRS:
            continue
        if path.suffix == ".json":
            counts = list(json_counts(json.loads(path.read_text())))
        elif path.suffix == ".csv":
            counts = list(frame_counts(pd.read_csv(path)))
        elif path.suffix == ".parquet":
            counts = list(frame_counts(pd.read_parquet(path)))
        elif path.suffix == ".html":
            counts = list(html_counts(path.read_text()))
        else:
            pytest.fail(f"{relative}: a published file this test cannot read")
        bad = [(where, v) for where, v in counts if not releasable(v)]
        assert not bad, f"{relative}: counts that escaped disclosure control: {bad[:5]}"
        seen[str(relative)] = len(counts)
    # the walk found counts in every kind of file it knows (it is not vacuous)
    assert {"validation.json", "manifest.json", "gap_summary.csv", "report.html"} <= set(seen)
    assert all(seen[name] > 0 for name in ("validation.json", "manifest.json", "report.html"))


def test_the_exact_reconciliation_is_in_restricted_only(run_dir):
    exact = json.loads((run_dir / "restricted" / "validation.json").read_text())
    published = json.loads((run_dir / "validation.json").read_text())
    patients = exact["tables"]["patients"]
    assert patients["quarantined"] == 1 and patients["rule_counts"]["patient_id_pattern"] == 1
    assert patients["read"] == patients["loaded"] + 1
    shown = published["tables"]["patients"]
    assert shown["quarantined"] is None and shown["rule_counts"]["patient_id_pattern"] is None
    assert "not for release" in published["exact_counts"]
    manifest = json.loads((run_dir / "restricted" / "manifest.json").read_text())
    assert manifest["reconciliation"]["patients"]["quarantined"] == 1


def test_every_csv_the_run_writes_is_safe_to_open_in_a_spreadsheet(run_dir):
    """Issue 9.4: gap_summary.csv and the worklists (which clinicians open in Excel)."""
    import csv

    from b12risk.report.spreadsheet import FORMULA_STARTS

    written = sorted(run_dir.rglob("*.csv"))
    assert any(p.parent.name == "sensitive" for p in written) and len(written) > 1
    for path in written:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(FORMULA_STARTS):
                        float(cell)  # only a number may start so (a negative count or rate)
