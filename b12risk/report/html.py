"""The report as ONE self-contained HTML file: inline CSS and inline SVG charts, no script, no
external address of any kind, so it opens offline and can be e-mailed as is.

Pure rendering: it receives published (disclosure-controlled) tables and prints them; every
text that comes from data or configuration is escaped, after `shown()` has made its control
and bidi characters visible.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from b12risk.config import Config
from b12risk.report.aggregates import ANY_COHORT
from b12risk.report.changes import GapChanges
from b12risk.report.disclosure import NOT_FOR_RELEASE, SUPPRESSED, DisclosurePolicy
from b12risk.shown import shown
from schemas.statuses import GAP_STATUSES, SCREENING_STATUSES, STATUS_LABELS, STATUSES

SEX_LABELS = {
    "F": "Female",
    "M": "Male",
    "I": "Indeterminate",
    "U": "Unknown",
    "unknown": "Not recorded",
}


def escape(text: object) -> str:
    """Text as HTML shows it: control and bidi characters as visible escapes, markup escaped."""
    return html.escape(shown(text))


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
 max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #3b6ea5;
 padding-bottom:.2rem}h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#b03a2e;color:#fff;font-weight:bold;font-size:1.2rem;padding:.8rem 1rem;
 margin:1rem 0;text-align:center}
.headline{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.headline div{border:1px solid #ccc;border-radius:6px;padding:.6rem .9rem;min-width:10rem}
.headline .value{font-size:1.5rem;font-weight:bold;display:block}
.note{color:#555;font-size:.9rem}figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}
svg{max-width:100%;height:auto}
"""


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows; every count in it is already published."""

    run_id: str
    as_of: date
    package_version: str
    config: Config
    policy: DisclosurePolicy
    summary: pd.DataFrame
    changes: GapChanges
    quality: pd.DataFrame | None
    population: int | None  # published size of the population checked (None: suppressed)
    population_recorded: bool
    codelists: Sequence[tuple[Any, ...]] | None
    charts: dict[str, str] = field(default_factory=dict)
    practice_positions: dict[str, str] = field(default_factory=dict)
    extract_date: date | None = None  # an as_of after it was allowed: the report says so


def render_report(content: ReportContent) -> str:
    title = "Vitamin B12 screening gaps"
    if not content.policy.enabled:
        title = f"{NOT_FOR_RELEASE}: {title}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        _banner(content.policy),
        _as_of_banner(content),
        "<h1>Vitamin B12 screening gaps</h1>",
        f'<p class="note">Data as of {content.as_of.isoformat()} &middot; run '
        f"{escape(content.run_id)} &middot; b12risk {escape(content.package_version)}</p>",
        _headline(content),
        _cohorts(content),
        _practices(content),
        _breakdown(content, "age_band", "By age band", "Age band"),
        _breakdown(content, "sex", "By sex", "Sex"),
        _status_mix(content),
        _changes(content),
        _quality(content),
        _method(content),
        _banner(content.policy),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


# --- sections ------------------------------------------------------------------------------------


def _banner(policy: DisclosurePolicy) -> str:
    if policy.enabled:
        return ""
    return (
        f'<div class="banner" role="alert">{NOT_FOR_RELEASE}: small numbers are NOT suppressed '
        "or rounded. Do not share this report outside the team that holds the data.</div>"
    )


def _as_of_banner(c: ReportContent) -> str:
    if c.extract_date is None or c.as_of <= c.extract_date:
        return ""
    return (
        f'<div class="banner" role="alert">{escape(as_of_warning(c.as_of, c.extract_date))}</div>'
    )


def as_of_warning(as_of: date, extract_date: date) -> str:
    """The mark of outputs whose as-of date is after the extract's (--allow-future-as-of)."""
    return (
        f"AS-OF AFTER THE EXTRACT DATE: data as of {as_of.isoformat()}, but the extract was "
        f"taken on {extract_date.isoformat()}; events after that are not in it, so tests and "
        "treatment since then are missing and gaps are overstated."
    )


