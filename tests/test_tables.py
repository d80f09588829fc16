"""The one table-literal dialect of the spec tests (tests/tables.py): cells typed from the
published declarations, relative dates, NULLs, quoted spaces, and refusals that name the column."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from schemas.outputs import OUTPUT_TABLES
from tests.tables import (
    ARROW_TYPES,
    DECLARED,
    TableLiteralError,
    create_table,
    parse_table,
    table_rows,
)

D = date(2025, 6, 30)


def test_cells_take_the_declared_type_of_their_column():
    rows = parse_table(
        """
        patient_id | status  | cohorts                  | age | last_result_pmol_l | last_result_judged | due_on
        p1         | some_status | cohort_a, cohort_b | 80  | 147.6              | true               | 2025-07-01
        p2         | some_status | cohort_a             | 81  | 200                | FALSE              |
        """,  # noqa: E501
        "screening_status",
    )
    assert rows == [
        {
            "patient_id": "p1",
            "status": "some_status",
            "cohorts": ["cohort_a", "cohort_b"],
            "age": 80,
            "last_result_pmol_l": 147.6,
            "last_result_judged": True,
            "due_on": date(2025, 7, 1),
        },
        {
            "patient_id": "p2",
            "status": "some_status",
            "cohorts": ["cohort_a"],
            "age": 81,
            "last_result_pmol_l": 200.0,
            "last_result_judged": False,
            "due_on": None,
        },
    ]
    assert isinstance(rows[1]["last_result_pmol_l"], float)


def test_bigint_timestamp_and_map_columns():
    literal = """
        run_id | as_of | started_at       | patients_read | rule_checksums
        r1     | D     | 2026-01-02 00:05 | 12            | cohort_a=a1, codelists=c1
    """
    assert parse_table(literal, "runs", as_of=D) == [
        {
            "run_id": "r1",
            "as_of": D,
            "started_at": datetime(2026, 1, 2, 0, 5),
            "patients_read": 12,
            "rule_checksums": {"cohort_a": "a1", "codelists": "c1"},
        }
    ]


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("D", date(2025, 6, 30)),
        ("D-180", date(2025, 1, 1)),
        ("D+1", date(2025, 7, 1)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_are_relative_to_as_of_or_iso(cell, day):
    rows = parse_table(f"patient_id | recorded_on\np1 | {cell}", "diagnoses", as_of=D)
    assert rows == [{"patient_id": "p1", "recorded_on": day}]


def test_a_relative_date_without_as_of_is_refused_naming_the_column():
    with pytest.raises(TableLiteralError, match="recorded_on: 'D-1'.*needs as_of"):
        parse_table("patient_id | recorded_on\np1 | D-1", "diagnoses")


def test_empty_cells_are_null_and_quoted_cells_keep_their_spaces():
    rows = parse_table(
        """
        patient_id | unit         | value
        p1         | " Ng / l "   |
        p2         | ""           | 1.5
        p3         |              | " 2 "
        """,
        "concept_events",
    )
    assert [(r["unit"], r["value"]) for r in rows] == [(" Ng / l ", None), ("", 1.5), (None, 2.0)]


def test_rule_lines_are_skipped_and_every_row_has_every_cell():
    assert parse_table("patient_id | age\n---|---\np1 | 80", "population") == [
        {"patient_id": "p1", "age": 80}
    ]
    with pytest.raises(TableLiteralError, match="2 cells but 3 columns"):
        parse_table("patient_id | age | sex\np1 | 80", "population")


def test_a_header_that_is_not_a_declared_column_is_refused_by_name():
    with pytest.raises(TableLiteralError, match="patient: not a column of population"):
        parse_table("patient | age\np1 | 80", "population")
    with pytest.raises(TableLiteralError, match="not a declared table"):
        parse_table("patient_id\np1", "no_such_table")


def test_test_only_columns_are_allowed_when_the_caller_declares_them():
    literal = "patient_id | event | event_date\np1 | total | D-10"
    with pytest.raises(TableLiteralError, match="event: not a column of concept_events"):
        parse_table(literal, "concept_events", as_of=D)
    rows = parse_table(literal, "concept_events", as_of=D, extra={"event": "VARCHAR"})
    assert rows == [{"patient_id": "p1", "event": "total", "event_date": date(2025, 6, 20)}]


def test_a_cell_that_is_not_of_its_column_type_is_refused_naming_the_column():
    with pytest.raises(TableLiteralError, match="age: 'eighty' is not a INTEGER"):
        parse_table("patient_id | age\np1 | eighty", "population")
    with pytest.raises(TableLiteralError, match="any_cohort: 'yes' is not a BOOLEAN"):
        parse_table("patient_id | any_cohort\np1 | yes", "patient_cohorts")


def test_without_a_table_every_cell_is_text():
    assert parse_table("a | b\n1 | D-2\n |") == [{"a": "1", "b": "D-2"}, {"a": None, "b": None}]


def test_every_declared_column_type_can_be_inserted():
    for table, columns in DECLARED.items():
        for column, sql_type in columns.items():
            assert sql_type in ARROW_TYPES, (table, column, sql_type)


def test_declared_tables_are_created_filled_and_read_back_typed(con):
    literal = """
        patient_id | cohort       | rule | evidence_date | era_days | run_id
        p2         | cohort_a | age  |               |          | r1
        p1         | cohort_b   | code | D-3           | 12       | r1
    """
    create_table(con, "cohort_membership", literal, as_of=D)
    declared = OUTPUT_TABLES["cohort_membership"].columns
    created = con.table("cohort_membership")
    assert created.columns == [c.name for c in declared]
    assert [str(t) for t in created.types] == [c.sql_type for c in declared]
    assert (
        table_rows(con, "cohort_membership", list(parse_table(literal, None)[0]))
        == (parse_table(literal, "cohort_membership", as_of=D)[::-1])
    )
    assert table_rows(con, "cohort_membership", "patient_id", where={"cohort": "cohort_b"}) == [
        {"patient_id": "p1"}
    ]
