"""The gap summary: counts of people at risk by cohort and breakdown, as they may be published.

One row per cohort x breakdown x group. The counts come from `sql/gap_counts.sql` (one pass
over screening_status); every count then goes through `disclosure.suppress`, and rates and
Wilson intervals are computed from the published (rounded) counts.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from b12risk.config import Config
from b12risk.report.disclosure import FLAG_COLUMN, DisclosurePolicy, Margin, ratio, suppress
from b12risk.report.stats import wilson_interval
from b12risk.runinfo import RunInfo
from b12risk.sql import run_sql
from schemas.contract import SEXES
from schemas.outputs import OUTPUT_TABLES, SUMMARY_COUNT_COLUMNS
from schemas.statuses import GAP_STATUSES
from schemas.statuses import SCREENING_STATUSES as STATUSES

ANY_COHORT = "any_cohort"
ANY_COHORT_TITLE = "Any risk group"
UNKNOWN = "unknown"
AGE_BANDS = (
    (0, "under 16"),
    (16, "16–44"),
    (45, "45–64"),
    (65, "65–74"),
    (75, "75–84"),
    (85, "85+"),
)
BREAKDOWNS = ("overall", "age_band", "sex", "practice", "status")

STATUS_COLUMNS = tuple(f"n_{s}" for s in STATUSES)
GAP_COLUMNS = tuple(f"n_{s}" for s in GAP_STATUSES)
NOT_GAP_COLUMNS = tuple(c for c in STATUS_COLUMNS if c not in GAP_COLUMNS)
COUNT_COLUMNS = SUMMARY_COUNT_COLUMNS
SUMMARY_COLUMNS = OUTPUT_TABLES["gap_summary"].column_names

# The identities a reader could use to recover a suppressed count (see b12risk/disclosure.py).
ROW_TOTALS = (
    ("n_at_risk", STATUS_COLUMNS),
    ("n_gap", GAP_COLUMNS),
    ("n_at_risk", ("n_gap", *NOT_GAP_COLUMNS)),
)
BREAKDOWN_MARGIN = Margin(split="breakdown", total="overall", within=("cohort",))


class ReportInputError(RuntimeError):
    """The warehouse tables the report reads are missing or belong to another run."""


def gap_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Exact counts (NOT publishable): cohort, breakdown, group and the COUNT_COLUMNS."""
    rows = run_sql(
        con,
        "report/gap_counts",
        age_band_starts=[lower for lower, _ in AGE_BANDS],
        age_band_labels=[label for _, label in AGE_BANDS],
        any_cohort=ANY_COHORT,
        unknown=UNKNOWN,
    ).fetchall()
    long = pd.DataFrame(rows, columns=["cohort", "breakdown", "group", "status", "n"])
    unexpected = sorted(set(long["status"]) - set(STATUSES))
    if unexpected:
        raise ReportInputError(
            f"screening_status holds statuses the report does not know: {unexpected}"
        )
    wide = long.pivot_table(
        index=["cohort", "breakdown", "group"], columns="status", values="n", aggfunc="sum"
    )
    wide = wide.reindex(columns=list(STATUSES)).fillna(0).astype("int64")
    wide.columns = list(STATUS_COLUMNS)
    wide = wide.reset_index()
    wide["n_at_risk"] = wide[list(STATUS_COLUMNS)].sum(axis=1)
    wide["n_gap"] = wide[list(GAP_COLUMNS)].sum(axis=1)
    return wide[["cohort", "breakdown", "group", *COUNT_COLUMNS]]


