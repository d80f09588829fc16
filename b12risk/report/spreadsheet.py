"""Every CSV the product writes goes through `write_csv`: safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a
formula by Excel or LibreOffice (`=HYPERLINK("http://…"&A1,"x")`, `+cmd|' /C calc'!A0`). OWASP's
rule: such a cell is written with a leading single quote, which spreadsheets show as text.
Numbers (negative ones included) in numeric columns and dates are written as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from b12risk.shown import shown

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell as a spreadsheet may show it (control and bidi characters as visible
    escapes, a formula as text); anything else unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return shown(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text column's cells made safe (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if is_numeric_dtype(series) or is_bool_dtype(series):
            continue
        out[column] = series.map(safe_cell, na_action="ignore")
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as CSV (no index, empty for missing, \\n line ends), every cell safe."""
    safe_frame(frame).to_csv(path, index=False, na_rep="", lineterminator="\n")
