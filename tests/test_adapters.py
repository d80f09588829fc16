"""Adapters on the public sample data (B12RISK_SHARED_DATA): each converted folder passes
inspection, stages, validates with reconciliation, and runs through codelists, cohorts and
status; the raw Synthea patients file is refused. Skips when the data is absent."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from b12risk.adapters import omop_to_extract, synthea_to_extract
from b12risk.codelists.load import load_codelists
from b12risk.cohorts.flag import flag_cohorts
from b12risk.config import load_config
from b12risk.ingest.stage import ExtractRefused, inspect_extract, stage_extract
from b12risk.ingest.validate import validate_extract
from b12risk.status.screen import screening_status
from schemas.contract import TABLE_NAMES

SOURCES = {
    "synthea_dbt_seed27": synthea_to_extract,
    "synthea_unmc_ne111": synthea_to_extract,
    "eunomia_gibleed": omop_to_extract,
}
CONTRACT_COLUMNS = {
    "patients": [
        "patient_id", "year_of_birth", "month_of_birth", "sex", "practice_id",
        "registered_on", "deregistered_on", "died_on",
    ],
    "diagnoses": ["patient_id", "code_system", "code", "recorded_on"],
    "prescriptions": ["patient_id", "code_system", "code", "issued_on", "days_supply"],
    "lab_results": ["patient_id", "code_system", "code", "taken_on", "value", "unit"],
    "procedures": ["patient_id", "code_system", "code", "performed_on"],
}  # fmt: skip
IDENTIFYING = re.compile(
    r"name|first|last|prefix|suffix|maiden|address|city|county|zip|ssn|drivers|passport"
    r"|birthplace|birthdate|birth_datetime|day_of_birth|lat|lon|source_value",
    re.IGNORECASE,
)
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# What validation finds in each converted sample (known facts of the data, not adapter bugs):
# Synthea's non-LOINC observation codes (QALY, DALY, ...) and a few SNOMED codes failing the
# Verhoeff check; one Eunomia drug exposure dated before its person's birth year.
KNOWN_QUARANTINE = {
    "synthea_dbt_seed27": {
        "diagnoses": {"code_format_snomed"},
        "lab_results": {"code_format_loinc"},
    },
    "synthea_unmc_ne111": {},
    "eunomia_gibleed": {"prescriptions": {"event_before_birth"}},
}
# Patients at risk (all older adults: no sample has metformin for 3 years, surgery, ...)
KNOWN_AT_RISK = {"synthea_dbt_seed27": 0, "synthea_unmc_ne111": 4, "eunomia_gibleed": 452}
SYNTHEA_METFORMIN = "860975"  # the only metformin code Synthea emits (RxNorm)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Every available sample folder converted once for the module."""
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"public sample data not found at {SHARED_DATA} (set B12RISK_SHARED_DATA)")
    out = tmp_path_factory.mktemp("adapted")
    return {
        name: (out / name, convert(SHARED_DATA / name, out / name))
        for name, convert in SOURCES.items()
    }


def run_pipeline(con, extract: Path):
    files = inspect_extract(extract)
    stage = stage_extract(con, files)
    validation = validate_extract(con, stage, "run-test", files.content_hash, files.extracted_on)
    config = load_config()
    load_codelists(con)
    cohorts = flag_cohorts(con, config, files.extracted_on, "run-test")
    status = screening_status(con, config, files.extracted_on, "run-test")
    return files, validation, cohorts, status


@pytest.mark.parametrize("name", list(SOURCES))
def test_converted_folder_follows_the_contract(converted, name):
    out, counts = converted[name]
    assert set(counts) == set(TABLE_NAMES)
    assert counts["patients"] > 0 and counts["diagnoses"] > 0
    for table, columns in CONTRACT_COLUMNS.items():
        with (out / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == columns
        assert not [c for c in rows[0] if IDENTIFYING.search(c)]
        assert len(rows) - 1 == counts[table]
        assert all(TOKEN.fullmatch(row[0]) for row in rows[1:])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{t}.csv" for t in TABLE_NAMES] + ["manifest.json"]
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"extract_id", "source", "extracted_on"}
    kind = "omop" if name.startswith("eunomia") else "synthea"
    assert manifest["source"] == f"{kind}:{name}"
    date.fromisoformat(manifest["extracted_on"])


