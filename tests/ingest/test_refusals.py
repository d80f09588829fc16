"""Structural problems refuse the whole extract, in one line naming the file (and column),
before anything is written: the connection has no new table afterwards."""

from __future__ import annotations

import gzip
import pickle

import pytest

from b12risk.ingest.stage import ExtractRefused, inspect_extract, stage_extract
from tests.ingest.extracts import (
    csv_text,
    ingest,
    table_names,
    valid_tables,
    write_extract,
    write_table,
)


def refusal(con, folder) -> ExtractRefused:
    before = table_names(con)
    with pytest.raises(ExtractRefused) as caught:
        ingest(con, folder)
    assert table_names(con) == before, "a refused extract wrote something"
    message = str(caught.value)
    assert message.startswith("extract refused: ")
    assert "\n" not in message
    return caught.value


def with_header(folder, table, columns, rows=None):
    rows = rows if rows is not None else valid_tables()[table]
    write_table(folder, table, rows, columns=columns)


def test_a_missing_folder(con, tmp_path):
    refused = refusal(con, tmp_path / "nowhere")
    assert "nowhere" in str(refused)


def test_a_missing_file(con, tmp_path):
    folder = write_extract(tmp_path)
    (folder / "procedures.csv").unlink()
    refused = refusal(con, folder)
    assert refused.file == "procedures.csv" and refused.column is None
    assert "procedures.csv" in str(refused) and "missing" in str(refused)


def test_two_files_for_one_table(con, tmp_path):
    folder = write_extract(tmp_path)
    write_table(folder, "patients", valid_tables()["patients"], fmt="parquet")
    message = str(refusal(con, folder))
    assert "patients.csv" in message and "patients.parquet" in message


def test_a_zero_byte_file(con, tmp_path):
    folder = write_extract(tmp_path)
    (folder / "lab_results.csv").write_bytes(b"")
    assert str(refusal(con, folder)) == ("extract refused: lab_results.csv is empty (zero bytes)")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("diagnoses.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary"),
        ("diagnoses.csv.gz", b"this is not gzip at all"),
        ("diagnoses.parquet", b"PAR1 but not really parquet"),
    ],
)
def test_a_file_that_cannot_be_decoded(con, tmp_path, name, content):
    folder = write_extract(tmp_path)
    (folder / "diagnoses.csv").unlink()
    (folder / name).write_bytes(content)
    refused = refusal(con, folder)
    assert refused.file == name and name in str(refused)


