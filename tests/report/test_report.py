"""write_reports end to end on an in-memory warehouse: the HTML page, the summary files, the
worklists flag, the disclosure flag and what never appears in a published output."""

from __future__ import annotations

import csv
import logging
import re
from datetime import date, datetime
from html.parser import HTMLParser

import duckdb
import pandas as pd
import pytest

from b12risk.config import load_config
from b12risk.report import write_reports
from b12risk.report.aggregates import SUMMARY_COLUMNS
from b12risk.report.disclosure import NOT_FOR_RELEASE, SUPPRESSED
from tests.tables import create_table

from .conftest import (
    AS_OF,
    PREVIOUS_RUN_ID,
    RUN_ID,
    create_history,
    create_membership,
    create_quarantine,
    create_runs,
    create_status,
    run_info,
    synthetic_status,
)

PATIENT_ID = re.compile(r"PSEUDO-\d{5}-ZQX")
SECTIONS = (
    "Key numbers",
    "Screening gaps in each risk group",
    "Practices compared",
    "By age band",
    "By sex",
    "Screening status of everyone at risk",
    "Change since the previous run",
    "Data quality",
    "Method notes",
)
QUALITY = {
    "patients": {"read": 1000, "loaded": 996, "quarantined": 4, "rule_counts": {"sex_code": 4}},
    "lab_results": {"read": 90, "loaded": 90, "quarantined": 0, "rule_counts": {}},
}


