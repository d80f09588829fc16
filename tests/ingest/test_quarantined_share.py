"""A table mostly quarantined refuses the extract; a lower share is a warning. Shares, rule
names and value shapes only: never a value."""

from __future__ import annotations

import json
from datetime import date

import pytest

from b12risk.ingest import value_shapes
from b12risk.ingest.stage import ExtractRefused, StagedTable, StageResult
from b12risk.ingest.validate import (
    TableValidation,
    ValidationResult,
    judge_quarantine,
    most_frequent_rule,
    share_text,
)
from b12risk.sql import run_sql
from schemas.contract import TABLE_NAMES

RUN = "run-1"


def judged(con, read: int, quarantined: int, max_share=0.5, min_rows=100, rule="code_required"):
    """judge_quarantine over diagnoses with `quarantined` of `read` rows quarantined."""
    tables = {t: TableValidation(read=10, loaded=10, quarantined=0) for t in TABLE_NAMES}
    tables["diagnoses"] = TableValidation(
        read=read,
        loaded=read - quarantined,
        quarantined=quarantined,
        rule_counts={rule: quarantined} if quarantined else {},
    )
    result = ValidationResult(date(2024, 6, 30), tables)
    stage = StageResult(
        "h", {t: StagedTable(t, f"staging_{t}", f"{t}.csv", "csv", 10, 0, 0) for t in TABLE_NAMES}
    )
    run_sql(con, "ingest/create_quarantine")
    shares = dict.fromkeys(TABLE_NAMES, max_share)
    return judge_quarantine(con, result, stage, RUN, shares, min_rows), result


# (rows read, rows quarantined, max share, min rows, verdict)
SHARES = [
    (100, 51, 0.5, 100, "refused"),  # more than half of a table of 100
    (100, 50, 0.5, 100, "warning"),  # exactly half: not more
    (100, 100, 0.5, 100, "refused"),
    (99, 99, 0.5, 100, "warning"),  # under 100 rows a share is not judged
    (1000, 1, 0.5, 100, "warning"),  # any quarantined row is a warning
    (1000, 0, 0.5, 100, None),
    (100, 100, 1.0, 100, "warning"),  # max_quarantined_share = 1: never refused
    (100, 1, 0.0, 100, "refused"),  # max_quarantined_share = 0: no row may be quarantined
    (10, 6, 0.5, 10, "refused"),  # quarantine_share_min_rows lowered
]


@pytest.mark.parametrize(("read", "quarantined", "max_share", "min_rows", "verdict"), SHARES)
def test_the_quarantined_share_boundaries(con, read, quarantined, max_share, min_rows, verdict):
    if verdict == "refused":
        with pytest.raises(ExtractRefused) as caught:
            judged(con, read, quarantined, max_share, min_rows)
        assert caught.value.file == "diagnoses.csv"
        assert "most often for rule code_required" in str(caught.value)
        assert "max_quarantined_share" in str(caught.value)
        return
    warnings, result = judged(con, read, quarantined, max_share, min_rows)
    if verdict == "warning":
        assert len(warnings) == 1 and warnings[0].startswith("diagnoses.csv: ")
        assert "code_required" in warnings[0] and warnings == result.warnings
    else:
        assert warnings == [] and result.warnings == []


def test_the_hint_names_the_shape_of_the_values_never_a_value(con):
    run_sql(con, "ingest/create_quarantine")
    for row in range(1, 201):
        raw = json.dumps({"patient_id": f"P{row}", "recorded_on": f"{row % 28 + 1:02d}/06/2020"})
        con.execute(
            "INSERT INTO quarantine "
            "VALUES ($run, 'h', 'diagnoses', $row, ['recorded_on_date'], $raw)",
            {"run": RUN, "row": row, "raw": raw},
        )
    with pytest.raises(ExtractRefused) as caught:
        judged(con, 200, 200, rule="recorded_on_date")
    message = str(caught.value)
    assert message.endswith("recorded_on looks like DD/MM/YYYY")
    assert "/06/2020" not in message and "P1" not in message


# (texts, shape): dates that are not YYYY-MM-DD
DATE_SHAPES = [
    (["31/12/2020", "01/02/2021"], "DD/MM/YYYY"),
    (["12/31/2020", "02/01/2021"], "MM/DD/YYYY"),
    (["01/02/2021", "03/04/2021"], "DD/MM/YYYY or MM/DD/YYYY"),
    (["31.12.2020", "1.2.2021"], "DD.MM.YYYY"),
    (["31-12-2020"], "DD-MM-YYYY"),
    (["2020/12/31"], "YYYY/MM/DD"),
    (["20201231", "20210101"], "YYYYMMDD"),
    (["2020-12-31 10:00:00", "2020-12-31T10:00"], "a date and a time (write the date only)"),
    (["2020-1-5"], "a date without leading zeros (write YYYY-MM-DD)"),
    (["yesterday", "soon"], None),
    (["31/12/2020", "x", "y"], None),  # not most of them
    ([], None),
]


@pytest.mark.parametrize(("texts", "shape"), DATE_SHAPES)
def test_date_shapes(texts, shape):
    assert value_shapes.date_shape(texts) == shape


# (lines, columns, delimiter)
DELIMITERS = [
    (["P1;SNOMED;123;2020-01-01", "P2;SNOMED;456;2020-01-02"], 4, "semicolon"),
    (["P1\tSNOMED\t123\t2020-01-01"], 4, "tab"),
    (["P1|SNOMED|123|2020-01-01"], 4, "pipe"),
    (["P1;SNOMED;123"], 4, None),  # too few fields for the header either way
    (["P1,SNOMED,123,2020-01-01,extra"], 4, None),
]


@pytest.mark.parametrize(("lines", "columns", "delimiter"), DELIMITERS)
def test_delimiter_shapes(lines, columns, delimiter):
    shapes = [value_shapes.line_shape(line, 1) for line in lines]
    assert value_shapes.delimiter_shape(shapes, columns) == delimiter


@pytest.mark.parametrize(
    ("texts", "shape"),
    [(["12,5", "3,0"], "a number with a decimal comma (write 12.5, not 12,5)"), (["<5"], None)],
)
def test_number_shapes(texts, shape):
    assert value_shapes.number_shape(texts) == shape


@pytest.mark.parametrize(
    ("share", "text"),
    [(1.0, "100%"), (0.9999, "99.9%"), (0.5, "50%"), (0.0321, "3.2%"), (0.0004, "<0.1%")],
)
def test_shares_are_rounded_down(share, text):
    assert share_text(share) == text


def test_the_most_frequent_rule_and_ties_in_registry_order():
    assert most_frequent_rule({"code_required": 3, "recorded_on_date": 5}) == "recorded_on_date"
    assert most_frequent_rule({"recorded_on_date": 5, "code_required": 5}) == "code_required"
