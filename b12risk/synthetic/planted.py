"""The planted patients: hand-designed cases in every synthetic extract, with the result the
rules must give for each (data/generator/planted_patients.csv; their events are in
planted_events.csv, dated relative to the extract date D).

`PLANTED` lists one dict per patient:

    {"patient_id": "PLANT-020", "case": "metformin era of exactly 1095 days ...",
     "in_population": True, "cohorts": ("long_term_metformin",), "status": "never_tested",
     "earlier": None}

`cohorts` are sorted cohort names (empty: in no cohort); `status` is the screening status, or
None for a patient outside the population or in no cohort. `earlier`, where given, is the same
for an analysis as of D - EARLIER_AS_OF_DAYS (events after that date must not count), e.g.
`b12risk run --as-of <D - 400 days>` on the same extract.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

from b12risk.config import PROJECT_ROOT

PLANTED_PATIENTS_FILE = PROJECT_ROOT / "data" / "generator" / "planted_patients.csv"
PLANTED_EVENTS_FILE = PROJECT_ROOT / "data" / "generator" / "planted_events.csv"
EARLIER_AS_OF_DAYS = 400


@cache
def planted_cases(path: Path = PLANTED_PATIENTS_FILE) -> tuple[dict[str, Any], ...]:
    """The planted patients and their expected results, in patient_id order."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: row["patient_id"])
    return tuple(_case(row) for row in rows)


def _case(row: dict[str, str]) -> dict[str, Any]:
    earlier = None
    if _flag(row["earlier_checked"]):
        earlier = _expectation(
            row["earlier_in_population"], row["earlier_cohorts"], row["earlier_status"]
        )
        earlier["as_of_days_before"] = EARLIER_AS_OF_DAYS
    return {
        "patient_id": row["patient_id"],
        "case": row["case"],
        **_expectation(row["in_population"], row["cohorts"], row["status"]),
        "earlier": earlier,
    }


def _expectation(in_population: str, cohorts: str, status: str) -> dict[str, Any]:
    return {
        "in_population": _flag(in_population),
        "cohorts": tuple(sorted(c for c in cohorts.split(";") if c)),
        "status": status or None,
    }


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


PLANTED: list[dict[str, Any]] = list(planted_cases())