def warehouse() -> duckdb.DuckDBPyConnection:
    """This run's tables plus an earlier published run, as the flow leaves them."""
    con = duckdb.connect()
    now = synthetic_status(600)
    create_status(con, now)
    create_membership(
        con,
        [
            {"patient_id": r["patient_id"], "cohort": c, "rule": "age", "run_id": RUN_ID}
            for r in now
            for c in r["cohorts"]
        ],
    )
    earlier = synthetic_status(500, seed=11, run_id=PREVIOUS_RUN_ID)
    create_history(
        con,
        [
            {"run_id": r["run_id"], "as_of": date(2025, 10, 1)}
            | {k: r[k] for k in ("patient_id", "practice_id", "status")}
            for r in earlier + now
        ],
    )
    create_runs(
        con,
        [
            {
                "run_id": PREVIOUS_RUN_ID,
                "extract_hash": "h0",
                "as_of": date(2025, 10, 1),
                "started_at": datetime(2025, 10, 2),
                "finished_at": datetime(2025, 10, 2, 0, 5),
                "status": "published",
                "package_version": "0.1.0",
            },
            {
                "run_id": RUN_ID,
                "extract_hash": "h1",
                "as_of": AS_OF,
                "started_at": datetime(2026, 1, 2),
                "status": "running",
                "package_version": "0.1.0",
            },
        ],
    )
    create_quarantine(
        con,
        [
            {
                "run_id": RUN_ID,
                "source_table": "patients",
                "source_row": 3,
                "rules": ["sex_code"],
                "raw_values": '{"patient_id": "PSEUDO-99999-ZQX"}',
            }
        ],
    )
    create_table(
        con,
        "cohort_attrition",
        [{"step": 1, "label": "population aged 16 and over", "n_patients": 1234, "run_id": RUN_ID}],
    )
    create_table(
        con,
        "codelist_versions",
        """
        concept   | version | sha256 | source   | n_codes
        metformin | 2026-01 | abc123 | reviewed | 31
        """,
    )
    return con


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The default report: disclosure control on, no worklists (logs captured by hand)."""
    out_dir = tmp_path_factory.mktemp("reports") / RUN_ID
    con = warehouse()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        result = write_reports(con, load_config(), run_info(), out_dir, data_quality=QUALITY)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        con.close()
    return result, "\n".join(r.getMessage() for r in records)


@pytest.fixture(scope="module")
def unprotected(tmp_path_factory):
    """Disclosure control explicitly off, worklists asked for."""
    out_dir = tmp_path_factory.mktemp("reports") / RUN_ID
    con = warehouse()
    try:
        return write_reports(
            con, load_config(), run_info(), out_dir, worklists=True, disclosure=False
        )
    finally:
        con.close()


class Page(HTMLParser):
    """What the tests look at in the page: tags, attributes, headings, numeric cells by section."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.headings: list[str] = []
        self.numeric: dict[str, list[str]] = {}
        self.svg_text: list[str] = []
        self.ids: list[str] = []
        self._section = ""
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in.append(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
            if name == "id":
                self.ids.append(value)
        if tag == "h2":
            self._section = dict(attrs).get("id", "")
        if tag == "td" and dict(attrs).get("class") == "n":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.numeric.setdefault(self._section, []).append("".join(self._cell).strip())
            self._cell = None
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in and self._in[-1] == "h2":
            self.headings.append(data.strip())
        if self._cell is not None:
            self._cell.append(data)
        if "svg" in self._in and self._in[-1] == "text":
            self.svg_text.append(data)


def page(result) -> tuple[str, Page]:
    text = result.report_html.read_text(encoding="utf-8")
    return text, Page(text)


def test_the_report_is_one_page_with_its_sections_tables_and_charts(published):
    result, _ = published
    text, parsed = page(result)
    assert parsed.headings == list(SECTIONS)
    assert parsed.tags.count("svg") == 5  # cohorts, funnel, age band, sex, status mix
    assert parsed.tags.count("table") >= 9
    assert len(parsed.ids) == len(set(parsed.ids)), "element ids must be unique across charts"
    assert "first run" not in text
    assert "Adults aged 75 and over" in text and "Wilson" in text
    assert "metformin" in text and "abc123" in text  # codelist version in the method notes
    assert "Population checked: 1,235 people" in text  # 1,234 in cohort_attrition, rounded


def test_the_report_loads_nothing_from_anywhere(published):
    result, _ = published
    text, parsed = page(result)
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(parsed.tags)
    for tag, name, value in parsed.attributes:
        if name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset"):
            assert value.startswith("#"), (tag, name, value)
    assert "http://" not in text and "https://" not in text
    assert "@import" not in text
    assert all(u.startswith("url(#") for u in re.findall(r"url\([^)]*\)", text))


def is_published_count(text: str) -> bool:
    if text in (SUPPRESSED, "–") or text.endswith("%") or text.endswith("%)"):
        return True
    value = int(text.replace(",", ""))
    return value % 5 == 0 and not 1 <= value <= 7


def test_every_count_in_tables_and_charts_is_a_published_count(published):
    result, _ = published
    _, parsed = page(result)
    shown = [
        cell for section, cells in parsed.numeric.items() if section != "method" for cell in cells
    ]
    assert len(shown) > 100 and SUPPRESSED in shown
    assert all(is_published_count(cell) for cell in shown), shown
    labels = " ".join(parsed.svg_text)
    pairs = re.findall(r"\(([\d,]+) of ([\d,]+)\)", labels)
    assert pairs
    for a, b in pairs:
        assert is_published_count(a) and is_published_count(b)


def test_headline_and_artifacts_carry_published_numbers(published):
    result, _ = published
    h = result.headline
    assert h["n_at_risk"] == 600 and h["previous_run_id"] == PREVIOUS_RUN_ID
    assert h["gap_rate"] == pytest.approx(h["n_gap"] / h["n_at_risk"])
    assert h["n_gaps_now"] is not None and h["n_new"] is not None
    assert "| people at risk | 600 |" in result.summary_markdown
    assert "new gaps since the previous run" in result.summary_markdown
    assert len(result.published_rows) == len(pd.read_csv(result.gap_summary_csv))
    assert all(
        v is None or isinstance(v, str | int | float | bool)
        for row in result.published_rows
        for v in row.values()
    )


def test_gap_summary_files_hold_the_published_aggregates(published):
    result, _ = published
    with open(result.gap_summary_csv, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == list(SUMMARY_COLUMNS)
    parquet = pd.read_parquet(result.gap_summary_parquet)
    assert list(parquet.columns) == list(SUMMARY_COLUMNS)
    assert set(parquet["breakdown"]) == {"overall", "practice", "age_band", "sex", "status"}
    assert "any_cohort" in set(parquet["cohort"])
    assert parquet["disclosure_control"].all()
    counts = parquet[[c for c in SUMMARY_COLUMNS if c.startswith("n_")]]
    values = counts.stack().dropna()
    assert ((values % 5 == 0) & ~values.between(1, 7)).all()
    assert counts.isna().any().any()  # some cells are suppressed: empty in the CSV
    frame = pd.read_csv(result.gap_summary_csv, keep_default_na=False)
    assert (frame["n_at_risk"] == "").sum() == parquet["n_at_risk"].isna().sum()


def test_no_patient_id_reaches_any_aggregate_output_or_log(published):
    result, logs = published
    assert not (result.report_html.parent / "sensitive").exists()
    assert result.worklists == ()
    for path in (result.report_html, result.gap_summary_csv):
        assert not PATIENT_ID.search(path.read_text(encoding="utf-8")), path.name
    parquet = pd.read_parquet(result.gap_summary_parquet)
    assert not PATIENT_ID.search(parquet.to_csv())
    assert "patient_id" not in parquet.columns
    assert not PATIENT_ID.search(result.summary_markdown + repr(result.published_rows))
    assert logs and not PATIENT_ID.search(logs)


def test_worklists_are_written_only_when_asked(unprotected):
    assert unprotected.worklists
    folder = unprotected.report_html.parent / "sensitive"
    assert sorted(folder.iterdir()) == sorted(unprotected.worklists)
    assert all(p.name.startswith("worklist_") and p.suffix == ".csv" for p in unprotected.worklists)
    assert PATIENT_ID.search(unprotected.worklists[0].read_text(encoding="utf-8"))


def test_with_control_off_every_output_says_not_for_release(unprotected):
    text, parsed = page(unprotected)
    assert parsed.tags.count("div") and text.count(NOT_FOR_RELEASE) >= 3  # title, two banners
    assert "<title>NOT FOR RELEASE" in text
    summary = pd.read_csv(unprotected.gap_summary_csv)
    assert not summary["disclosure_control"].any()
    assert set(summary["release_note"]) == {NOT_FOR_RELEASE}
    parquet = pd.read_parquet(unprotected.gap_summary_parquet)
    assert set(parquet["release_note"]) == {NOT_FOR_RELEASE}
    assert unprotected.summary_markdown.startswith(f"**{NOT_FOR_RELEASE}**")
    assert not unprotected.disclosure_control
    assert all(not row["disclosure_control"] for row in unprotected.published_rows)


def test_a_first_run_report_says_there_is_nothing_to_compare(tmp_path, con):
    create_status(con, synthetic_status(30))
    result = write_reports(con, load_config(), run_info(), tmp_path)
    text = result.report_html.read_text(encoding="utf-8")
    assert "This is the first run" in text
    assert "Counts were not recorded for this run." in text
    assert "Population checked" not in text  # no cohort_attrition table
    assert "| change since the previous run | first run |" in result.summary_markdown
    assert result.headline["previous_run_id"] is None


def test_a_run_with_nobody_at_risk_still_writes_every_output(tmp_path, con):
    create_status(con, [])
    create_membership(con, [])
    result = write_reports(con, load_config(), run_info(), tmp_path, worklists=True)
    assert result.headline["n_at_risk"] == 0 and result.headline["gap_rate"] is None
    assert result.worklists == ()
    parsed = Page(result.report_html.read_text(encoding="utf-8"))
    assert parsed.headings == list(SECTIONS)
    summary = pd.read_csv(result.gap_summary_csv)
    assert (summary["n_at_risk"] == 0).all()


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ((), "The rules are the same as at the previous run"),
        (
            ("older_adults", "screening_status"),
            "Rules changed since the previous run:</strong> older_adults, screening_status",
        ),
        (None, "recorded no rule checksums"),
    ],
)
def test_the_change_section_says_whether_the_rules_changed(rules, says):
    from b12risk.report.html import _rules_changed

    assert says in _rules_changed(rules)
