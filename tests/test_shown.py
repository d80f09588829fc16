"""`shown()`: the one sanitiser of text from the input (issue 9.5)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b12risk.report.html import escape
from b12risk.report.spreadsheet import safe_cell
from b12risk.shown import HIDDEN_CATEGORIES, shown

CASES = [
    # (text, shown)
    ("practice_id", "practice_id"),
    ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
    ("over\rwrite", "over\\x0dwrite"),
    ("two\nlines", "two\\x0alines"),
    ("NUL\x00", "NUL\\x00"),
    ("C1\x9b", "C1\\x9b"),
    ("abc\u202egnp.exe", "abc\\u202egnp.exe"),
    ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028sep", "line\\u2028sep"),
    ("tag\U000e0041", "tag\\U000e0041"),
    ("Zoë café", "Zoë café"),
    ("emoji \U0001f600", "emoji \U0001f600"),
    ("non\u00a0breaking", "non\u00a0breaking"),
    ("back\\slash", "back\\slash"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_shown(text, expected):
    assert shown(text) == expected


@given(st.text())
def test_shown_leaves_no_hidden_character_and_is_idempotent(text):
    out = shown(text)
    assert not [c for c in out if unicodedata.category(c) in HIDDEN_CATEGORIES]
    assert shown(out) == out
    if text.isprintable():
        assert out == text


@given(st.text())
def test_html_and_csv_text_go_through_shown(text):
    assert not [c for c in escape(text) if unicodedata.category(c) in HIDDEN_CATEGORIES]
    cell = safe_cell(text)
    assert not [c for c in cell if unicodedata.category(c) in HIDDEN_CATEGORIES]
    assert not cell.startswith(("=", "+", "-", "@"))
