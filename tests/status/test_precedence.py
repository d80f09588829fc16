"""The statuses are declared once (schemas/statuses.py); the SQL and the docs follow it."""

from __future__ import annotations

import re
from pathlib import Path

from b12risk.sql import sql_text
from schemas.statuses import GAP_STATUSES, SCREENING_STATUSES, STATUSES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screening.md"


def case_order(sql: str) -> list[str]:
    """The statuses a `CASE ... END AS status` names, in branch order (ELSE last)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    case = re.search(r"CASE(.*?)END AS status", code, re.S | re.I)
    assert case, "no CASE ... END AS status"
    return re.findall(r"(?:THEN|ELSE)\s+'([a-z_]+)'", case.group(1))


def test_the_sql_case_follows_the_declared_precedence():
    assert case_order(sql_text("status/07_screening_status")) == list(SCREENING_STATUSES)


def test_the_case_parser_sees_an_order_change():
    swapped = "CASE WHEN a THEN 'overdue' WHEN b THEN 'never_tested' ELSE 'x' END AS status"
    assert case_order(swapped) == ["overdue", "never_tested", "x"]


def test_gaps_and_priorities_are_consistent():
    assert all((s.priority is not None) == s.gap for s in STATUSES)
    priorities = [s.priority for s in STATUSES if s.gap]
    assert sorted(priorities) == list(range(1, len(GAP_STATUSES) + 1))


def test_the_docs_table_is_the_declared_one():
    """docs/screening.md lists the statuses in precedence order with their gap flag."""
    rows = re.findall(
        r"^\| (\d+) \| `([a-z_]+)` \| .* \| (\*\*yes\*\*|no) \|$", DOCS.read_text(), re.M
    )
    assert [(int(n), name, flag == "**yes**") for n, name, flag in rows] == [
        (k + 1, s.name, s.gap) for k, s in enumerate(STATUSES)
    ]
