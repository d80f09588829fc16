"""Dates as users and suppliers write them: plain YYYY-MM-DD, and the range an analysis date
can have.

`date.fromisoformat` alone is too lenient for a contract: on Python 3.11 it also reads ISO week
dates (`2026-W48-1` is 2026-11-23) and basic forms (`20261123`).
"""

from __future__ import annotations

import re
from datetime import date

PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The earliest extract date accepted: electronic primary-care records with coded B12 tests and
# prescriptions begin in the 1990s; an earlier date is a placeholder (0001-01-01) or a typo.
EARLIEST_EXTRACT_DATE = date(1990, 1, 1)


def plain_date(text: str) -> date:
    """A real calendar date written exactly YYYY-MM-DD; ValueError otherwise."""
    if not isinstance(text, str) or not PLAIN_DATE.fullmatch(text):
        raise ValueError("not a date written YYYY-MM-DD")
    return date.fromisoformat(text)


def extract_date_problem(extracted_on: date, today: date | None = None) -> str | None:
    """Why `extracted_on` cannot be the date of an extract (None when it can): after today
    (`9999-12-31`, `2099-01-01`) or before EARLIEST_EXTRACT_DATE (`0001-01-01`)."""
    today = today or date.today()
    if extracted_on > today:
        return f"is after today ({today.isoformat()})"
    if extracted_on < EARLIEST_EXTRACT_DATE:
        return f"is before {EARLIEST_EXTRACT_DATE.isoformat()}"
    return None


def future_as_of_problem(
    as_of: date, extracted_on: date | None, today: date
) -> tuple[str, str] | None:
    """(where, why) when `as_of` is after the extract's date (its extracted_on, else today):
    it would count events the extract cannot hold. None when it is not."""
    extract_date = extracted_on or today
    if as_of <= extract_date:
        return None
    where, what = (
        ("manifest.json", f"'extracted_on' {extract_date.isoformat()}")
        if extracted_on
        else ("--as-of", f"today ({extract_date.isoformat()}; the manifest has no extracted_on)")
    )
    return where, (
        f"--as-of {as_of.isoformat()} is after {what}: events after the extract date are not "
        "in the extract; give --allow-future-as-of to run anyway (the outputs are marked)"
    )