def _headline(c: ReportContent) -> str:
    row = _overall(c.summary, ANY_COHORT)
    boxes = [
        ("People at risk of B12 deficiency", fmt_count(row["n_at_risk"])),
        ("Of whom have a screening gap", fmt_count(row["n_gap"])),
        ("Gap rate (95% interval)", f"{fmt_rate(row['gap_rate'])} {fmt_ci(row)}"),
        ("Never tested", fmt_count(row["n_never_tested"])),
        ("Overdue for a test", fmt_count(row["n_overdue"])),
        ("Low result, not treated", fmt_count(row["n_abnormal_untreated"])),
    ]
    intro = (
        "<p>A <strong>screening gap</strong> is a person in at least one risk group who has never "
        "had a vitamin B12 test, whose last test is older than the testing interval, or whose last "
        "result was low and who has not been treated since. People already on B12 treatment are "
        "counted as at risk but never as a gap.</p>"
    )
    if c.population_recorded:
        intro += (
            f"<p>Population checked: {fmt_count(c.population)} people aged "
            f"{escape(str(c.config.population.get('min_age')))} and over; the numbers below are "
            "those of them in at least one risk group.</p>"
        )
    cells = "".join(
        f'<div><span class="value">{escape(v)}</span>{escape(k)}</div>' for k, v in boxes
    )
    return f'<h2 id="headline">Key numbers</h2>{intro}<div class="headline">{cells}</div>'


def _cohorts(c: ReportContent) -> str:
    rows = c.summary[c.summary["breakdown"] == "overall"]
    table = _rate_table(rows, "Risk group", [str(t) for t in rows["cohort_title"]])
    return (
        '<h2 id="cohorts">Screening gaps in each risk group</h2>'
        "<p>How many people in each risk group have a screening gap. The bar is the gap rate; "
        "the whiskers show the 95% confidence interval (the range the true rate probably lies "
        "in). A person can be in several groups; &lsquo;Any risk group&rsquo; counts each person "
        "once.</p>"
        + _figure("cohort-rates", c.charts, "Gap rate by risk group, with 95% intervals.")
        + table
    )


def _practices(c: ReportContent) -> str:
    rows = c.summary[(c.summary["cohort"] == ANY_COHORT) & (c.summary["breakdown"] == "practice")]
    body = []
    for _, r in rows.iterrows():
        position = c.practice_positions.get(str(r["group"]), "not shown (small numbers)")
        body.append(
            [
                escape(str(r["group"])),
                _n(fmt_count(r["n_at_risk"])),
                _n(fmt_count(r["n_gap"])),
                _n(fmt_rate(r["gap_rate"])),
                _n(fmt_ci(r)),
                escape(position),
            ]
        )
    table = _table(
        ["Practice", "At risk", "With a gap", "Gap rate", "95% interval", "Compared with overall"],
        body,
    )
    return (
        '<h2 id="practices">Practices compared</h2>'
        "<p>Each dot is a practice: its gap rate against its number of people at risk. The "
        "dashed lines are control limits around the overall rate: a practice of that size would "
        "fall outside the inner (95%) lines by chance 1 time in 20, and outside the outer (99.8%) "
        "lines 1 time in 500. Practices far outside deserve a look; small practices vary more by "
        "chance. Practices whose numbers are suppressed cannot be plotted.</p>"
        + _figure("funnel", c.charts, "Funnel plot of practice gap rates (any risk group).")
        + table
    )


def _breakdown(c: ReportContent, breakdown: str, heading: str, label: str) -> str:
    rows = c.summary[(c.summary["cohort"] == ANY_COHORT) & (c.summary["breakdown"] == breakdown)]
    labels = [group_label(breakdown, g) for g in rows["group"]]
    return (
        f'<h2 id="{breakdown}">{escape(heading)}</h2>'
        "<p>Gap rates of people in any risk group.</p>"
        + _figure(
            f"{breakdown}-rates", c.charts, f"Gap rate {heading.lower()}, with 95% intervals."
        )
        + _rate_table(rows, label, labels)
    )


def _status_mix(c: ReportContent) -> str:
    rows = c.summary[(c.summary["cohort"] == ANY_COHORT) & (c.summary["breakdown"] == "status")]
    by_status = {r["group"]: r["n_at_risk"] for _, r in rows.iterrows()}
    body = [
        [escape(STATUS_LABELS[s]), _n(fmt_count(by_status.get(s))), escape(_status_gap(s))]
        for s in SCREENING_STATUSES
    ]
    return (
        '<h2 id="status">Screening status of everyone at risk</h2>'
        "<p>Every person in any risk group has exactly one status; the first that applies wins, in "
        "the order of the method notes below.</p>"
        + _figure("status-mix", c.charts, "People at risk by screening status.")
        + _table(["Status", "People", "Counts as a gap?"], body)
    )


