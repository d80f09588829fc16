"""Staging: file formats, malformed CSV lines, row numbering, and what the warehouse keeps."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.contract import TABLES
from tests.ingest.extracts import (
    BASE_EVENTS,
    BASE_PATIENT,
    RUN_ID,
    csv_text,
    ingest,
    quarantine,
    table_names,
    valid_tables,
    write_extract,
    write_table,
)

HEADER = "patient_id,code_system,code,recorded_on\n"
GOOD = "P0001,SNOMED,44054006,2020-01-01\n"


def diagnoses_file(tmp_path, body: bytes, fmt: str = "csv"):
    folder = write_extract(tmp_path)
    (folder / "diagnoses.csv").unlink()
    data = HEADER.encode() + body
    (folder / f"diagnoses.{fmt}").write_bytes(gzip.compress(data) if fmt == "csv.gz" else data)
    return folder


def shape_of(text: str, lines: int = 1) -> dict:
    """What quarantine keeps of a malformed line that does not align with the header."""
    return {
        "line_length": len(text),
        "line_count": lines,
        "fields": text.count(",") + 1,
        "semicolon": text.count(";"),
        "tab": text.count("\t"),
        "pipe": text.count("|"),
    }


def quarantined_lines(con) -> list[tuple[int, list[str], str]]:
    rows = con.execute(
        "SELECT source_row, rules, raw_values FROM quarantine "
        "WHERE source_table = 'diagnoses' ORDER BY source_row"
    ).fetchall()
    return [(r, list(rules), raw) for r, rules, raw in rows]


@pytest.mark.parametrize("fmt", ["csv", "csv.gz"])
def test_malformed_lines_are_quarantined_with_their_line_numbers(con, tmp_path, fmt):
    body = (
        (
            GOOD  # line 2
            + "P0001,SNOMED,44054006\n"  # line 3: too few fields
            + GOOD  # line 4
            + "P0001,SNOMED,44054006,2020-01-01,extra\n"  # line 5: too many fields
            + "P0001,SNOMED,4405\xff4006,2020-01-01\n".replace("\xff", "")  # line 6: fine
        ).encode()
        + b"P0001,SNOMED,44\xff054006,2020-01-01\n"
        + GOOD.encode()
    )  # 7: bad byte, 8
    folder = diagnoses_file(tmp_path, body, fmt)
    result = ingest(con, folder)
    lines = quarantined_lines(con)
    assert [(r, rules) for r, rules, _ in lines] == [
        (3, ["malformed_line"]),
        (5, ["malformed_line"]),
        (7, ["malformed_line"]),
    ]
    # fields that cannot be aligned with the header: the line's shape, never its text
    assert json.loads(lines[0][2]) == shape_of("P0001,SNOMED,44054006")
    assert json.loads(lines[1][2]) == shape_of("P0001,SNOMED,44054006,2020-01-01,extra")
    # a bad byte in a line that aligns with the header: its contract columns' texts
    assert json.loads(lines[2][2]) == {
        "patient_id": "P0001",
        "code_system": "SNOMED",
        "code": "44\ufffd054006",
        "recorded_on": "2020-01-01",
    }
    diagnoses = result.tables["diagnoses"]
    assert (diagnoses.read, diagnoses.loaded, diagnoses.quarantined) == (7, 4, 3)
    assert diagnoses.rule_counts == {"malformed_line": 3}
    assert result.reconciled


def test_an_unterminated_quote_swallows_the_next_line_and_both_are_counted(con, tmp_path):
    body = (GOOD + 'P0001,SNOMED,"44054006,2020-01-01\n' + GOOD + GOOD).encode()
    folder = diagnoses_file(tmp_path, body)
    result = ingest(con, folder)
    lines = quarantined_lines(con)
    assert len(lines) == 1
    line, rules, raw = lines[0]
    assert (line, rules) == (3, ["malformed_line"])
    assert json.loads(raw)["line_count"] >= 2  # the swallowed line is in the same entry
    assert "P0001" not in raw
    diagnoses = result.tables["diagnoses"]
    assert diagnoses.malformed_lines >= 2
    assert diagnoses.read == diagnoses.loaded + diagnoses.quarantined
    assert diagnoses.loaded == 1


def test_parsed_rows_are_numbered_among_the_rows_that_parsed(con, tmp_path):
    body = (GOOD + "too,few\n" + "P0001,SNOMED,44054007,2020-01-01\n").encode()
    folder = diagnoses_file(tmp_path, body)
    ingest(con, folder)
    assert [(r, rules) for r, rules, _ in quarantined_lines(con)] == [
        (2, ["code_format_snomed"]),  # second parsed row (physical line 4)
        (3, ["malformed_line"]),  # physical line 3
    ]


def test_crlf_line_ends_and_a_byte_order_mark_are_read(con, tmp_path):
    folder = write_extract(tmp_path)
    text = csv_text("diagnoses", valid_tables()["diagnoses"]).replace("\n", "\r\n")
    (folder / "diagnoses.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = ingest(con, folder)
    assert result.tables["diagnoses"].quarantined == 0
    assert con.execute("SELECT max(length(recorded_on::VARCHAR)) FROM diagnoses").fetchall() == [
        (10,)
    ]


def test_header_names_match_ignoring_case_and_spaces(con, tmp_path):
    folder = write_extract(tmp_path)
    columns = [" Patient_ID", "CODE_SYSTEM ", "Code", "Performed_On"]
    rows = [
        {
            " Patient_ID": r["patient_id"],
            "CODE_SYSTEM ": r["code_system"],
            "Code": r["code"],
            "Performed_On": r["performed_on"],
        }
        for r in valid_tables()["procedures"]
    ]
    write_table(folder, "procedures", rows, columns=columns)
    result = ingest(con, folder)
    assert result.tables["procedures"].loaded == 2


def _loaded(con) -> dict[str, list[tuple]]:
    return {t: sorted(con.table(t).fetchall(), key=str) for t in TABLES}


def test_csv_gzip_and_parquet_load_the_same_rows_and_quarantine(tmp_path):
    import duckdb

    tables = valid_tables()
    tables["diagnoses"].append(dict(BASE_EVENTS["diagnoses"], recorded_on="2023-02-30"))
    tables["prescriptions"].append(dict(BASE_EVENTS["prescriptions"], days_supply="0"))
    outcomes = []
    for fmt in ("csv", "csv.gz", "parquet"):
        con = duckdb.connect()
        result = ingest(con, write_extract(tmp_path / fmt.replace(".", "_"), tables, fmt=fmt))
        outcomes.append((result.to_dict()["tables"], _loaded(con), quarantine(con)))
        con.close()
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[0][2] == {
        ("diagnoses", 3): ["recorded_on_date"],
        ("prescriptions", 3): ["days_supply_range"],
    }


def test_typed_parquet_columns_read_as_their_text(con, tmp_path):
    folder = write_extract(tmp_path)
    (folder / "patients.csv").unlink()
    (folder / "prescriptions.csv").unlink()
    patients = pa.table(
        {
            "patient_id": ["P0001", "P0002"],
            "year_of_birth": pa.array([1950.0, 1980.0], pa.float64()),  # pandas-style floats
            "month_of_birth": pa.array([7, None], pa.int32()),
            "sex": ["F", "M"],
            "practice_id": ["PR1", "PR1"],
            "registered_on": pa.array([date(2000, 1, 1), None], pa.date32()),
            "deregistered_on": pa.array([None, None], pa.date32()),
            "died_on": pa.array([datetime(2024, 1, 2), None], pa.timestamp("us")),
        }
    )
    pq.write_table(patients, folder / "patients.parquet")
    prescriptions = pa.table(  # no daily_dose_mg column at all
        {
            "patient_id": ["P0001", "P0002"],
            "code_system": ["ATC", "ATC"],
            "code": ["A10BA02", "A10BA02"],
            "issued_on": pa.array([date(2020, 1, 1), date(2020, 1, 1)], pa.date32()),
            "days_supply": pa.array([28, None], pa.int64()),
        }
    )
    pq.write_table(prescriptions, folder / "prescriptions.parquet")
    result = ingest(con, folder)
    assert result.tables["patients"].quarantined == 0
    assert result.tables["prescriptions"].quarantined == 0
    assert con.execute("SELECT died_on FROM patients WHERE patient_id = 'P0001'").fetchall() == [
        (date(2024, 1, 2),)
    ]
    assert con.execute("SELECT count(daily_dose_mg), count(*) FROM prescriptions").fetchall() == [
        (0, 2)
    ]


def test_a_csv_without_the_optional_dose_column_loads_it_empty(con, tmp_path):
    folder = write_extract(tmp_path)
    columns = [c for c in TABLES["prescriptions"].column_names if c != "daily_dose_mg"]
    write_table(folder, "prescriptions", valid_tables()["prescriptions"], columns=columns)
    result = ingest(con, folder)
    assert result.tables["prescriptions"].loaded == 2
    assert con.execute("SELECT count(daily_dose_mg) FROM prescriptions").fetchall() == [(0,)]


def test_the_warehouse_keeps_exactly_the_contract_tables_and_types(con, tmp_path):
    ingest(con, write_extract(tmp_path))
    assert table_names(con) == {*TABLES, "quarantine"}
    for name, spec in TABLES.items():
        described = con.execute(f"DESCRIBE {name}").fetchall()
        assert [(r[0], r[1]) for r in described] == [(c.name, c.sql_type) for c in spec.columns]
    assert [r[0] for r in con.execute("DESCRIBE quarantine").fetchall()] == [
        "run_id",
        "extract_hash",
        "source_table",
        "source_row",
        "rules",
        "raw_values",
    ]


def test_raw_values_hold_the_row_as_text(con, tmp_path):
    tables = valid_tables()
    tables["lab_results"].append(dict(BASE_EVENTS["lab_results"], value="<5", unit="pmol/L"))
    ingest(con, write_extract(tmp_path, tables))
    (raw,) = con.execute("SELECT raw_values FROM quarantine").fetchall()[0]
    assert json.loads(raw) == {
        "patient_id": "P0001",
        "code_system": "LOINC",
        "code": "2132-9",
        "taken_on": "2020-01-01",
        "value": "<5",
        "unit": "pmol/L",
    }


def test_each_unparsed_value_is_named_and_shown_in_its_own_column(con, tmp_path):
    """Texts kept for a row are matched back to their columns by position: every typed column
    of patients and prescriptions, one unparsed at a time and two at once."""
    tables = valid_tables()
    tables["patients"] += [
        dict(BASE_PATIENT, patient_id="PM", month_of_birth="x", died_on="2020-02-30"),
        dict(BASE_PATIENT, patient_id="PY", year_of_birth="19x0"),
        dict(BASE_PATIENT, patient_id="PR", registered_on="2000-1-1"),
        dict(BASE_PATIENT, patient_id="PD", deregistered_on="soon"),
    ]
    tables["prescriptions"] += [
        dict(BASE_EVENTS["prescriptions"], days_supply="7d", daily_dose_mg="1,000"),
        dict(BASE_EVENTS["prescriptions"], issued_on="2020/01/01"),
    ]
    ingest(con, write_extract(tmp_path, tables))
    rows = con.execute(
        "SELECT source_table, rules, raw_values FROM quarantine ORDER BY source_table, source_row"
    ).fetchall()
    got = [(t, sorted(rules), json.loads(raw)) for t, rules, raw in rows]
    typed_patient = dict(BASE_PATIENT, deregistered_on=None, died_on=None)  # missing: null
    assert got == [
        (
            "patients",
            ["died_on_date", "month_of_birth_integer"],
            dict(typed_patient, patient_id="PM", month_of_birth="x", died_on="2020-02-30"),
        ),
        (
            "patients",
            ["year_of_birth_integer"],
            dict(typed_patient, patient_id="PY", year_of_birth="19x0"),
        ),
        (
            "patients",
            ["registered_on_date"],
            dict(typed_patient, patient_id="PR", registered_on="2000-1-1"),
        ),
        (
            "patients",
            ["deregistered_on_date"],
            dict(typed_patient, patient_id="PD", deregistered_on="soon"),
        ),
        (
            "prescriptions",
            ["daily_dose_mg_number", "days_supply_integer"],
            dict(BASE_EVENTS["prescriptions"], days_supply="7d", daily_dose_mg="1,000"),
        ),
        (
            "prescriptions",
            ["issued_on_date"],
            dict(BASE_EVENTS["prescriptions"], issued_on="2020/01/01", daily_dose_mg="1000.0"),
        ),
    ]


def test_a_rerun_of_the_same_extract_replaces_its_quarantine_rows(con, tmp_path):
    tables = valid_tables()
    tables["diagnoses"].append(dict(BASE_EVENTS["diagnoses"], code="1"))
    folder = write_extract(tmp_path / "a", tables)
    ingest(con, folder)
    ingest(con, folder)
    assert con.execute("SELECT count(*) FROM quarantine").fetchall() == [(1,)]
    tables["procedures"].append(dict(BASE_EVENTS["procedures"], code="?"))
    ingest(con, write_extract(tmp_path / "b", tables))  # another extract: its rows are added
    assert con.execute(
        "SELECT count(*), count(DISTINCT extract_hash) FROM quarantine"
    ).fetchall() == [(3, 2)]
    assert con.execute("SELECT DISTINCT run_id FROM quarantine").fetchall() == [(RUN_ID,)]


def test_source_rows_follow_the_file_in_a_large_file_read_in_parallel(con, tmp_path):
    """Every 997th row is bad; its source_row must be its position, whatever the threads."""
    n = 200_000
    folder = write_extract(tmp_path)
    con.execute("SET threads = 4")
    con.sql(
        "SELECT 'P0001' AS patient_id, 'SNOMED' AS code_system, "
        "CASE WHEN i % 997 = 0 THEN 'bad' || i ELSE '44054006' END AS code, "
        "'2020-01-01' AS recorded_on FROM range(1, $n + 1) t(i)",
        params={"n": n},
    ).write_csv(str(folder / "diagnoses.csv"), header=True)
    ingest(con, folder)
    rows = con.execute(
        "SELECT source_row, json_extract_string(raw_values, '$.code') FROM quarantine "
        "WHERE source_table = 'diagnoses'"
    ).fetchall()
    assert len(rows) == n // 997
    assert all(code == f"bad{row}" for row, code in rows)


def test_the_file_hash_changes_with_any_byte_and_not_otherwise(tmp_path):
    from b12risk.ingest.stage import inspect_extract

    folder = write_extract(tmp_path)
    first = inspect_extract(folder).content_hash
    assert inspect_extract(folder).content_hash == first
    with open(folder / "procedures.csv", "a") as handle:
        handle.write("P0001,OPCS4,G28.1,2020-01-01\n")
    assert inspect_extract(folder).content_hash != first


def test_the_manifest_is_read(tmp_path):
    from b12risk.ingest.stage import inspect_extract

    manifest = {"extract_id": "X1", "source": "test", "extracted_on": "2024-05-01", "other": 1}
    files = inspect_extract(write_extract(tmp_path, manifest=manifest))
    assert (files.extract_id, files.extracted_on) == ("X1", date(2024, 5, 1))
    assert files.formats == dict.fromkeys(TABLES, "csv")
    assert any("other" in w for w in files.warnings)


PROCEDURES_HEADER = "patient_id,code_system,code,performed_on\n"
PROCEDURE = "P0001,OPCS4,G28.1,2020-01-01\n"


@pytest.mark.parametrize(
    ("body", "counts"),
    [
        ("", (0, 0, 0)),  # a header and no rows
        ("\n" + PROCEDURE + "\n\n" + PROCEDURE, (2, 2, 0)),  # blank lines are not rows
        (PROCEDURE + "P0001,OPCS4," + "G" * 3_000_000 + ",2020-01-01\n", (2, 1, 1)),  # too long
        ("P0001,OPCS4,G2\x008.1,2020-01-01\n", (1, 0, 1)),  # a NUL byte in a code
        ('P0001,OPCS4,"",2020-01-01\n', (1, 0, 1)),  # a quoted empty value is missing
    ],
    ids=["header only", "blank lines", "line over 2 MB", "NUL byte", "quoted empty"],
)
def test_odd_but_readable_files_reconcile(con, tmp_path, body, counts):
    folder = write_extract(tmp_path)
    (folder / "procedures.csv").write_text(PROCEDURES_HEADER + body)
    result = ingest(con, folder)
    procedures = result.tables["procedures"]
    assert (procedures.read, procedures.loaded, procedures.quarantined) == counts
    assert result.reconciled


def test_without_patients_every_event_is_quarantined(con, tmp_path):
    tables = valid_tables()
    tables["patients"] = []
    result = ingest(con, write_extract(tmp_path, tables))
    assert all(result.tables[t].loaded == 0 for t in BASE_EVENTS)
    assert result.rule_counts["diagnoses"] == {"event_patient_unknown": 2}


def test_a_row_lost_by_a_bug_fails_reconciliation_and_commits_nothing(con, tmp_path, monkeypatch):
    from b12risk.ingest import validate as validation
    from b12risk.ingest.stage import inspect_extract, stage_extract

    files = inspect_extract(write_extract(tmp_path))
    staged = stage_extract(con, files)
    finalize = validation._quarantine_and_finalize

    def losing_a_row(con, run_id, extract_hash):
        finalize(con, run_id, extract_hash)
        con.execute("DELETE FROM procedures WHERE rowid = 0")

    monkeypatch.setattr(validation, "_quarantine_and_finalize", losing_a_row)
    with pytest.raises(validation.ReconciliationError, match="procedures"):
        validation.validate_extract(con, staged, RUN_ID, files.content_hash, date(2024, 6, 30))
    assert "procedures" not in table_names(con)
    assert "staging_procedures" in table_names(con)


def _diagnosis_line(i: int) -> str:
    return f"P{i:04d},SNOMED,44054006,2020-01-01"


def _lines(n: int, broken: dict[int, str]) -> list[str]:
    """Physical data lines 2..n+1 (line 1 is the header); `broken` replaces some by number."""
    return [broken.get(line, _diagnosis_line(line)) for line in range(2, n + 2)]


# (what, data lines, format): every physical line must be loaded or held by a quarantined
# record whose raw_values is exactly its lines, however many lines one record swallows.
SWALLOWING_FILES = [
    (
        "an unterminated quote halfway through: the rest of the file is one record",
        _lines(2000, {1001: 'P1001,SNOMED,"44054006,2020-01-01'}),
        "csv",
    ),
    (
        "the same in a gzip file",
        _lines(2000, {1001: 'P1001,SNOMED,"44054006,2020-01-01'}),
        "csv.gz",
    ),
    (
        "a quote closed 3 MB later: one row with a 3 MB code, quarantined for its format",
        _lines(110_000, {1001: 'P1001,SNOMED,"44054006,2020-01-01', 100_001: 'x",2020-01-01'}),
        "csv",
    ),
    (
        "a quote closed 20 MB later: the record is longer than DuckDB reads as one line",
        _lines(640_000, {1001: 'P1001,SNOMED,"44054006,2020-01-01', 630_001: 'x",2020-01-01'}),
        "csv",
    ),
    (
        "a 3 MB line without quotes, last in the file: one line, not the rest",
        _lines(100, {100: "P0100,SNOMED," + "G" * 3_000_000 + ",2020-01-01"}),
        "csv",
    ),
    (
        "too many fields early, an unterminated quote at the end",
        _lines(500, {10: _diagnosis_line(10) + ",extra", 450: 'P0450,"SNOMED,x,2020-01-01'}),
        "csv",
    ),
    (
        'a quote inside a field opens nothing: 12"34 is one bad code',
        _lines(50, {20: 'P0020,SNOMED,12"34,2020-01-01', 21: 'P0021,SNOMED,",2020-01-01'}),
        "csv",
    ),
]


@pytest.mark.parametrize(
    ("what", "lines", "fmt"), SWALLOWING_FILES, ids=[c[0][:40] for c in SWALLOWING_FILES]
)
def test_every_physical_line_is_loaded_or_held_by_its_quarantined_record(
    con, tmp_path, what, lines, fmt
):
    folder = diagnoses_file(tmp_path, ("\n".join(lines) + "\n").encode(), fmt)
    result = ingest(con, folder)
    physical = [HEADER.rstrip("\n"), *lines]
    held: set[int] = set()
    lines_in_rows = 0  # lines held by rows that parsed (a quoted value can span lines)
    for line, rules, raw in quarantined_lines(con):
        if rules != ["malformed_line"]:
            lines_in_rows += sum(str(v).count("\n") for v in json.loads(raw).values())
            continue
        kept = json.loads(raw)
        assert "line_length" in kept, "a record that swallowed lines cannot align with the header"
        span = kept["line_count"]
        text = "\n".join(physical[line - 1 : line - 1 + span])
        assert kept == shape_of(text, span), (what, line)
        held |= set(range(line, line + span))
    diagnoses = result.tables["diagnoses"]
    assert diagnoses.malformed_lines == len(held)
    parsed = diagnoses.read - diagnoses.rule_counts.get("malformed_line", 0)
    assert parsed + lines_in_rows + len(held) == len(lines), what  # none neither loaded nor kept
    assert result.reconciled
