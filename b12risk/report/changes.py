"""Change since the previous run: new, persisting and closed screening gaps.

The previous run is the latest other published run (by finished_at) of a different state of the
same source: another extract or another as-of date (sql/previous_run.sql); a rerun of
the same extract for the same date has nothing to compare with it. The previous run's
patients' statuses come from the history table screening_status_history, this run's from
screening_status, matched on the pseudonymous patient_id (stable between extracts of one source).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from b12risk.report.disclosure import DisclosurePolicy, suppress
from b12risk.sql import run_sql
from schemas.statuses import GAP_STATUSES

CHANGE_COLUMNS = (
    "n_gaps_before",
    "n_gaps_now",
    "n_new",
    "n_persisting",
    "n_closed",
    "n_closed_resolved",
    "n_closed_left",
)
CHANGE_TOTALS = (
    ("n_gaps_now", ("n_new", "n_persisting")),
    ("n_gaps_before", ("n_persisting", "n_closed")),
    ("n_closed", ("n_closed_resolved", "n_closed_left")),
)


@dataclass(frozen=True)
class GapChanges:
    """`counts` is a published one-row frame (CHANGE_COLUMNS), None on a first run."""

    previous_run_id: str | None
    previous_as_of: date | None
    counts: pd.DataFrame | None
    # rules whose checksum changed since the previous run; None when it recorded none
    rules_changed: tuple[str, ...] | None = None

    @property
    def first_run(self) -> bool:
        return self.previous_run_id is None


def gap_changes(
    con: duckdb.DuckDBPyConnection, run_id: str, policy: DisclosurePolicy
) -> GapChanges:
    previous = previous_run(con, run_id)
    if previous is None or not table_exists(con, "screening_status_history"):
        return GapChanges(None, None, None)
    previous_run_id, previous_as_of = previous
    row = run_sql(
        con,
        "report/gap_changes",
        previous_run_id=previous_run_id,
        gap_statuses=list(GAP_STATUSES),
    ).fetchall()[0]
    exact = pd.DataFrame([row], columns=list(CHANGE_COLUMNS))
    counts = suppress(exact, CHANGE_COLUMNS, policy=policy, row_totals=CHANGE_TOTALS)
    return GapChanges(
        previous_run_id, previous_as_of, counts, rule_changes(con, run_id, previous_run_id)
    )


def rule_changes(
    con: duckdb.DuckDBPyConnection, run_id: str, previous_run_id: str
) -> tuple[str, ...] | None:
    """The rules (cohorts, screening_status, codelists) whose checksum differs from the
    previous run's; None when that run recorded no checksums."""
    [(known, rules)] = run_sql(
        con, "report/rule_changes", run_id=run_id, previous_run_id=previous_run_id
    ).fetchall()
    return tuple(rules or ()) if known else None


def previous_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, date] | None:
    if not table_exists(con, "runs"):
        return None
    rows = run_sql(con, "report/previous_run", run_id=run_id).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(run_sql(con, "report/table_exists", table_name=name).fetchall()[0][0])