def _changes(c: ReportContent) -> str:
    head = '<h2 id="changes">Change since the previous run</h2>'
    if c.changes.first_run:
        return head + (
            "<p>This is the first run to compare: there is no earlier published run of "
            "another extract or another as-of date from this source (a rerun of the same "
            "extract for the same date is not compared with itself).</p>"
        )
    row = c.changes.counts.iloc[0]
    previous = c.changes.previous_as_of.isoformat() if c.changes.previous_as_of else "?"
    body = [
        [f"Gaps at the previous run (data as of {previous})", _n(fmt_count(row["n_gaps_before"]))],
        [f"Gaps now (data as of {c.as_of.isoformat()})", _n(fmt_count(row["n_gaps_now"]))],
        ["New gaps (a gap now, not at the previous run)", _n(fmt_count(row["n_new"]))],
        ["Persisting gaps (a gap at both runs)", _n(fmt_count(row["n_persisting"]))],
        ["Closed gaps (a gap then, not now)", _n(fmt_count(row["n_closed"]))],
        ["&nbsp;&nbsp;of which tested or treated since", _n(fmt_count(row["n_closed_resolved"]))],
        ["&nbsp;&nbsp;of which no longer on the at-risk list", _n(fmt_count(row["n_closed_left"]))],
    ]
    return (
        head
        + f"<p>Compared with the run {escape(str(c.changes.previous_run_id))}, person by person "
        "(by pseudonymous identifier, in any risk group).</p>"
        + _rules_changed(c.changes.rules_changed)
        + _table(["", "People"], body)
    )


def _rules_changed(rules: tuple[str, ...] | None) -> str:
    """Whether the rules themselves changed between the two runs (runs.rule_checksums)."""
    if rules is None:
        return (
            "<p>The previous run recorded no rule checksums: whether its rules differ is not "
            "known.</p>"
        )
    if not rules:
        return "<p>The rules are the same as at the previous run (same checksums).</p>"
    return (
        "<p><strong>Rules changed since the previous run:</strong> "
        + escape(", ".join(rules))
        + " (see docs/rules.md). Part of the change below may come from the rules, not from "
        "care.</p>"
    )


def _quality(c: ReportContent) -> str:
    head = (
        '<h2 id="quality">Data quality</h2><p>Rows of the extract that broke a validation rule '
        "were set aside (quarantined) and not used. Counts of rows, never their contents.</p>"
    )
    if c.quality is None:
        return head + "<p>Counts were not recorded for this run.</p>"
    tables = c.quality[c.quality["level"] == "table"]
    rules = c.quality[c.quality["level"] == "rule"]
    body = [
        [
            escape(str(r["table"])),
            _n(fmt_count(r["n_read"])),
            _n(fmt_count(r["n_loaded"])),
            _n(fmt_count(r["n_quarantined"])),
        ]
        for _, r in tables.iterrows()
    ]
    out = head + _table(["Table", "Rows read", "Loaded", "Quarantined"], body)
    if len(rules):
        rule_body = [
            [escape(str(r["table"])), escape(str(r["rule"])), _n(fmt_count(r["n_quarantined"]))]
            for _, r in rules.iterrows()
        ]
        out += '<h3>Quarantined rows by rule</h3><p class="note">A row can break several rules.</p>'
        out += _table(["Table", "Rule", "Rows"], rule_body)
    else:
        out += "<p>No row broke a rule.</p>"
    return out