def gap_summary(
    con: duckdb.DuckDBPyConnection, config: Config, run: RunInfo, policy: DisclosurePolicy
) -> pd.DataFrame:
    """The published gap summary (SUMMARY_COLUMNS), in reading order."""
    foreign = run_sql(con, "report/foreign_status_rows", run_id=run.run_id).fetchall()[0][0]
    if foreign:
        raise ReportInputError(f"screening_status holds {foreign} rows of another run")
    counts = with_empty_cohorts(gap_counts(con), config)
    published = suppress(
        counts,
        COUNT_COLUMNS,
        policy=policy,
        row_totals=ROW_TOTALS,
        margins=(BREAKDOWN_MARGIN,),
        rates={"gap_rate": ("n_gap", "n_at_risk")},
    )
    published = pd.concat([published, status_rows(published)], ignore_index=True)
    published = with_intervals(published)
    published["run_id"] = run.run_id
    published["as_of"] = run.as_of
    published["cohort_title"] = published["cohort"].map(cohort_titles(config, published["cohort"]))
    published["release_note"] = policy.release_note()
    return in_reading_order(published, config)[list(SUMMARY_COLUMNS)]


def with_empty_cohorts(counts: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Add an all-zero overall row for every enabled cohort (and any cohort) with nobody at risk."""
    present = set(counts.loc[counts["breakdown"] == "overall", "cohort"])
    missing = [
        c for c in (ANY_COHORT, *(c.name for c in config.enabled_cohorts)) if c not in present
    ]
    if not missing:
        return counts
    empty = pd.DataFrame(
        {"cohort": missing, "breakdown": "overall", "group": "all"} | {c: 0 for c in COUNT_COLUMNS}
    )
    return pd.concat([counts, empty], ignore_index=True)


def status_rows(published: pd.DataFrame) -> pd.DataFrame:
    """The status mix as a breakdown: one row per cohort and status, taken from the cohort's
    already published overall row (so it reveals nothing the overall row does not)."""
    overall = published[published["breakdown"] == "overall"]
    rows = []
    for _, row in overall.iterrows():
        for status, column in zip(STATUSES, STATUS_COLUMNS, strict=True):
            n = row[column]
            counts = {c: 0 for c in COUNT_COLUMNS} | {"n_at_risk": n, column: n}
            counts["n_gap"] = n if column in GAP_COLUMNS else 0
            rows.append(
                {"cohort": row["cohort"], "breakdown": "status", "group": status}
                | counts
                | {FLAG_COLUMN: row[FLAG_COLUMN]}
            )
    frame = pd.DataFrame(
        rows, columns=["cohort", "breakdown", "group", *COUNT_COLUMNS, FLAG_COLUMN]
    )
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    frame["gap_rate"] = ratio(frame["n_gap"], frame["n_at_risk"])
    return frame


def with_intervals(published: pd.DataFrame) -> pd.DataFrame:
    """95% Wilson intervals of gap_rate from the published counts (missing where they are)."""
    lows, highs = [], []
    for n_gap, n_at_risk in zip(published["n_gap"], published["n_at_risk"], strict=True):
        if pd.isna(n_gap) or pd.isna(n_at_risk) or n_at_risk == 0 or n_gap > n_at_risk:
            lows.append(None)
            highs.append(None)
        else:
            low, high = wilson_interval(int(n_gap), int(n_at_risk))
            lows.append(low)
            highs.append(high)
    out = published.copy()
    out["ci_low"] = pd.array(lows, dtype="Float64")
    out["ci_high"] = pd.array(highs, dtype="Float64")
    return out


def cohort_titles(config: Config, names: pd.Series) -> dict[str, str]:
    titles = {c.name: c.title for c in config.cohorts} | {ANY_COHORT: ANY_COHORT_TITLE}
    return {name: titles.get(name, name) for name in names.unique()}


def in_reading_order(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    cohort_order = [ANY_COHORT, *(c.name for c in config.cohorts)]
    group_order = {label: k for k, (_, label) in enumerate(AGE_BANDS)}
    group_order |= {s: k for k, s in enumerate(SEXES)} | {s: k for k, s in enumerate(STATUSES)}
    keys = pd.DataFrame(
        {
            "cohort": frame["cohort"].map(
                lambda c: cohort_order.index(c) if c in cohort_order else len(cohort_order)
            ),
            "cohort_name": frame["cohort"],
            "breakdown": frame["breakdown"].map(BREAKDOWNS.index),
            "group": frame["group"].map(lambda g: group_order.get(g, len(group_order))),
            "group_name": frame["group"],
        }
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)