@pytest.mark.parametrize("name", list(SOURCES))
def test_converted_folder_runs_through_the_pipeline(converted, con, name):
    out, counts = converted[name]
    files, validation, cohorts, status = run_pipeline(con, out)
    assert not [w for w in files.warnings if "ignored" in w.lower()]
    assert validation.reconciled
    for table, result in validation.tables.items():
        assert result.read == counts[table] == result.loaded + result.quarantined
    assert validation.tables["patients"].loaded == counts["patients"] > 0
    assert validation.tables["patients"].quarantined == 0
    assert cohorts.population > 0
    quarantined = {
        t: {rule for rule, n in r.rule_counts.items() if n} for t, r in validation.tables.items()
    }
    assert {t: rules for t, rules in quarantined.items() if rules} == KNOWN_QUARANTINE[name]
    assert status.n_at_risk == KNOWN_AT_RISK[name]
    assert status.counts["never_tested"] == KNOWN_AT_RISK[name]
    statuses = con.execute("SELECT DISTINCT status FROM screening_status").fetchall()
    # None of the three sources holds a B12 lab: nobody has been tested
    assert {s for (s,) in statuses} <= {"never_tested", "excluded_on_treatment"}
    assert status.n_at_risk == cohorts.any_cohort
    tested = con.execute("SELECT count(*) FROM screening_status WHERE last_test_on IS NOT NULL")
    assert tested.fetchall() == [(0,)]


def test_synthea_metformin_users_become_the_metformin_concept(converted, con):
    out, _ = converted["synthea_unmc_ne111"]
    with (out / "prescriptions.csv").open(encoding="utf-8", newline="") as handle:
        users = {r["patient_id"] for r in csv.DictReader(handle) if r["code"] == SYNTHEA_METFORMIN}
    assert users  # the Nebraska sample has a metformin user
    run_pipeline(con, out)
    found = con.execute(
        "SELECT DISTINCT patient_id FROM concept_events WHERE concept = 'metformin' "
        "AND code_system = 'RXNORM' AND code = $code",
        {"code": SYNTHEA_METFORMIN},
    ).fetchall()
    assert {p for (p,) in found} == users


def test_synthea_days_supply_is_capped_or_missing(converted):
    out, _ = converted["synthea_unmc_ne111"]
    with (out / "prescriptions.csv").open(encoding="utf-8", newline="") as handle:
        supplies = [r["days_supply"] for r in csv.DictReader(handle)]
    assert "" in supplies  # STOP missing: supply unknown
    assert all(1 <= int(s) <= 365 for s in supplies if s)
    assert "365" in supplies  # long courses are capped


def test_omop_codes_come_from_the_concept_table(converted, con):
    out, _ = converted["eunomia_gibleed"]
    run_pipeline(con, out)
    systems = con.execute(
        "SELECT 'diagnoses', code_system FROM diagnoses UNION "
        "SELECT 'prescriptions', code_system FROM prescriptions UNION "
        "SELECT 'lab_results', code_system FROM lab_results ORDER BY ALL"
    ).fetchall()
    assert ("prescriptions", "RXNORM") in systems and ("lab_results", "LOINC") in systems
    assert ("diagnoses", "SNOMED") in systems
    # person_id 6 of person.csv is the token P6, born December 1963
    assert con.execute(
        "SELECT year_of_birth, month_of_birth, sex FROM patients WHERE patient_id = 'P6'"
    ).fetchall() == [(1963, 12, "F")]


def test_raw_synthea_patients_file_is_refused(shared_data, tmp_path):
    """The raw Synthea patients.csv, in an extract-shaped folder, is refused for its
    identifying columns before anything is read."""
    converted_dir = tmp_path / "converted"
    synthea_to_extract(shared_data / "synthea_dbt_seed27", converted_dir)
    raw = tmp_path / "raw"
    shutil.copytree(converted_dir, raw)
    shutil.copyfile(shared_data / "synthea_dbt_seed27" / "patients.csv", raw / "patients.csv")
    with pytest.raises(ExtractRefused) as refused:
        inspect_extract(raw)
    assert refused.value.file == "patients.csv"
    assert refused.value.column is not None
    assert re.search(r"birth|ssn|first|last|address|zip|name", refused.value.column, re.I)