def _method(c: ReportContent) -> str:
    cfg = c.config
    s = cfg.screening
    cohort_rows = []
    for cohort in cfg.cohorts:
        cohort_rows.append(
            [
                escape(cohort.title)
                + ("" if cohort.enabled else " <em>(not used in this run)</em>"),
                escape(_params(cohort.params)),
                escape(", ".join(cohort.codelists) or "none (age only)"),
                _setting_n(f"{cfg.interval_days(cohort):,}"),
                escape(cohort.citation),
            ]
        )
    status_rows = [
        [str(k + 1), escape(st.label), escape(st.rule_text(s)), escape(_status_gap(st.name))]
        for k, st in enumerate(STATUSES)
    ]
    settings = [[escape(k), escape(str(v))] for k, v in s.items()]
    codelists = (
        _table(
            ["Codelist", "Version", "SHA-256", "Source", "Codes"],
            [
                [escape(str(x)) for x in row[:3]] + [escape(str(row[3])), _setting_n(f"{row[4]:,}")]
                for row in c.codelists
            ],
        )
        if c.codelists
        else "<p>Codelist versions were not recorded for this run.</p>"
    )
    population = cfg.population
    eras = cfg.eras
    return (
        '<h2 id="method">Method notes</h2>'
        f"<h3>Who is counted</h3><p>People aged {escape(str(population.get('min_age')))} and over "
        f"at the as-of date ({escape(str(population.get('citation', '')))}). Only events on or "
        "before the as-of date are used.</p>"
        "<h3>Risk groups and their rules</h3>"
        + _table(
            ["Risk group", "Rule settings", "Codelists", "Test interval (days)", "Evidence"],
            cohort_rows,
        )
        + f"<p>Medicines: a prescription without a supply length covers "
        f"{escape(str(eras.get('default_days_supply')))} days; covered periods closer than "
        f"{escape(str(eras.get('max_gap_days')))} days join into one era. When a person is in "
        "several groups, the shortest testing interval applies. NICE sets no screening "
        "interval: the intervals are local policy.</p>"
        "<h3>Screening status (the first that applies)</h3>"
        + _table(["Order", "Status", "When", "Gap?"], status_rows)
        + "<h3>Screening settings of this run</h3>"
        + _table(["Setting", "Value"], settings)
        + "<h3>Codelists</h3>"
        + codelists
        + "<h3>Statistics</h3><p>Confidence intervals are 95% Wilson score intervals. Funnel-plot "
        "limits are Wilson score limits (95% and 99.8%) around the overall gap rate of any risk "
        "group for a practice of each size. Rates, intervals and limits are computed from the "
        "published (rounded) counts.</p>"
        + "<h3>Disclosure control</h3><p>"
        + escape(c.policy.describe()[0].upper() + c.policy.describe()[1:])
        + f". A suppressed number is shown as &lsquo;{SUPPRESSED}&rsquo;. This report holds no "
        "patient-level information.</p>"
    )


# --- pieces --------------------------------------------------------------------------------------


def fmt_count(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return SUPPRESSED
    return f"{int(value):,}"


def fmt_rate(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.1f}%"


def fmt_ci(row: Any) -> str:
    low, high = row["ci_low"], row["ci_high"]
    if pd.isna(low) or pd.isna(high):
        return "–"
    return f"({100 * float(low):.1f}–{100 * float(high):.1f}%)"


def group_label(breakdown: str, group: str) -> str:
    if breakdown == "sex":
        return SEX_LABELS.get(group, group)
    if breakdown == "status":
        return STATUS_LABELS.get(group, group)
    return group


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items()) or "none"


def _status_gap(status: str) -> str:
    return "yes" if status in GAP_STATUSES else "no"


def _overall(summary: pd.DataFrame, cohort: str) -> pd.Series:
    rows = summary[(summary["cohort"] == cohort) & (summary["breakdown"] == "overall")]
    return rows.iloc[0]


def _rate_table(rows: pd.DataFrame, label: str, labels: Iterable[str]) -> str:
    body = [
        [
            escape(name),
            _n(fmt_count(r["n_at_risk"])),
            _n(fmt_count(r["n_gap"])),
            _n(fmt_count(r["n_never_tested"])),
            _n(fmt_count(r["n_overdue"])),
            _n(fmt_count(r["n_abnormal_untreated"])),
            _n(fmt_rate(r["gap_rate"])),
            _n(fmt_ci(r)),
        ]
        for name, (_, r) in zip(labels, rows.iterrows(), strict=True)
    ]
    headers = [
        label,
        "At risk",
        "With a gap",
        "Never tested",
        "Overdue",
        "Low, untreated",
        "Gap rate",
        "95% interval",
    ]
    return _table(headers, body)


def _n(text: Any) -> tuple[str]:
    """Mark a cell as a published count (numeric, right-aligned)."""
    return (escape(str(text)),)


def _setting_n(text: Any) -> tuple[str, str]:
    """A numeric cell that is not a count of people (a setting, the size of a codelist)."""
    return (escape(str(text)), "setting")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Cells are HTML already (escaped by the caller); a tuple cell is numeric: (text,) a
    published count, (text, "setting") another number (the disclosure test tells them apart)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append(f'<td class="{" ".join(("n", *cell[1:]))}">{cell[0]}</td>')
            else:
                cells.append(f"<td>{cell}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    if not lines:
        lines.append(f'<tr><td colspan="{len(headers)}">No one to show.</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _figure(name: str, charts: dict[str, str], caption: str) -> str:
    svg = charts.get(name)
    if not svg:
        return ""
    return f'<figure>{svg}<figcaption id="{name}-caption">{escape(caption)}</figcaption></figure>'
