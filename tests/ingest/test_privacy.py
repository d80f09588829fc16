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
