"""Identifying values in allowed columns refuse the extract (issue 9.2).

SHAPES is the spec of every shape and its boundaries; the SQL macros
(b12risk/ingest/sql/identifier_shapes.sql) are checked against it and, with hypothesis,
against the pure-Python reference in tests/reference/identifiers.py. The refusal tests run
the screen through staging, as a run does.
"""

from __future__ import annotations

import random

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12risk.ingest.stage import ExtractRefused
from b12risk.sql import run_script
from schemas.identifying import NHS_CHECK_PASS_RATE, VALUE_SHAPES, nhs_false_refusal_rate
from tests.ingest.extracts import BASE_PATIENT, ingest, table_names, valid_tables, write_extract
from tests.reference import identifiers

SHAPES = [
    # (value, the shape it has, or None for a pseudonym)
    ("9434765919", "nhs_number"),  # a valid NHS number (the NHS's own example)
    ("9434765918", None),  # the same with a wrong check digit
    ("4010232137", "nhs_number"),
    ("0000000000", "nhs_number"),  # check digit 0 (11 - 0 = 11, read as 0)
    ("1000000001", "nhs_number"),  # 11 - 10 = 1
    ("0000200001", None),  # 6 x 2 = 12: 11 - 1 = 10, a check digit never issued
    ("943476591", None),  # 9 digits
    ("94347659190", None),  # 11 digits
    ("943476591a", None),
    ("jane.doe@example.org", "email"),
    ("j@x.co", "email"),
    ("a@b.c", None),  # a one-letter top-level domain
    ("x@localhost", None),  # no dot
    ("P@0001", None),
    ("+44 20 7946 0958", "phone"),
    ("+447700900123", "phone"),
    ("+1 (555) 123-4567", "phone"),
    ("+12345678", None),  # too few digits
    ("07700 900123", "phone"),
    ("020 7946 0958", "phone"),
    ("020-7946-0958", "phone"),
    ("(01632) 960001", "phone"),
    ("07700900123", None),  # no groups: a numeric token
    ("0123456789", "nhs_number"),  # by chance: 11 - 156 mod 11 = 9
    ("0000 000000", None),  # 00: not a UK number
    ("(555) 123-4567", "phone"),
    ("555-123-4567", "phone"),
    ("555.123.4567", "phone"),
    ("155-123-4567", None),  # no area code starts with 1
    ("2024-000123", None),
    ("123-45-6789", "ssn"),
    ("001-01-0001", "ssn"),
    ("899-99-9999", "ssn"),
    ("000-12-3456", None),
    ("666-12-3456", None),
    ("900-12-3456", None),
    ("123-00-4567", None),
    ("123-45-0000", None),
    ("123456789", None),
    ("JSmith_1970-01-31", "name_date"),
    ("smith.john 31/01/1970", "name_date"),
    ("Smith19700131", "name_date"),
    ("1970-01-31_JSmith", "name_date"),
    ("SMITH_19700131", "name_date"),  # upper case, but a separator
    ("PAT20240131", None),  # an upper-case prefix glued to digits: a token
    ("eb19110624", None),  # hex letters glued to a date-like number: a hex token
    ("19711009ba", None),
    ("Ed_1970-01-31", "name_date"),  # hex letters, but a separator
    ("Gb19700131", "name_date"),
    ("Smith18991231", None),  # 1899: outside 1900-2099
    ("Smith19701331", None),  # month 13
    ("Smith19700132", None),  # day 32
    ("ab-2024-0001", None),
    ("P0001", None),
    ("b9c610cd-28a6-4636-ccb6-c7993b3a4fd2", None),  # a UUID (Synthea)
    ("A81004", None),  # an ODS practice code
    ("PR1", None),
]


@pytest.fixture
def shapes_con(con):
    run_script(con, "ingest/identifier_shapes")
    return con


def sql_shapes(con, values: list[str]) -> list[set[str]]:
    keys = [s.key for s in VALUE_SHAPES]
    selects = ", ".join(f"{k}_shaped(v) AS {k}" for k in keys)
    rows = con.execute(
        f"SELECT {selects} FROM unnest($values) WITH ORDINALITY AS t(v, i) ORDER BY i",  # noqa: S608 - names from VALUE_SHAPES
        {"values": values},
    ).fetchall()
    return [{k for k, hit in zip(keys, row, strict=True) if hit} for row in rows]


def reference_shapes(value: str) -> set[str]:
    return {k for k, shaped in identifiers.SHAPES.items() if shaped(value)}


def test_the_reference_and_the_declarations_name_the_same_shapes():
    assert set(identifiers.SHAPES) == {s.key for s in VALUE_SHAPES}


@pytest.mark.parametrize(("value", "shape"), SHAPES)
def test_a_shape_and_its_boundaries(shapes_con, value, shape):
    expected = {shape} if shape else set()
    assert sql_shapes(shapes_con, [value]) == [expected]
    assert reference_shapes(value) == expected


