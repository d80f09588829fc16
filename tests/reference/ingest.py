"""A small, plain-Python reference of the extract contract's row rules, written from the
contract's words (not from the implementation), for the property tests to compare against.

Rows are dicts of raw text as in a CSV file; None or "" is a missing value.
"""

from __future__ import annotations

import math
import re
from datetime import date

from schemas.codes import CODE_SYSTEMS, code_format_valid
from schemas.rules import rule_order

INVALID = object()  # a value present in the file that is not valid for its type

_INTEGER = re.compile(r"-?[0-9]{1,9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_PATIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
DATE_COLUMNS = {
    "diagnoses": "recorded_on",
    "prescriptions": "issued_on",
    "lab_results": "taken_on",
    "procedures": "performed_on",
}


def text(value):
    return None if value in (None, "") else value


def parse_integer(value):
    value = text(value)
    if value is None:
        return None
    return int(value) if _INTEGER.fullmatch(value) else INVALID


def parse_date(value):
    value = text(value)
    if value is None:
        return None
    if not _DATE.fullmatch(value):
        return INVALID
    try:
        return date.fromisoformat(value)
    except ValueError:
        return INVALID


def parse_number(value):
    value = text(value)
    if value is None:
        return None
    if not _NUMBER.fullmatch(value):
        return INVALID
    number = float(value)
    return number if math.isfinite(number) else INVALID


def _ordered(rules: set[str]) -> list[str]:
    return sorted(rules, key=rule_order)


def _optional(broken: set[str], value, unreadable: str, out_of_range: str, ok) -> None:
    """A value that may be missing; when present it must parse and satisfy `ok`."""
    if value is INVALID:
        broken.add(unreadable)
    elif value is not None and not ok(value):
        broken.add(out_of_range)


def _patient_id(broken: set[str], row: dict, wrong: str | None) -> str | None:
    """patient_id rules; `wrong` is the rule a present, well-formed id may still break."""
    pid = text(row.get("patient_id"))
    if pid is None:
        broken.add("patient_id_required")
        return None
    if not _PATIENT_ID.fullmatch(pid):
        broken.add("patient_id_pattern")
    if wrong:
        broken.add(wrong)
    return pid


def patient_rules(row: dict, id_count: int, extract_date: date) -> list[str]:
    broken: set[str] = set()
    _patient_id(broken, row, "patient_id_duplicated" if id_count > 1 else None)
    yob = parse_integer(row.get("year_of_birth"))
    if yob is None:
        broken.add("year_of_birth_required")
    elif yob is INVALID:
        broken.add("year_of_birth_integer")
    elif not 1900 <= yob <= extract_date.year:
        broken.add("year_of_birth_range")
    _optional(
        broken,
        parse_integer(row.get("month_of_birth")),
        "month_of_birth_integer",
        "month_of_birth_range",
        lambda m: 1 <= m <= 12,
    )
    sex = text(row.get("sex"))
    if sex is None:
        broken.add("sex_required")
    elif sex not in ("F", "M", "I", "U"):
        broken.add("sex_allowed")
    practice = text(row.get("practice_id"))
    if practice is None:
        broken.add("practice_id_required")
    elif not re.fullmatch(r"[A-Za-z0-9_.\- ]{1,64}", practice):
        broken.add("practice_id_pattern")
    for name in ("registered_on", "deregistered_on", "died_on"):
        day = parse_date(row.get(name))
        if day is INVALID:
            broken.add(f"{name}_date")
        elif day is not None:
            before_birth = isinstance(yob, int) and yob is not INVALID and day.year < yob
            if before_birth or day > extract_date:
                broken.add(f"{name}_range")
    return _ordered(broken)


def event_rules(table: str, row: dict, patients: dict[str, int], extract_date: date) -> list[str]:
    """`patients`: the loaded patients (id -> year of birth)."""
    broken: set[str] = set()
    known = text(row.get("patient_id")) in patients
    pid = _patient_id(broken, row, None if known else "event_patient_unknown")
    system, code = text(row.get("code_system")), text(row.get("code"))
    if system is None:
        broken.add("code_system_required")
    elif system not in CODE_SYSTEMS:
        broken.add("code_system_supported")
    if code is None:
        broken.add("code_required")
    if system in CODE_SYSTEMS and code is not None and not code_format_valid(system, code):
        broken.add(f"code_format_{system.lower()}")
    column = DATE_COLUMNS[table]
    day = parse_date(row.get(column))
    if day is None:
        broken.add(f"{column}_required")
    elif day is INVALID:
        broken.add(f"{column}_date")
    else:
        if pid in patients and day.year < patients[pid]:
            broken.add("event_before_birth")
        if day > extract_date:
            broken.add("event_after_extract_date")
    if table == "prescriptions":
        supply = parse_integer(row.get("days_supply"))
        _optional(
            broken, supply, "days_supply_integer", "days_supply_range", lambda d: 1 <= d <= 365
        )
        dose = parse_number(row.get("daily_dose_mg"))
        _optional(broken, dose, "daily_dose_mg_number", "daily_dose_mg_positive", lambda d: d > 0)
    if table == "lab_results":
        value = parse_number(row.get("value"))
        _optional(broken, value, "value_number", "value_non_negative", lambda v: v >= 0)
    return _ordered(broken)


def expected_quarantine(
    tables: dict[str, list[dict]], extract_date: date
) -> dict[tuple[str, int], list[str]]:
    """(table, 1-based row) -> rules, for every row the contract says must be quarantined."""
    patients = tables.get("patients", [])
    counts: dict[str, int] = {}
    for row in patients:
        pid = text(row.get("patient_id"))
        if pid is not None:
            counts[pid] = counts.get(pid, 0) + 1
    found: dict[tuple[str, int], list[str]] = {}
    loaded: dict[str, int] = {}
    for i, row in enumerate(patients, start=1):
        pid = text(row.get("patient_id"))
        rules = patient_rules(row, counts.get(pid, 0) if pid else 0, extract_date)
        if rules:
            found[("patients", i)] = rules
        else:
            loaded[pid] = parse_integer(row["year_of_birth"])
    for table in DATE_COLUMNS:
        for i, row in enumerate(tables.get(table, []), start=1):
            rules = event_rules(table, row, loaded, extract_date)
            if rules:
                found[(table, i)] = rules
    return found
