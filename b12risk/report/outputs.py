"""write_reports: the report stage. Reads the warehouse tables of this run, publishes every
count through disclosure control and writes `out_dir` (= reports/<run_id>/):

    report.html            one self-contained page for non-programmers
    gap_summary.csv        the aggregates behind it (one row per cohort x breakdown x group)
    gap_summary.parquet    the same, typed
    sensitive/worklist_<practice>.csv   only with worklists=True (patient-level)
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from b12risk.config import Config
from b12risk.report import charts
from b12risk.report.aggregates import ANY_COHORT, COUNT_COLUMNS, released_gap_summary
from b12risk.report.changes import GapChanges, gap_changes, table_exists
from b12risk.report.disclosure import NOT_FOR_RELEASE, SUPPRESSED, DisclosurePolicy, suppress
from b12risk.report.html import (
    ReportContent,
    as_of_warning,
    group_label,
    render_report,
)
from b12risk.report.quality import data_quality as quality_counts
from b12risk.report.release import RESTRICTED_DIR
from b12risk.report.spreadsheet import write_csv
from b12risk.report.stats import funnel_position
from b12risk.report.worklists import write_worklists
from b12risk.runinfo import RunInfo
from b12risk.sql import run_sql
from schemas.statuses import SCREENING_STATUSES, STATUS_LABELS

log = logging.getLogger(__name__)
# Every suppressed cell's proven interval: exact about small cells, so never published.
RESTRICTED_AUDIT = f"{RESTRICTED_DIR}/disclosure_audit.json"

HEADLINE_COLUMNS = (*COUNT_COLUMNS, "gap_rate", "ci_low", "ci_high")


@dataclass(frozen=True)
class ReportResult:
    report_html: Path
    gap_summary_csv: Path
    gap_summary_parquet: Path
    worklists: tuple[Path, ...]
    summary_markdown: str
    published_rows: list[dict[str, Any]]
    headline: dict[str, Any]
    disclosure_control: bool
    warnings: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.report_html, self.gap_summary_csv, self.gap_summary_parquet, *self.worklists)


def write_reports(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    run: RunInfo,
    out_dir: Path,
    *,
    worklists: bool = False,
    disclosure: bool = True,
    data_quality: dict | None = None,
) -> ReportResult:
    """Write this run's reports to out_dir; see the module notes. `disclosure=False` is the only
    way to turn disclosure control off, and marks every output NOT FOR RELEASE."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    policy = DisclosurePolicy.from_settings(config.disclosure, enabled=disclosure)
    summary, audit_result = released_gap_summary(con, config, run, policy)
    if audit_result is not None:  # every bound, for the data controller: restricted/ only
        (out_dir / RESTRICTED_AUDIT).parent.mkdir(parents=True, exist_ok=True)
        _replace_text(
            out_dir / RESTRICTED_AUDIT, json.dumps(audit_result.to_dict(), indent=1) + "\n"
        )
    changes = gap_changes(con, run.run_id, policy)
    population_recorded, population = population_size(con, policy)
    content = ReportContent(
        run_id=run.run_id,
        as_of=run.as_of,
        package_version=run.package_version,
        config=config,
        policy=policy,
        summary=summary,
        changes=changes,
        quality=quality_counts(con, run.run_id, policy, data_quality),
        population=population,
        population_recorded=population_recorded,
        codelists=codelist_versions(con),
        charts=draw_charts(summary),
        practice_positions=practice_positions(summary),
        extract_date=run.extract_date,
    )
    html_path = out_dir / "report.html"
    csv_path = out_dir / "gap_summary.csv"
    parquet_path = out_dir / "gap_summary.parquet"
    _replace_text(html_path, render_report(content))
    write_csv(summary, csv_path)
    summary.to_parquet(parquet_path, index=False)
    worklist_paths = write_worklists(con, out_dir) if worklists else ()
    headline = headline_numbers(summary, changes)
    log.info(
        "reports written: %d aggregate rows, %d worklists, disclosure control %s",
        len(summary),
        len(worklist_paths),
        "on" if policy.enabled else "OFF",
    )
    return ReportResult(
        report_html=html_path,
        gap_summary_csv=csv_path,
        gap_summary_parquet=parquet_path,
        worklists=worklist_paths,
        summary_markdown=summary_markdown(run, headline, policy),
        published_rows=records(summary),
        headline=headline,
        disclosure_control=policy.enabled,
        warnings=audit_warnings(audit_result),
    )


def audit_warnings(audited) -> tuple[str, ...]:
    """The run's warning when its release, taken with the previous one, leaves suppressed
    cells recoverable (table and cell families only; the bounds are in restricted/)."""
    result = audited.with_previous if audited is not None else None
    if result is None or result.passed:
        return ()
    families = sorted({f"{table} {family} rows" for table, _, family, _ in result.families()})
    return (
        f"disclosure audit: {len(result.failures)} suppressed cells of this release and the "
        f"previous one can be bounded across the two ({', '.join(families)}); see "
        f"{RESTRICTED_AUDIT}",
    )


def headline_numbers(summary: pd.DataFrame, changes: GapChanges) -> dict[str, Any]:
    """Published headline numbers of any risk group (None where suppressed)."""
    row = summary[(summary["cohort"] == ANY_COHORT) & (summary["breakdown"] == "overall")].iloc[0]
    headline = {k: _plain(row[k]) for k in HEADLINE_COLUMNS}
    headline["n_practices"] = len(_any(summary, "practice"))
    if changes.counts is not None:
        headline |= {k: _plain(v) for k, v in changes.counts.iloc[0].items() if k.startswith("n_")}
    headline["previous_run_id"] = changes.previous_run_id
    return headline


