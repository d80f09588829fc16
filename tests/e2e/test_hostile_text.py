"""Identifying headers however spelled, and text from the input that must never reach a
terminal, report.html or a CSV raw (issue 9.1 and 9.5), through the `b12risk` command."""

from __future__ import annotations

import json
import unicodedata

import pytest

from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

HIDDEN = {"Cc", "Cf", "Zl", "Zp"}


def raw_characters(text: str) -> list[str]:
    """Control, format and bidi characters in `text`, but the line ends of a text file."""
    return [c for c in text if unicodedata.category(c) in HIDDEN and c not in "\n"]


def add_column(path, name, value):
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [lines[0] + "," + name] + [line + "," + value for line in lines[1:]]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "header",
    ["pt_name", "nhs\u200b_number", "nhs_numb\u0435r", "\uff4e\uff48\uff53", "d.o.b", "MRN"],
)
def test_an_identifying_header_however_spelled_is_refused(extract_copy, tmp_path, header):
    add_column(extract_copy / "patients.csv", header, "SECRET-VALUE")
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "patients.csv" in lines[0] and "identifies a person" in lines[0]
    assert "SECRET-VALUE" not in result.stderr + result.stdout
    assert not raw_characters(result.stderr), "the column name reached the terminal raw"
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_header_with_an_escape_is_refused_and_shown_escaped(extract_copy, tmp_path):
    add_column(extract_copy / "diagnoses.csv", "room\x1b[2J\x1b[H", "7")
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 2, result.stderr
    assert "\x1b" not in result.stderr
    assert "room\\x1b[2J\\x1b[H" in result.stderr and "control character" in result.stderr


def test_names_from_the_input_reach_no_terminal_report_or_csv_raw(extract_copy, tmp_path):
    add_column(extract_copy / "diagnoses.csv", "clinic\u202eroom", "7")
    add_column(extract_copy / "lab_results.csv", "analyser\u2066id", "A1")
    (extract_copy / "readme\u202etxt.exe").write_text("hello")
    manifest = json.loads((extract_copy / "manifest.json").read_text())
    manifest["\u2028bidi\u202ekey"] = "x"
    (extract_copy / "manifest.json").write_text(json.dumps(manifest))
    result = b12risk(*run_args(extract_copy, tmp_path))
    assert result.returncode == 0, result.stderr
    assert not raw_characters(result.stdout + result.stderr)
    assert "clinic\\u202eroom" in result.stderr and "readme\\u202etxt.exe" in result.stderr
    reports = tmp_path / "reports"
    written = [p for p in reports.rglob("*") if p.suffix in {".html", ".csv", ".json", ".md"}]
    assert any(p.name == "report.html" for p in written)
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not raw_characters(text), f"{path.relative_to(reports)} holds raw input text"
