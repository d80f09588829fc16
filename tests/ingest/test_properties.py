"""Property tests: the pipeline against the plain-Python reference of the contract, and random
corruptions of a valid extract, which must always reconcile or be refused, never crash."""

from __future__ import annotations

import gzip
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b12risk.ingest.stage import ExtractRefused
from b12risk.sql import run_script
from schemas.codes import CODE_FORMATS, CODE_SYSTEMS
from schemas.contract import TABLES
from tests.ingest.extracts import (
    EXTRACT_DATE,
    ingest,
    quarantine,
    table_names,
    valid_tables,
    write_extract,
)
from tests.reference import ingest as reference

SLOW_EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

junk = st.text(alphabet="0123456789-./:eE+ abcxyzAZ", max_size=12)
day_text = st.one_of(
    st.dates(date(1880, 1, 1), date(2030, 12, 31)).map(date.isoformat),
    st.sampled_from(
        [
            "",
            "2023-02-30",
            "2023-2-3",
            "yesterday",
            "2024-02-29",
            "2023-02-29",
            "2020-01-01T00:00",
            "0000-01-01",
            " 2020-01-01",
            "infinity",
            "2024-06-30",
            "2024-07-01",
        ]
    ),
    junk,
)
integer_text = st.one_of(
    st.sampled_from(["-1", "0", "1", "12", "13", "365", "366", "1899", "1900", "2024", "2025"]),
    st.integers(-5, 2100).map(str),
    st.sampled_from(["", "07", "+5", "-0", "1e3", "28.5", "0x10", "1_000", " 5", "9999999999"]),
    junk,
)
number_text = st.one_of(
    st.floats(-100, 1e6, allow_nan=False).map(str),
    st.integers(-5, 500).map(str),
    st.sampled_from(["", "0", "-0", "nan", "inf", "1e400", "<5", "1,5", ".5", "5.", "+3", " 2"]),
    junk,
)
code_text = st.one_of(
    st.sampled_from([e for f in CODE_FORMATS.values() for e in f.examples]),
    st.sampled_from(["38341004", "2132-8", "E1", "C10F", "A10B0", ""]),
    junk,
)
patient_id = st.sampled_from(["P1", "P2", "P3", "P4", "bad id", "", "x" * 65])
event_row = {
    "patient_id": patient_id,
    "code_system": st.sampled_from([*CODE_SYSTEMS, "", "snomed", "ICD-10"]),
    "code": code_text,
}
tables_strategy = st.fixed_dictionaries(
    {
        "patients": st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": patient_id,
                    "year_of_birth": st.one_of(st.integers(1895, 2030).map(str), integer_text),
                    "month_of_birth": st.one_of(st.integers(-1, 14).map(str), integer_text),
                    "sex": st.sampled_from(["F", "M", "I", "U", "f", "X", ""]),
                    "practice_id": st.sampled_from(["PR1", "", " "]),
                    "registered_on": day_text,
                    "deregistered_on": st.sampled_from(["", "2010-05-05"]),
                    "died_on": day_text,
                }
            ),
            max_size=8,
        ),
        "diagnoses": st.lists(
            st.fixed_dictionaries({**event_row, "recorded_on": day_text}), max_size=6
        ),
        "prescriptions": st.lists(
            st.fixed_dictionaries(
                {
                    **event_row,
                    "issued_on": day_text,
                    "days_supply": st.one_of(
                        st.integers(-1, 2).map(str), st.integers(360, 370).map(str), integer_text
                    ),
                    "daily_dose_mg": number_text,
                }
            ),
            max_size=6,
        ),
        "lab_results": st.lists(
            st.fixed_dictionaries(
                {**event_row, "taken_on": day_text, "value": number_text, "unit": st.just("u")}
            ),
            max_size=6,
        ),
        "procedures": st.lists(
            st.fixed_dictionaries({**event_row, "performed_on": day_text}), max_size=4
        ),
    }
)


@pytest.fixture(scope="module")
def parsers():
    con = duckdb.connect()
    run_script(con, "ingest/macros")
    yield con
    con.close()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.one_of(day_text, integer_text, number_text), min_size=1, max_size=30))
