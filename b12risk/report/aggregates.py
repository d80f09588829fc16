"""The gap summary: counts of people at risk by cohort and breakdown, as they may be published.

One row per cohort x breakdown x group. The counts come from `sql/gap_counts.sql` (one pass
over screening_status); every count then goes through `disclosure.suppress`, and rates and
Wilson intervals are computed from the published (rounded) counts.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from b12risk.config import Config
from b12risk.report.audit import AuditResult, PublishedTable, audit, repair_cells
from b12risk.report.changes import table_exists
from b12risk.report.disclosure import FLAG_COLUMN, DisclosurePolicy, Margin, ratio, suppress
from b12risk.report.stats import wilson_interval
from b12risk.runinfo import RunInfo
from b12risk.sql import create_table, run_script, run_sql
from schemas.contract import SEXES
from schemas.outputs import OUTPUT_TABLES, SUMMARY_COUNT_COLUMNS
from schemas.statuses import GAP_STATUSES
from schemas.statuses import SCREENING_STATUSES as STATUSES

log = logging.getLogger(__name__)

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


def equal_row_pairs(frame: pd.DataFrame, config: Config) -> list[tuple[int, int]]:
    """Rows of the summary that are equal whatever the data (positions in `frame`): everyone
    at risk at an age a purely age-based cohort starts at is in that cohort, so any cohort's
    age bands from its minimum age on are the cohort's own (any_cohort 75-84 and 85+ are
    older_adults'). An attacker knows it; the suppression and the audit are told."""
    position = {
        (c, b, g): n
        for n, (c, b, g) in enumerate(
            frame[["cohort", "breakdown", "group"]].itertuples(index=False, name=None)
        )
    }
    pairs = []
    for cohort in config.enabled_cohorts:
        if cohort.rule != "age_at_least":
            continue
        min_age = int(cohort.params.get("min_age", 0))
        for lower, label in AGE_BANDS:
            a = position.get((ANY_COHORT, "age_band", label))
            b = position.get((cohort.name, "age_band", label))
            if lower >= min_age and a is not None and b is not None:
                pairs.append((a, b))
    return pairs


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
    return released_gap_summary(con, config, run, policy)[0]


def released_gap_summary(
    con: duckdb.DuckDBPyConnection, config: Config, run: RunInfo, policy: DisclosurePolicy
) -> tuple[pd.DataFrame, ReleaseAudit | None]:
    """The published gap summary and its disclosure audit (None with control off). Its cells
    are recorded in disclosure_cells, for the next run of the same source; raises
    DisclosureAuditFailed, and records nothing, when no suppression passes the audit."""
    foreign = run_sql(con, "report/foreign_status_rows", run_id=run.run_id).fetchall()[0][0]
    if foreign:
        raise ReportInputError(f"screening_status holds {foreign} rows of another run")
    counts = with_empty_cohorts(gap_counts(con), config)
    previous = previous_release(con, run) if policy.enabled else None
    published, result = protected_counts(counts, config, policy, previous)
    if policy.enabled:
        record_release(con, run, published)
    published = pd.concat([published, status_rows(published)], ignore_index=True)
    published = with_intervals(published)
    published["run_id"] = run.run_id
    published["as_of"] = run.as_of
    published["cohort_title"] = published["cohort"].map(cohort_titles(config, published["cohort"]))
    published["release_note"] = policy.release_note()
    return in_reading_order(published, config)[list(SUMMARY_COLUMNS)], result


@dataclass(frozen=True)
class ReleaseAudit:
    """The audit of a run's release alone (it passed: else nothing is published) and, when
    there was one, with the previous release of the same source."""

    alone: AuditResult
    with_previous: AuditResult | None = None

    def to_dict(self) -> dict:
        return {
            "alone": self.alone.to_dict(),
            "with_previous": self.with_previous.to_dict() if self.with_previous else None,
        }


class DisclosureAuditFailed(RuntimeError):
    """No suppression of this run's counts passes the disclosure audit: nothing is published.
    The message names the table and cell families, never a cell's bounds."""

    audit_failed = True

    def __init__(self, result: AuditResult):
        self.result = result
        super().__init__("; ".join(line.strip() for line in result.summary_lines()))


MAX_REPAIRS = 40  # rounds of audit-driven secondary suppression before giving up


