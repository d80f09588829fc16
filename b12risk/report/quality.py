"""Data quality of this run's extract: rows read, loaded and quarantined per table, and
quarantined rows per rule. Counts only, never values; published through disclosure control.

Source: the validation summary the flow passes ({table: {read, loaded, quarantined,
rule_counts: {rule: n}}}), else this run's row of `runs` and its `quarantine` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd

from b12risk.report.changes import table_exists
from b12risk.report.disclosure import DisclosurePolicy, Margin, suppress
from b12risk.sql import run_sql
from schemas.contract import TABLE_NAMES

QUALITY_COLUMNS = ("n_read", "n_loaded", "n_quarantined")
# read = loaded + quarantined; a row may break several rules, but the rule counts are protected as
# if they added up to the quarantined rows, the inference an outsider would try.
QUALITY_TOTALS = (("n_read", ("n_loaded", "n_quarantined")),)
RULE_MARGIN = Margin(split="level", total="table", within=("table",), columns=("n_quarantined",))


def data_quality(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    policy: DisclosurePolicy,
    summary: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame | None:
    """Published long frame: level ('table'/'rule'), table, rule and QUALITY_COLUMNS (rule rows
    carry n_quarantined only); None when the run recorded no counts."""
    if summary is None:
        summary = recorded_quality(con, run_id)
    if not summary:
        return None
    return published_quality(summary, policy)


def published_quality(
    summary: Mapping[str, Mapping[str, Any]], policy: DisclosurePolicy
) -> pd.DataFrame:
    """The counts of `summary` as they may be published (see `data_quality`)."""
    exact = quality_frame(summary)
    return suppress(
        exact, QUALITY_COLUMNS, policy=policy, row_totals=QUALITY_TOTALS, margins=(RULE_MARGIN,)
    )


def quality_frame(summary: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    order = [t for t in TABLE_NAMES if t in summary] + sorted(set(summary) - set(TABLE_NAMES))
    rows = []
    for table in order:
        counts = summary[table]
        rows.append(
            {"level": "table", "table": table, "rule": None}
            | {f"n_{m}": counts.get(m) for m in ("read", "loaded", "quarantined")}
        )
        for rule, n in sorted((counts.get("rule_counts") or {}).items()):
            rows.append(
                {"level": "rule", "table": table, "rule": rule}
                | {"n_read": None, "n_loaded": None, "n_quarantined": n}
            )
    frame = pd.DataFrame(rows, columns=["level", "table", "rule", *QUALITY_COLUMNS])
    for column in QUALITY_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return frame


def recorded_quality(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, Any]]:
    """The same summary rebuilt from the warehouse (runs and quarantine) when none is passed."""
    summary: dict[str, dict[str, Any]] = {}
    if table_exists(con, "runs"):
        result = run_sql(con, "report/run_counts", run_id=run_id)
        names = [d[0] for d in result.description]
        rows = result.fetchall()
        if rows:
            recorded = dict(zip(names, rows[0], strict=True))
            for table in TABLE_NAMES:
                counts = {
                    m: recorded.get(f"{table}_{m}") for m in ("read", "loaded", "quarantined")
                }
                if any(v is not None for v in counts.values()):
                    summary[table] = counts
    if table_exists(con, "quarantine"):
        for table, n in run_sql(con, "report/quarantine_table_counts", run_id=run_id).fetchall():
            entry = summary.setdefault(table, {"read": None, "loaded": None})
            if entry.get("quarantined") is None:
                entry["quarantined"] = n
        rules = run_sql(con, "report/quarantine_rule_counts", run_id=run_id).fetchall()
        for table, rule, n in rules:
            summary[table].setdefault("rule_counts", {})[rule] = n
    return summary