def test_a_truncated_gzip_stream_is_refused_while_loading(con, tmp_path):
    folder = write_extract(tmp_path)
    rows = valid_tables(events_per_table=5000)["diagnoses"]
    whole = gzip.compress(csv_text("diagnoses", rows).encode())
    (folder / "diagnoses.csv").unlink()
    (folder / "diagnoses.csv.gz").write_bytes(whole[: len(whole) // 2])
    refused = refusal(con, folder)
    assert refused.file == "diagnoses.csv.gz"


def test_a_missing_required_column(con, tmp_path):
    folder = write_extract(tmp_path)
    with_header(folder, "diagnoses", ["patient_id", "code_system", "recorded_on"])
    refused = refusal(con, folder)
    assert (refused.file, refused.column) == ("diagnoses.csv", "code")
    assert str(refused) == (
        "extract refused: diagnoses.csv: column 'code' is missing from the header (required)"
    )


def test_a_file_with_another_delimiter_misses_its_columns(con, tmp_path):
    folder = write_extract(tmp_path)
    text = csv_text("procedures", valid_tables()["procedures"]).replace(",", ";")
    (folder / "procedures.csv").write_text(text)
    refused = refusal(con, folder)
    assert refused.file == "procedures.csv" and refused.column == "patient_id"


def test_a_column_named_twice(con, tmp_path):
    folder = write_extract(tmp_path)
    columns = ["patient_id", "code_system", "code", "performed_on", "Code"]
    with_header(folder, "procedures", columns)
    refused = refusal(con, folder)
    assert refused.column == "Code" and "twice" in str(refused)


@pytest.mark.parametrize(
    ("table", "column", "kind"),
    [
        ("patients", "postcode", "postcode"),
        ("patients", "Post Code", "postcode"),
        ("patients", "first_name", "name"),
        ("patients", "Surname", "name"),
        ("patients", "name", "name"),
        ("patients", "address_line_1", "address"),
        ("patients", "NHSNumber", "NHS number"),
        ("patients", "nhs_no", "NHS number"),
        ("patients", "ssn", "social security number"),
        ("patients", "medicare_number", "insurance number"),
        ("patients", "date_of_birth", "date of birth"),
        ("patients", "DOB", "date of birth"),
        ("patients", "email", "email"),
        ("patients", "mobile", "phone number"),
        ("patients", "telephone", "phone number"),
        ("diagnoses", "notes", "free text"),
        ("diagnoses", "free_text", "free text"),
        ("lab_results", "comment", "free text"),
        ("procedures", "narrative", "free text"),
    ],
)
def test_a_column_that_identifies_a_person(con, tmp_path, table, column, kind):
    folder = write_extract(tmp_path)
    rows = [dict(r, **{column: "x"}) for r in valid_tables()[table]]
    from schemas.contract import TABLES

    with_header(folder, table, [*TABLES[table].column_names, column], rows)
    refused = refusal(con, folder)
    assert (refused.file, refused.column) == (f"{table}.csv", column)
    assert str(refused) == (
        f"extract refused: {table}.csv: column '{column}' identifies a person ({kind}); remove it"
    )


@pytest.mark.parametrize(
    "manifest",
    [
        b"{not json",
        b"[1, 2]",
        b'{"extracted_on": "30/06/2024"}',
        b'{"extracted_on": "2024-02-30"}',
        b'{"extract_id": 17}',
        b"\xff\xfe",
    ],
)
def test_a_malformed_manifest(con, tmp_path, manifest):
    folder = write_extract(tmp_path)
    (folder / "manifest.json").write_bytes(manifest)
    assert refusal(con, folder).file == "manifest.json"


def test_harmless_extra_columns_and_files_are_warnings_naming_no_values(con, tmp_path):
    folder = write_extract(tmp_path)
    rows = [dict(r, drug_name="SECRET-VALUE") for r in valid_tables()["prescriptions"]]
    from schemas.contract import TABLES

    with_header(folder, "prescriptions", [*TABLES["prescriptions"].column_names, "drug_name"], rows)
    (folder / "README.txt").write_text("hello")
    files = inspect_extract(folder)
    assert any("drug_name" in w for w in files.warnings)
    assert any("README.txt" in w for w in files.warnings)
    assert not any("SECRET-VALUE" in w for w in files.warnings)
    result = ingest(con, folder)
    assert result.reconciled and result.tables["prescriptions"].quarantined == 0


def test_a_refusal_survives_pickling_with_its_fields():
    refused = ExtractRefused(
        "patients.csv", "postcode", "identifies a person (postcode); remove it"
    )
    again = pickle.loads(pickle.dumps(refused))
    assert (again.file, again.column, again.reason) == (
        refused.file,
        refused.column,
        refused.reason,
    )
    assert str(again) == str(refused)


def test_staging_leaves_the_connection_as_it_was_when_a_file_fails(con, tmp_path):
    folder = write_extract(tmp_path)
    files = inspect_extract(folder)
    (folder / "procedures.csv").unlink()  # disappears between inspection and loading
    with pytest.raises(ExtractRefused):
        stage_extract(con, files)
    assert table_names(con) == set()


def test_carriage_return_line_ends_alone_are_refused(con, tmp_path):
    folder = write_extract(tmp_path)
    text = csv_text("procedures", valid_tables()["procedures"]).replace("\n", "\r")
    (folder / "procedures.csv").write_text(text, newline="")
    refused = refusal(con, folder)
    assert refused.file == "procedures.csv" and "line" in refused.reason