DIGITS = st.one_of(
    st.text("0123456789", min_size=9, max_size=11),
    st.integers(0, 999_999_999).map(lambda n: identifiers.valid_nhs_number(n) or f"{n:010d}"),
)
SEP = st.sampled_from(["", " ", "-", ".", "/", "_", "  "])
GROUPS = st.lists(st.integers(0, 999_999).map(str), min_size=1, max_size=4)
PHONEISH = st.one_of(
    st.text("0123456789 ()-.+", min_size=8, max_size=26),
    st.builds(
        lambda lead, groups, sep: lead + sep.join(groups),
        st.sampled_from(["+", "+4", "0", "07", "(0", "(", "00", ""]),
        GROUPS,
        SEP,
    ),
)
WORD = st.text("abcxyzABCXYZ'.-", min_size=1, max_size=8)
EMAILISH = st.one_of(
    st.text("ab@.-_xyz0", min_size=1, max_size=14),
    st.builds(
        lambda local, domain, tld: f"{local}@{domain}.{tld}",
        WORD,
        st.text("abc.-0", max_size=6),
        st.text("abcZ0", max_size=4),
    ),
)
DATE = st.builds(
    lambda y, m, d, sep, iso: (
        f"{y:04d}{sep}{m:02d}{sep}{d:02d}" if iso else f"{d:02d}{sep}{m:02d}{sep}{y:04d}"
    ),
    st.integers(1890, 2110),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "-", "/", "."]),
    st.booleans(),
)
NAMEDATEISH = st.builds(
    lambda name, sep, day, first: day + sep + name if first else name + sep + day,
    st.text("aBxZ'. -", min_size=1, max_size=10),
    SEP,
    DATE,
    st.booleans(),
)
SSNISH = st.one_of(
    st.text("0123456789-", min_size=11, max_size=11),
    st.builds(
        lambda a, g, n: f"{a:03d}-{g:02d}-{n:04d}",
        st.integers(0, 999),
        st.integers(0, 99),
        st.integers(0, 9999),
    ),
)
ANY = st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(DIGITS, PHONEISH, EMAILISH, NAMEDATEISH, SSNISH, ANY), max_size=40))
def test_the_sql_shapes_agree_with_the_reference(values):
    con = duckdb.connect()
    run_script(con, "ingest/identifier_shapes")
    values = [v.strip() for v in values]
    assert sql_shapes(con, values) == [reference_shapes(v) for v in values]


def test_a_random_ten_digit_token_passes_the_nhs_check_one_time_in_eleven():
    passing = sum(identifiers.nhs_number(f"{n:010d}") for n in range(0, 10**10, 9_999_991))
    assert abs(passing / 1001 - NHS_CHECK_PASS_RATE) < 0.03
    assert nhs_false_refusal_rate(1) == pytest.approx(1 / 11)
    assert nhs_false_refusal_rate(20) < 1e-6 and nhs_false_refusal_rate(100) < 1e-25


# -- the refusal ---------------------------------------------------------------------------


def nhs_numbers(count: int, seed: int = 1) -> list[str]:
    rng, out = random.Random(seed), []
    while len(out) < count:
        number = identifiers.valid_nhs_number(rng.randrange(400_000_000, 999_999_999))
        if number and number not in out:
            out.append(number)
    return out


def patients_with_ids(ids: list[str], **overrides) -> dict[str, list[dict[str, str]]]:
    tables = valid_tables()
    tables["patients"] = [dict(BASE_PATIENT, patient_id=i, **overrides) for i in ids]
    for table in ("diagnoses", "prescriptions", "lab_results", "procedures"):
        tables[table] = [dict(r, patient_id=ids[0]) for r in tables[table]]
    return tables


def refused(con, folder) -> ExtractRefused:
    before = table_names(con)
    with pytest.raises(ExtractRefused) as caught:
        ingest(con, folder)
    assert table_names(con) == before, "a refused extract left tables behind"
    return caught.value


def test_patient_ids_that_are_mostly_nhs_numbers_refuse_the_extract(con, tmp_path):
    ids = nhs_numbers(6) + ["T0001", "T0002", "T0003", "T0004", "T0005"]
    error = refused(con, write_extract(tmp_path, patients_with_ids(ids)))
    assert (error.file, error.column) == ("patients.csv", "patient_id")
    assert "NHS number" in str(error) and "6 of 11" in str(error)
    assert not any(n in str(error) for n in ids)


def test_exactly_half_nhs_numbers_is_not_most(con, tmp_path):
    ids = nhs_numbers(5) + ["T0001", "T0002", "T0003", "T0004", "T0005"]
    assert ingest(con, write_extract(tmp_path, patients_with_ids(ids))).reconciled


def test_random_ten_digit_pseudonyms_are_not_refused(con, tmp_path):
    rng = random.Random(7)
    ids = sorted({f"{rng.randrange(10**10):010d}" for _ in range(200)})
    assert ingest(con, write_extract(tmp_path, patients_with_ids(ids))).reconciled


@pytest.mark.parametrize(
    ("column", "value", "shape"),
    [
        ("patient_id", "jane.doe@example.org", "e-mail address"),
        ("patient_id", "555-123-4567", "phone number"),
        ("patient_id", "123-45-6789", "US social security number"),
        ("patient_id", "JSmith_1970-01-31", "name and date"),
        ("practice_id", "surgery@example.nhs.uk", "e-mail address"),
        ("practice_id", "020 7946 0958", "phone number"),
    ],
)
def test_one_identifier_shaped_value_refuses_the_extract(con, tmp_path, column, value, shape):
    tables = valid_tables()
    tables["patients"][1][column] = value
    if column == "patient_id":
        for table in ("diagnoses", "prescriptions", "lab_results", "procedures"):
            tables[table] = [dict(r, patient_id="P0001") for r in tables[table]]
    error = refused(con, write_extract(tmp_path, tables))
    assert (error.file, error.column) == ("patients.csv", column)
    assert shape in str(error) and value not in str(error)


def test_an_event_file_of_unknown_ids_shaped_like_identifiers_is_refused(con, tmp_path):
    tables = valid_tables()
    tables["lab_results"][0]["patient_id"] = "jane.doe@example.org"
    error = refused(con, write_extract(tmp_path, tables))
    assert (error.file, error.column) == ("lab_results.csv", "patient_id")
