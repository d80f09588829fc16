"""Recognise the shape of texts that broke a rule, to say what the file probably holds instead.

A table mostly quarantined is usually one systematic difference: dates written DD/MM/YYYY, a
decimal comma, another delimiter, a spreadsheet instead of a CSV file. The hint names the shape
only (`recorded_on looks like DD/MM/YYYY`), never a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The share of sampled texts that must have a shape for the hint to name it.
MAJORITY = 0.5

_SLASHED = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_DATE_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("YYYY/MM/DD", re.compile(r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}")),
    ("YYYYMMDD", re.compile(r"[0-9]{8}")),
    ("a date and a time (write the date only)", re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ].+")),
    (
        "a date without leading zeros (write YYYY-MM-DD)",
        re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"),
    ),
)
_DECIMAL_COMMA = re.compile(r"[-+]?[0-9]+,[0-9]+")
DELIMITERS = ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"))


def date_shape(texts: Sequence[str]) -> str | None:
    """The common shape of texts that are not YYYY-MM-DD dates, if most share one."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        return None
    slashed = [m for t in texts if (m := _SLASHED.fullmatch(t))]
    if len(slashed) > MAJORITY * len(texts):
        sep = _separator(slashed[0].group(0))
        firsts = [int(m.group(1)) for m in slashed]
        seconds = [int(m.group(2)) for m in slashed]
        if max(firsts) > 12 and max(seconds) <= 12:
            return f"DD{sep}MM{sep}YYYY"
        if max(seconds) > 12 and max(firsts) <= 12:
            return f"MM{sep}DD{sep}YYYY"
        return f"DD{sep}MM{sep}YYYY or MM{sep}DD{sep}YYYY"
    for name, pattern in _DATE_SHAPES:
        if sum(bool(pattern.fullmatch(t)) for t in texts) > MAJORITY * len(texts):
            return name
    return None


def number_shape(texts: Sequence[str]) -> str | None:
    texts = [t.strip() for t in texts if t and t.strip()]
    if texts and sum(bool(_DECIMAL_COMMA.fullmatch(t)) for t in texts) > MAJORITY * len(texts):
        return "a number with a decimal comma (write 12.5, not 12,5)"
    return None


def line_shape(text: str, lines: int) -> dict[str, int]:
    """What quarantine keeps of a malformed line instead of its text: its length in
    characters, its physical lines, its comma-separated fields and how many of each other
    delimiter it holds."""
    return {
        "line_length": len(text),
        "line_count": lines,
        "fields": text.count(",") + 1,
        **{name: text.count(delimiter) for delimiter, name in DELIMITERS},
    }


def delimiter_shape(shapes: Sequence[dict], n_columns: int) -> str | None:
    """'semicolon' (etc.) when most malformed lines (their `line_shape`s) split into the
    header's column count on another delimiter than the comma."""
    shapes = [s for s in shapes if "line_length" in s]
    if not shapes or n_columns < 2:
        return None
    for _, name in DELIMITERS:
        fitting = sum(s.get(name, 0) >= n_columns - 1 for s in shapes)
        if fitting > MAJORITY * len(shapes):
            return name
    return None


def _separator(text: str) -> str:
    return next(c for c in text if c in "/.-")


def header_delimiter(header: Sequence[str]) -> str | None:
    """'semicolon' (etc.) when a header read as comma-separated is one field that another
    delimiter splits into several names."""
    if len(header) != 1:
        return None
    return next((name for delimiter, name in DELIMITERS if delimiter in header[0]), None)