def test_the_sql_parsers_agree_with_the_reference(parsers, texts):
    got = parsers.execute(
        "SELECT t, text_to_date(t, try_cast(t AS DATE)), "
        "text_to_integer(t, try_cast(t AS INTEGER)), text_to_double(t, try_cast(t AS DOUBLE)) "
        "FROM unnest($texts::VARCHAR[]) AS u(t)",
        {"texts": [t if t != "" else None for t in texts]},
    ).fetchall()
    for t, as_date, as_integer, as_double in got:
        expected = [reference.parse_date(t), reference.parse_integer(t), reference.parse_number(t)]
        expected = [None if e is reference.INVALID else e for e in expected]
        assert [as_date, as_integer, as_double] == expected, t


@SLOW_EXAMPLES
@given(tables_strategy)
def test_the_pipeline_quarantines_what_the_reference_says(tables):
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect()
        result = ingest(con, write_extract(Path(tmp), tables))
        found = quarantine(con)
        con.close()
    assert found == reference.expected_quarantine(tables, EXTRACT_DATE)
    assert result.reconciled


# ---------------------------------------------------------------- corruption

BYTES = [b'"', b",", b"\n", b"\r\n", b"\xff", b"\xc3", b"\x00", b"x", b'""', b",,,,"]


BODY_OPS = ("insert_row", "delete", "duplicate_line", "truncate")
body_damage = st.tuples(  # inside a file, after its header: mostly rows to quarantine
    st.sampled_from(list(TABLES)),
    st.sampled_from(BODY_OPS),
    st.floats(0, 1),
    st.sampled_from(BYTES),
)
structural_damage = st.tuples(  # files and headers: mostly refusals
    st.sampled_from([*TABLES, "manifest"]),
    st.sampled_from(["header", "empty", "remove", "second_file", "gzip", "insert"]),
    st.floats(0, 1),
    st.sampled_from(BYTES),
)
corruptions = st.lists(
    st.one_of(body_damage, body_damage, body_damage, structural_damage), min_size=1, max_size=3
)


def _corrupt(folder: Path, target: str, how: str, where: float, payload: bytes) -> None:
    if target == "manifest":
        (folder / "manifest.json").write_bytes(b'{"extracted_on": "2024-06-30"' + payload)
        return
    path = next(folder.glob(f"{target}.*"))
    data = path.read_bytes()
    start = data.find(b"\n") + 1 if how in BODY_OPS else 0  # body edits spare the header
    at = start + int(where * (len(data) - start))
    if how in ("insert", "insert_row"):
        data = data[:at] + payload + data[at:]
    elif how == "delete":
        data = data[:at] + data[at + 1 + len(payload) :]
    elif how == "truncate":
        data = data[:at]
    elif how == "duplicate_line":
        lines = data.split(b"\n")
        lines.insert(int(where * len(lines)), lines[int(where * (len(lines) - 1))])
        data = b"\n".join(lines)
    elif how == "header":
        data = payload + data[data.find(b"\n") :] if b"\n" in data else payload
    elif how == "empty":
        data = b""
    elif how == "remove":
        path.unlink()
        return
    elif how == "second_file":
        (folder / f"{target}.parquet").write_bytes(data)
    elif how == "gzip":
        path.unlink()
        path = folder / f"{target}.csv.gz"
        data = gzip.compress(data)[: max(10, at)]
    path.write_bytes(data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions)
def test_a_corrupted_extract_reconciles_or_is_refused(damage):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_extract(Path(tmp), valid_tables(events_per_table=4))
        for target, how, where, payload in damage:
            if target == "manifest" or any(folder.glob(f"{target}.*")):
                _corrupt(folder, target, how, where, payload)
        con = duckdb.connect()
        try:
            result = ingest(con, folder)
        except ExtractRefused:
            assert table_names(con) == set()
            return
        finally:
            loaded = {}
            if "patients" in table_names(con):
                loaded = {t: con.table(t).count("*").fetchall()[0][0] for t in TABLES}
            con.close()
    assert result.reconciled
    for table, counts in result.tables.items():
        assert counts.read == counts.loaded + counts.quarantined, table
        assert counts.loaded == loaded[table], table
