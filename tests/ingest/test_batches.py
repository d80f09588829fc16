"""How validation streams batches: the one-pass screen agrees with the pandera model row for
row, the model names every rule a screened-out row broke whichever batch it is in, and a batch
whose columns or types do not match the model is still refused when every row passes."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from b12risk.ingest.validate import _check_batches, _failing_rows
from b12risk.sql import run_sql
from schemas.extract import POLARS_TYPES, batch_columns, batch_schema, batch_screen
from schemas.rules import rules_for

EXTRACT_DATE = date(2024, 6, 30)
TABLE = "prescriptions"
NAMES = [r.name for r in rules_for(TABLE)]

GOOD = {
    "patient_id": "P0001",
    "code_system": "DMD",
    "code": "39109211000001103",
    "issued_on": date(2024, 1, 5),
    "days_supply": 28,
    "daily_dose_mg": 1000.0,
    "issued_on_unparsed": False,
    "days_supply_unparsed": False,
    "daily_dose_mg_unparsed": False,
    "patient_known": True,
    "patient_year_of_birth": 1950,
    "code_format_ok": True,
}

# (fields changed from GOOD, rules the row breaks)
ROWS: list[tuple[dict, list[str]]] = [
    ({}, []),
    ({"days_supply": 0}, ["days_supply_range"]),
    (
        {"patient_id": "P 1", "patient_known": False},
        ["patient_id_pattern", "event_patient_unknown"],
    ),
    ({"issued_on": date(2024, 7, 1)}, ["event_after_extract_date"]),
    ({"issued_on": date(1949, 12, 31)}, ["event_before_birth"]),
    (
        {"daily_dose_mg": 0.0, "code_system": "XYZ"},
        ["code_system_supported", "daily_dose_mg_positive"],
    ),
    ({"issued_on": None, "issued_on_unparsed": True}, ["issued_on_date"]),
    ({"code": None}, ["code_required"]),
]


def batch(rows: list[dict], first_source_row: int = 1) -> pl.DataFrame:
    columns = batch_columns(TABLE)
    data = {
        name: [
            {**GOOD, **changes, "source_row": first_source_row + i}[name]
            for i, changes in enumerate(rows)
        ]
        for name in columns
    }
    return pl.DataFrame(
        data, schema={name: POLARS_TYPES[sql_type] for name, (sql_type, _) in columns.items()}
    )


def model_failures(frame: pl.DataFrame) -> dict[int, list[str]]:
    failing = _failing_rows(batch_schema(TABLE, EXTRACT_DATE), frame, NAMES)
    out: dict[int, list[str]] = {}
    for index, rule in failing.unique().sort("index", "rule").iter_rows():
        out.setdefault(index, []).append(NAMES[rule])
    return out


def test_the_cases_break_the_rules_they_say():
    frame = batch([changes for changes, _ in ROWS])
    expected = {i: sorted(rules) for i, (_, rules) in enumerate(ROWS) if rules}
    assert {i: sorted(r) for i, r in model_failures(frame).items()} == expected


def test_the_screen_rejects_exactly_the_rows_the_model_fails():
    frame = batch([changes for changes, _ in ROWS])
    passes = frame.select(batch_screen(TABLE, EXTRACT_DATE)).to_series().to_list()
    assert [i for i, ok in enumerate(passes) if not ok] == sorted(model_failures(frame))


def stream(frames: list[pl.DataFrame]) -> pa.RecordBatchReader:
    tables = [f.to_arrow() for f in frames]
    return pa.RecordBatchReader.from_batches(
        tables[0].schema, [b for t in tables for b in t.to_batches()]
    )


@pytest.fixture
def con():
    with duckdb.connect() as con:
        run_sql(con, "ingest/create_failures")
        yield con


def test_failures_in_any_batch_are_recorded_with_their_source_row_and_every_rule(con):
    frames = [
        batch([{}, {}], first_source_row=1),
        batch([{}, {"days_supply": 0, "daily_dose_mg": -1.0}, {}], first_source_row=3),
        batch([{}], first_source_row=6),
        batch([{"code_format_ok": False, "code_system": "ATC"}], first_source_row=7),
    ]
    schema = batch_schema(TABLE, EXTRACT_DATE)
    screen = batch_screen(TABLE, EXTRACT_DATE)
    failed = _check_batches(con, TABLE, schema, screen, NAMES, stream(frames))
    rows = con.sql("SELECT source_row, rules FROM validation_failures ORDER BY 1").fetchall()
    assert failed == 2
    assert rows == [
        (4, ["days_supply_range", "daily_dose_mg_positive"]),
        (7, ["code_format_atc"]),
    ]


def test_a_batch_of_the_wrong_type_is_refused_even_when_every_row_passes(con):
    frame = batch([{}, {}]).with_columns(pl.col("days_supply").cast(pl.Int64))
    schema = batch_schema(TABLE, EXTRACT_DATE)
    screen = batch_screen(TABLE, EXTRACT_DATE)
    assert frame.select(screen).to_series().all()
    with pytest.raises(RuntimeError, match="does not match the model"):
        _check_batches(con, TABLE, schema, screen, NAMES, stream([frame]))


def test_a_batch_the_screen_cannot_read_is_refused_by_the_model_not_by_polars(con):
    frame = batch([{}, {}]).with_columns(pl.col("issued_on").cast(pl.String))
    schema = batch_schema(TABLE, EXTRACT_DATE)
    screen = batch_screen(TABLE, EXTRACT_DATE)
    with pytest.raises(RuntimeError, match="does not match the model"):
        _check_batches(con, TABLE, schema, screen, NAMES, stream([frame]))