def summary_markdown(run: RunInfo, headline: dict[str, Any], policy: DisclosurePolicy) -> str:
    lines = []
    if not policy.enabled:
        lines += [f"**{NOT_FOR_RELEASE}**", ""]
    if run.as_of > run.extract_date:
        lines += [f"**{as_of_warning(run.as_of, run.extract_date)}**", ""]
    lines += [
        f"# B12 screening gaps, data as of {run.as_of.isoformat()}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| people at risk | {_md_count(headline['n_at_risk'])} |",
        f"| with a screening gap | {_md_count(headline['n_gap'])} |",
        f"| gap rate (95% CI) | {_md_rate(headline)} |",
        f"| never tested | {_md_count(headline['n_never_tested'])} |",
        f"| overdue | {_md_count(headline['n_overdue'])} |",
        f"| low result, not treated | {_md_count(headline['n_abnormal_untreated'])} |",
        f"| on B12 treatment | {_md_count(headline['n_excluded_on_treatment'])} |",
    ]
    if headline.get("previous_run_id"):
        lines += [
            f"| new gaps since the previous run | {_md_count(headline['n_new'])} |",
            f"| closed gaps | {_md_count(headline['n_closed'])} |",
            f"| persisting gaps | {_md_count(headline['n_persisting'])} |",
        ]
    else:
        lines.append("| change since the previous run | first run |")
    lines += ["", f"Disclosure control: {policy.describe()}."]
    return "\n".join(lines) + "\n"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values, None for missing (for a Prefect table artifact)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def draw_charts(summary: pd.DataFrame) -> dict[str, str]:
    drawn = {}
    overall = summary[summary["breakdown"] == "overall"]
    drawn["cohort-rates"] = charts.rate_chart(
        "cohort-rates", _bars(overall, list(overall["cohort_title"])), "gap rate (%)"
    )
    for breakdown in ("age_band", "sex"):
        rows = _any(summary, breakdown)
        labels = [group_label(breakdown, g) for g in rows["group"]]
        drawn[f"{breakdown}-rates"] = charts.rate_chart(
            f"{breakdown}-rates", _bars(rows, labels), "gap rate (%)"
        )
    status = _any(summary, "status").set_index("group")["n_at_risk"]
    drawn["status-mix"] = charts.count_chart(
        "status-mix",
        [STATUS_LABELS[s] for s in SCREENING_STATUSES],
        [_plain(status.get(s)) for s in SCREENING_STATUSES],
        "people",
    )
    overall_any = _any(summary, "overall").iloc[0]
    drawn["funnel"] = charts.funnel_chart(
        "funnel", _funnel_points(summary), _plain(overall_any["gap_rate"])
    )
    return drawn


def practice_positions(summary: pd.DataFrame) -> dict[str, str]:
    """Each plotted practice's position against the funnel limits, in words."""
    overall_rate = _plain(_any(summary, "overall").iloc[0]["gap_rate"])
    if overall_rate is None:
        return {}
    return {
        p.label: funnel_position(p.rate, p.n_at_risk, overall_rate) for p in _funnel_points(summary)
    }


def population_size(con: duckdb.DuckDBPyConnection, policy: DisclosurePolicy):
    """(recorded?, published size) of the population: the first step of cohort_attrition."""
    if not table_exists(con, "cohort_attrition"):
        return False, None
    rows = run_sql(con, "report/population_size").fetchall()
    if not rows:
        return False, None
    published = suppress(pd.DataFrame({"n": [rows[0][0]]}), ["n"], policy=policy)
    return True, _plain(published["n"].iloc[0])


def codelist_versions(con: duckdb.DuckDBPyConnection):
    if not table_exists(con, "codelist_versions"):
        return None
    return run_sql(con, "run/codelist_versions").fetchall()


# --- small helpers -------------------------------------------------------------------------------


def _any(summary: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    return summary[(summary["cohort"] == ANY_COHORT) & (summary["breakdown"] == breakdown)]


def _bars(rows: pd.DataFrame, labels: list[str]) -> list[charts.Bar]:
    bars = []
    for label, (_, r) in zip(labels, rows.iterrows(), strict=True):
        note = f"({_md_count(_plain(r['n_gap']))} of {_md_count(_plain(r['n_at_risk']))})"
        nobody = _plain(r["n_at_risk"]) == 0
        bars.append(
            charts.Bar(
                str(label),
                _plain(r["gap_rate"]),
                _plain(r["ci_low"]),
                _plain(r["ci_high"]),
                note,
                missing="no one at risk" if nobody else SUPPRESSED,
            )
        )
    return bars


def _funnel_points(summary: pd.DataFrame) -> list[charts.Point]:
    rows = _any(summary, "practice")
    points = []
    for _, r in rows.iterrows():
        n, rate = _plain(r["n_at_risk"]), _plain(r["gap_rate"])
        if n and rate is not None:
            points.append(charts.Point(str(r["group"]), n, rate))
    return points


def _plain(value: Any) -> Any:
    """A pandas/numpy scalar as a plain Python value; None for missing."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _md_count(value: Any) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


def _md_rate(headline: dict[str, Any]) -> str:
    if headline["gap_rate"] is None:
        return "–"
    rate = f"{100 * headline['gap_rate']:.1f}%"
    if headline["ci_low"] is None:
        return rate
    return f"{rate} ({100 * headline['ci_low']:.1f}–{100 * headline['ci_high']:.1f}%)"


def _replace_text(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