def protected_counts(
    counts: pd.DataFrame,
    config: Config,
    policy: DisclosurePolicy,
    previous: pd.DataFrame | None = None,
    k: int = 1,
) -> tuple[pd.DataFrame, ReleaseAudit | None]:
    """`counts` through disclosure control, proven safe within the run by the audit, and
    audited against the previous release.

    The suppression knows the declared equalities and keeps the previous release's pattern
    (`previous`: its cells as released, NULL where suppressed). The audit then bounds every
    suppressed cell; while one is recoverable, the smallest published cells sharing an
    identity with it are suppressed too and both run again (the audit knows the rounding the
    exact identities of `suppress` do not). Raises DisclosureAuditFailed when no round makes
    the run's own release safe. With `previous`, both releases are audited together too
    (where at most `k` people changed): those failures are reported, not repaired (see
    docs/reports.md: a zero published last run that holds one person now is recoverable
    whatever this run hides)."""
    kwargs = {
        "policy": policy,
        "row_totals": ROW_TOTALS,
        "margins": (BREAKDOWN_MARGIN,),
        "rates": {"gap_rate": ("n_gap", "n_at_risk")},
    }
    if not policy.enabled:
        return suppress(counts, COUNT_COLUMNS, **kwargs), None
    counts = counts.reset_index(drop=True)  # positions: the equal rows and repairs use them
    pairs = equal_row_pairs(counts, config)
    exact = counts[list(COUNT_COLUMNS)].to_numpy(dtype=float)
    hidden_before = None
    if previous is not None and len(previous):
        hidden_before = _hidden_before(counts, previous)
    extra = np.zeros(exact.shape, dtype=bool)
    failing, per_cell, cache = math.inf, 1, {}
    for _ in range(MAX_REPAIRS):
        published = suppress(
            counts,
            COUNT_COLUMNS,
            equal_rows=pairs,
            hidden_before=hidden_before,
            k=k,
            also_hidden=extra,
            **kwargs,
        )
        table = audited_counts(published, config, pairs)
        result = audit([table], policy, cache=cache)
        log.info(
            "disclosure audit: %d of %d suppressed cells recoverable",
            len(result.failures),
            len(result.bounds),
        )
        if result.passed:
            break
        if len(result.failures) >= failing:  # no gain from the last round: hide more at once
            per_cell *= 2
        failing = min(failing, len(result.failures))
        more = [c for c in repair_cells(table, exact, result, per_cell) if not extra.flat[c]]
        if not more:  # nothing left to hide
            raise DisclosureAuditFailed(result)
        extra.flat[more] = True
    else:
        raise DisclosureAuditFailed(result)
    across = None
    if hidden_before is not None:
        across = audit([table], policy, previous=(audited_counts(previous, config),), k=k)
    return published, ReleaseAudit(result, across)


def audited_counts(
    frame: pd.DataFrame, config: Config, pairs: list[tuple[int, int]] | None = None
) -> PublishedTable:
    """Published counts (rows of cohort, breakdown, group) as the audit reads them, with every
    identity the suppression knows; the status rows, copies of the overall rows' cells (a
    published gap_summary.csv has them), are left out."""
    frame = frame[frame["breakdown"] != "status"].reset_index(drop=True)
    return PublishedTable(
        name="gap_summary",
        frame=frame,
        keys=("cohort", "breakdown", "group"),
        counts=COUNT_COLUMNS,
        row_totals=ROW_TOTALS,
        margins=(BREAKDOWN_MARGIN,),
        equal_rows=equal_row_pairs(frame, config) if pairs is None else pairs,
        family="breakdown",
    )


def _hidden_before(counts: pd.DataFrame, previous: pd.DataFrame) -> np.ndarray:
    """Which of `counts`' cells the previous release suppressed (matched by row key)."""
    keys = ["cohort", "breakdown", "group"]
    aligned = counts[keys].merge(previous, on=keys, how="left", indicator=True)
    was_there = (aligned["_merge"] == "both").to_numpy()
    hidden = np.zeros((len(counts), len(COUNT_COLUMNS)), dtype=bool)
    for j, column in enumerate(COUNT_COLUMNS):
        hidden[:, j] = was_there & aligned[column].isna().to_numpy()
    return hidden


def previous_release(con: duckdb.DuckDBPyConnection, run: RunInfo) -> pd.DataFrame | None:
    """The previous release of the same source: cohort, breakdown, group and the counts as
    released (NULL = suppressed), or None."""
    if not table_exists(con, "disclosure_cells"):
        return None
    rows = run_sql(con, "report/previous_release", source=run.source, run_id=run.run_id).fetchall()
    if not rows:
        return None
    long = pd.DataFrame(rows, columns=["cohort", "breakdown", "group", "count_column", "n"])
    wide = long.pivot(index=["cohort", "breakdown", "group"], columns="count_column", values="n")
    wide = wide.reindex(columns=list(COUNT_COLUMNS)).reset_index()
    for column in COUNT_COLUMNS:
        wide[column] = wide[column].astype("Int64")
    return wide


def record_release(con: duckdb.DuckDBPyConnection, run: RunInfo, published: pd.DataFrame) -> None:
    """This run's released cells into disclosure_cells (history)."""
    long = published.melt(
        id_vars=["cohort", "breakdown", "group"],
        value_vars=list(COUNT_COLUMNS),
        var_name="count_column",
        value_name="published",
    )
    long["published"] = long["published"].astype("Int64")
    create_table(con, "disclosure_cells")
    con.register("release_frame", long)
    try:
        run_script(
            con, "report/record_release", run_id=run.run_id, as_of=run.as_of, source=run.source
        )
    finally:
        con.unregister("release_frame")


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
