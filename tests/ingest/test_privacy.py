"""Privacy: patient-level values (ids, dates, codes, pandera failure values) never reach the
logs or the ValidationResult; only table, column and rule names and counts do."""

from __future__ import annotations

import json
import logging

from tests.ingest.extracts import BASE_EVENTS, BASE_PATIENT, ingest, valid_tables, write_extract

SECRETS = ("SECRETPID", "1899", "1766-06-06", "SECRETCODE", "SECRETUNIT", "-123.25", "7777777")


def test_failing_values_never_reach_the_logs_or_the_result(con, tmp_path, caplog):
    tables = valid_tables()
    tables["patients"].append(
        dict(BASE_PATIENT, patient_id="SECRETPID", year_of_birth="1899", died_on="1766-06-06")
    )
    tables["diagnoses"].append(dict(BASE_EVENTS["diagnoses"], patient_id="SECRETPID"))
    tables["diagnoses"].append(dict(BASE_EVENTS["diagnoses"], code="SECRETCODE"))
    tables["lab_results"].append(
        dict(BASE_EVENTS["lab_results"], value="-123.25", unit="SECRETUNIT")
    )
    tables["prescriptions"].append(dict(BASE_EVENTS["prescriptions"], days_supply="7777777"))
    folder = write_extract(tmp_path, tables)
    with open(folder / "procedures.csv", "a") as handle:  # a malformed line, too
        handle.write("SECRETPID,OPCS4,G28.1\n")
    with caplog.at_level(logging.DEBUG):
        result = ingest(con, folder)

    assert result.tables["patients"].quarantined == 1  # the values did reach quarantine...
    assert result.tables["procedures"].quarantined == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "validated patients" in logged  # ...and the logs said something, but no value
    published = json.dumps(result.to_dict())
    for secret in SECRETS:
        assert secret not in logged, secret
        assert secret not in published, secret


NAME = "Jane Q Public"  # a value of a column outside the contract


def warehouse_text(con) -> str:
    """Every value of every table in the connection, as text."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    return "\n".join(str(con.table(t).fetchall()) for t in tables)


def test_no_value_of_a_column_outside_the_contract_is_stored(con, tmp_path):
    """Issue 9.3: a malformed line of a file with an extra column kept that column's value."""
    from schemas.contract import TABLES

    folder = write_extract(tmp_path)
    columns = [*TABLES["diagnoses"].column_names, "clinic_room"]
    good = "P0001,SNOMED,44054006,2020-01-01," + NAME + "\n"
    body = (
        (
            ",".join(columns)
            + "\n"
            + good
            + "P0001,SNOMED,44054006,2020-01-01,"
            + NAME
            + ",extra\n"  # too many fields
            + "P0002,SNOMED,44054006,"
            + NAME
            + "\n"  # too few
            + "P0001,SNOMED,BADCODE,2020-01-01,"
            + NAME
            + "\n"  # a rule failure
        ).encode()
        + b"P0001,SNOMED,44\xff054006,2020-01-01,"
        + NAME.encode()
        + b"\n"
    )  # bad byte
    body += ('P0002,SNOMED,"44054006,2020-01-01,' + NAME + "\n" + good).encode()  # open quote
    (folder / "diagnoses.csv").write_bytes(body)
    result = ingest(con, folder)
    assert result.tables["diagnoses"].quarantined == 5
    assert NAME not in warehouse_text(con)
    kept = [
        json.loads(raw)
        for (raw,) in con.execute(
            "SELECT raw_values FROM quarantine WHERE source_table = 'diagnoses' ORDER BY source_row"
        ).fetchall()
    ]
    aligned = [k for k in kept if "patient_id" in k]
    assert {k["code"] for k in aligned} == {"BADCODE", "44\ufffd054006"}
    assert all(set(k) == {"patient_id", "code_system", "code", "recorded_on"} for k in aligned)


def test_carried_quarantine_rows_are_scrubbed_of_texts_outside_the_contract(con, tmp_path):
    """A warehouse written before 9.3: its quarantine rows are scrubbed on the next run."""
    from b12risk.sql import run_sql

    run_sql(con, "ingest/create_quarantine")
    old_rows = [
        ("diagnoses", 3, ["malformed_line"], f"P0001,SNOMED,44054006,2020-01-01,{NAME},x"),
        ("diagnoses", 4, ["code_format_snomed"], json.dumps({"code": "X", "name": NAME})),
        ("patients", 2, ["sex_allowed"], json.dumps({"patient_id": "P9", "sex": "Q"})),
    ]
    for table, row, rules, raw in old_rows:
        con.execute(
            "INSERT INTO quarantine VALUES ('old-run', 'old-hash', ?, ?, ?, ?)",
            [table, row, rules, raw],
        )
    result = ingest(con, write_extract(tmp_path))
    assert result.quarantine_scrubbed == 2
    assert any("scrubbed" in w for w in result.warnings)
    assert NAME not in warehouse_text(con)
    carried = dict(
        con.execute(
            "SELECT source_row || source_table, raw_values FROM quarantine WHERE run_id = 'old-run'"
        ).fetchall()
    )
    assert json.loads(carried["3diagnoses"])["line_length"] == len(old_rows[0][3])
    assert json.loads(carried["4diagnoses"]) == {"code": "X"}
    assert json.loads(carried["2patients"]) == {"patient_id": "P9", "sex": "Q"}  # untouched
    again = ingest(con, write_extract(tmp_path))
    assert again.quarantine_scrubbed == 0 and not any("scrubbed" in w for w in again.warnings)
