"""The output models describe every column of the warehouse outputs and check statuses."""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl
import pytest

from schemas.outputs import OUTPUT_TABLES, SCREENING_STATUSES, output_schema


def status_row(**changes):
    row = {
        "patient_id": "P1",
        "practice_id": "PR1",
        "sex": "F",
        "age": 80,
        "status": "never_tested",
        "cohorts": ["older_adults"],
        "last_test_on": None,
        "last_test_code": None,
        "last_result_pmol_l": None,
        "last_result_judged": False,
        "interval_days": 365,
        "due_on": None,
        "last_treatment_on": date(2020, 1, 1),
        "run_id": "r",
    }
    return row | changes


def frame(rows):
    schema = output_schema("screening_status")
    return pl.DataFrame(rows, schema={n: c.dtype.type for n, c in schema.columns.items()})


def test_every_output_column_has_a_description():
    for table in OUTPUT_TABLES:
        for name, column in output_schema(table).columns.items():
            assert column.description, (table, name)


def test_a_screening_status_row_of_each_status_passes():
    output_schema("screening_status").validate(
        frame([status_row(status=s) for s in SCREENING_STATUSES])
    )


def test_an_unknown_status_fails():
    with pytest.raises(pa.errors.SchemaError):
        output_schema("screening_status").validate(frame([status_row(status="fine")]))
