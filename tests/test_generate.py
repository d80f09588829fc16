"""The synthetic extract generator (b12risk.synthetic.generate): contract, determinism, shape,
planted cases and bad rows.

The planted expectations are checked against a small pure-Python reference of the rules,
written from the brief (not from the cohort or status SQL), applied to the files the generator
wrote: population, age, eras, coded cohorts, current use and screening status.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12risk.sql import run_script
from b12risk.synthetic import generate
from b12risk.synthetic.generate import (
    GENERATOR_DATA,
    generate_extract,
    practice_count,
)
from b12risk.synthetic.planted import EARLIER_AS_OF_DAYS, PLANTED, PLANTED_EVENTS_FILE
from schemas.contract import TABLE_NAMES

D = date(2026, 3, 15)
CODE_SYSTEMS = {
    "SNOMED", "ICD10", "ICD10CM", "ICD9CM", "READ2", "ATC", "RXNORM", "DMD", "BNF", "NDC",
    "LOINC", "OPCS4", "CPT", "ICD10PCS",
}  # fmt: skip
TYPES = {
    "patients": {
        "patient_id": "VARCHAR", "year_of_birth": "INTEGER", "month_of_birth": "INTEGER",
        "sex": "VARCHAR", "practice_id": "VARCHAR", "registered_on": "DATE",
        "deregistered_on": "DATE", "died_on": "DATE",
    },
    "diagnoses": {
        "patient_id": "VARCHAR", "code_system": "VARCHAR", "code": "VARCHAR",
        "recorded_on": "DATE",
    },
    "prescriptions": {
        "patient_id": "VARCHAR", "code_system": "VARCHAR", "code": "VARCHAR",
        "issued_on": "DATE", "days_supply": "INTEGER", "daily_dose_mg": "DOUBLE",
    },
    "lab_results": {
        "patient_id": "VARCHAR", "code_system": "VARCHAR", "code": "VARCHAR",
        "taken_on": "DATE", "value": "DOUBLE", "unit": "VARCHAR",
    },
    "procedures": {
        "patient_id": "VARCHAR", "code_system": "VARCHAR", "code": "VARCHAR",
        "performed_on": "DATE",
    },
}  # fmt: skip
COLUMNS = {table: list(types) for table, types in TYPES.items()}
DATE_COLUMN = {
    "diagnoses": "recorded_on",
    "prescriptions": "issued_on",
    "lab_results": "taken_on",
    "procedures": "performed_on",
}
EVENT_TABLES = tuple(DATE_COLUMN)
REFERENCE_CODELISTS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "codelists"


# ---------------------------------------------------------------------------------------------
# Check digits (what validation demands of SNOMED and LOINC codes)

_VERHOEFF_P1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]


def _dihedral(j: int, k: int) -> int:
    if j < 5 and k < 5:
        return (j + k) % 5
    if j < 5:
        return (j + k) % 5 + 5
    if k < 5:
        return (j - k) % 5 + 5
    return (j - k) % 5


def _permutation(position: int, digit: int) -> int:
    for _ in range(position % 8):
        digit = _VERHOEFF_P1[digit]
    return digit


def verhoeff_ok(code: str) -> bool:
    check = 0
    for position, char in enumerate(reversed(code)):
        check = _dihedral(check, _permutation(position, int(char)))
    return code.isdigit() and check == 0


def loinc_ok(code: str) -> bool:
    match = re.fullmatch(r"(\d{1,7})-(\d)", code)
    if not match:
        return False
    total = 0
    for position, char in enumerate(reversed(match[1])):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(match[2])


def test_check_digit_helpers_know_valid_from_invalid():
    assert verhoeff_ok("38341003") and verhoeff_ok("138875005") and verhoeff_ok("404684003")
    assert not verhoeff_ok("38341004") and not verhoeff_ok("138875006")
    assert loinc_ok("2093-3") and loinc_ok("14685-2") and loinc_ok("72160-5")
    assert not loinc_ok("2093-4") and not loinc_ok("14685-3")


def _palette_codes() -> list[tuple[str, str, str]]:
    """(file, code_system, code) of every code the generator can write."""
    rows = []
    for name in ("codes.csv", "labs.csv", "planted_events.csv"):
        with (GENERATOR_DATA / name).open(encoding="utf-8", newline="") as handle:
            rows += [(name, r["code_system"], r["code"]) for r in csv.DictReader(handle)]
    return rows


def test_palette_codes_are_in_contract_systems_and_pass_check_digits():
    codes = _palette_codes()
    assert len(codes) > 200
    assert {system for _, system, _ in codes} <= CODE_SYSTEMS
    snomed = [code for _, system, code in codes if system in ("SNOMED", "DMD")]
    loinc = [code for _, system, code in codes if system == "LOINC"]
    assert snomed and loinc
    assert [c for c in snomed if not verhoeff_ok(c)] == []
    assert [c for c in loinc if not loinc_ok(c)] == []


# ---------------------------------------------------------------------------------------------
# The palette is copied from the team's reference codelists

_REFERENCE_SYSTEMS = {
    "SNOMED CT": ("SNOMED", "DMD"), "SNOMED CT/dm+d": ("SNOMED", "DMD"), "ICD-10": ("ICD10",),
    "ICD-10-CM": ("ICD10CM",), "Read v2": ("READ2",), "ATC": ("ATC",), "RxNorm": ("RXNORM",),
    "BNF": ("BNF",), "LOINC": ("LOINC",), "OPCS-4": ("OPCS4",), "CPT": ("CPT",),
    "ICD-10-PCS": ("ICD10PCS",),
}  # fmt: skip


def _reference_rows(file: str) -> set[tuple[str, str]]:
    """(contract system, code) of the verified member rows of one reference codelist."""
    with (REFERENCE_CODELISTS / file).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keep = set()
    for row in rows:
        usable = not row["source"].startswith("UNVERIFIED") and "supportive" not in row["system"]
        for system in _REFERENCE_SYSTEMS.get(row["system"], ()) if usable else ():
            keep.add((system, row["code"]))
            if system == "READ2":  # the contract's Read v2 codes are 5 characters (no term id)
                keep.add((system, row["code"][:5]))
    return keep


@pytest.fixture
def reference_codelists() -> Path:
    if not REFERENCE_CODELISTS.is_dir():
        pytest.skip(f"reference codelists not found at {REFERENCE_CODELISTS}")
    return REFERENCE_CODELISTS


def test_palette_codes_cited_from_a_reference_list_are_verified_rows_of_it(reference_codelists):
    with (GENERATOR_DATA / "codes.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["source"].startswith("ref:")]
    missing = []
    for row in rows:
        file = row["source"].removeprefix("ref:").split(" ")[0]
        if file.endswith(".csv") and (row["code_system"], row["code"]) not in _reference_rows(file):
            missing.append((row["palette"], row["code_system"], row["code"]))
    assert len(rows) > 100
    assert missing == []


PLANTED_CONCEPT_FILES = {
    "metformin": ["metformin.csv"],
    "acid_suppressants": ["proton_pump_inhibitors.csv", "h2_receptor_antagonists.csv"],
    "other_risk_medicines": ["colchicine.csv", "antiepileptics_pregabalin.csv"],
    "vegan_diet": ["diet_vegan_vegetarian.csv"],
    "gastric_surgery": ["bariatric_surgery.csv", "gastrectomy_stomach_resection.csv"],
    "malabsorption_conditions": ["crohns_coeliac.csv"],
    "autoimmune_conditions": ["autoimmune_conditions_ng239.csv"],
    "nitrous_oxide": ["nitrous_oxide.csv"],
    "b12_tests": ["b12_tests.csv"],
    "b12_second_line_tests": ["b12_tests.csv"],
    "b12_treatment": ["b12_treatment.csv"],
}


def test_planted_codes_are_verified_members_of_their_concept(reference_codelists):
    wrong = []
    for (system, code), concept in _planted_concepts().items():
        members = set().union(*(_reference_rows(f) for f in PLANTED_CONCEPT_FILES[concept]))
        if (system, code) not in members and (system, _dotted(code)) not in members:
            wrong.append((concept, system, code))
    assert wrong == []


def _dotted(code: str) -> str:
    """K900 -> K90.0: the dotted form of an ICD-10 code written without its dot."""
    return code[:3] + "." + code[3:] if len(code) > 3 and "." not in code else code


# ---------------------------------------------------------------------------------------------
# A small reference of the rules (from the brief), used to check the planted expectations

_MASS_UNITS, _MOLAR_UNITS = {"ng/l", "pg/ml"}, {"pmol/l"}
_SUBTYPES = {"2132-9": "total", "14685-2": "total", "72160-5": "active"}


def age_on(year_of_birth: int, month_of_birth: int | None, day: date) -> int:
    month = month_of_birth if month_of_birth in range(1, 13) else 7
    return day.year - year_of_birth - (1 if day.month < month else 0)


def in_population(patient: dict, day: date) -> bool:
    return (
        (patient["died_on"] is None or patient["died_on"] > day)
        and (patient["registered_on"] is None or patient["registered_on"] <= day)
        and (patient["deregistered_on"] is None or patient["deregistered_on"] > day)
        and age_on(patient["year_of_birth"], patient["month_of_birth"], day) >= 16
    )


def covered(prescriptions: list[tuple[date, int | None]], day: date) -> list[tuple[date, date]]:
    """Each prescription issued on/before `day` as the days it covers (missing supply: 28)."""
    return sorted(
        (issued, issued + timedelta(days=(supply if supply and supply >= 1 else 28) - 1))
        for issued, supply in prescriptions
        if issued <= day
    )


def eras(prescriptions: list[tuple[date, int | None]], day: date) -> list[tuple[date, date, int]]:
    """Covered periods joined when the days strictly between them are 30 or fewer (overlaps
    merge); days counted up to `day`."""
    merged: list[list[date]] = []
    for start, end in covered(prescriptions, day):
        if merged and (start - merged[-1][1]).days - 1 <= 30:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e, (min(e, day) - s).days + 1) for s, e in merged]


def long_term(prescriptions: list[tuple[date, int | None]], day: date, min_days: int) -> bool:
    return any(
        days >= min_days and e >= day - timedelta(days=180)
        for _, e, days in eras(prescriptions, day)
    )


def current_use(prescriptions: list[tuple[date, int | None]], day: date) -> bool:
    return any(e >= day - timedelta(days=180) for _, e in covered(prescriptions, day))


def pmol_l(value: float | None, unit: str | None) -> float | None:
    norm = "".join((unit or "").split()).lower()
    if value is None or norm not in _MASS_UNITS | _MOLAR_UNITS:
        return None
    return value * 0.738 if norm in _MASS_UNITS else value


def deficient(test: tuple[date, str, float | None, str | None]) -> bool:
    _, subtype, value, unit = test
    level = pmol_l(value, unit)
    return level is not None and level < (133.0 if subtype == "total" else 25.0)


def screening_status(tests: list, treatments: list[date], day: date) -> str:
    """tests: (taken_on, subtype, value, unit) of total/active B12; treatments: issue dates."""
    tests = [t for t in tests if t[0] <= day]
    treated = [t for t in treatments if t <= day]
    latest = max((t[0] for t in tests), default=None)
    if treated and (day - max(treated)).days <= 365:
        return "excluded_on_treatment"
    if latest and any(deficient(t) for t in tests if t[0] == latest):
        if not any(t >= latest for t in treated):
            return "abnormal_untreated"
    if latest is None:
        return "never_tested"
    due_on = latest + timedelta(days=365)
    if day > due_on:
        return "overdue"
    return "due_soon" if (due_on - day).days <= 30 else "up_to_date"


def expected_result(patient: dict, events: list[dict], day: date) -> dict:
    """in_population, cohorts and status of one patient by the reference rules."""
    if not in_population(patient, day):
        return {"in_population": False, "cohorts": (), "status": None}
    by_concept = defaultdict(list)
    for event in events:
        if event["date"] <= day and event["concept"]:
            by_concept[event["concept"]].append(event)
    drugs = {c: [(e["date"], e["days_supply"]) for e in by_concept[c]] for c in by_concept}
    cohorts = set()
    if age_on(patient["year_of_birth"], patient["month_of_birth"], day) >= 75:
        cohorts.add("older_adults")
    for concept, cohort in (
        ("vegan_diet", "vegan_diet"),
        ("gastric_surgery", "gastric_surgery"),
        ("malabsorption_conditions", "malabsorption_conditions"),
        ("autoimmune_conditions", "autoimmune_conditions"),
        ("nitrous_oxide", "nitrous_oxide_use"),
    ):
        if by_concept[concept]:
            cohorts.add(cohort)
    if long_term(drugs.get("metformin", []), day, 1095):
        cohorts.add("long_term_metformin")
    if long_term(drugs.get("acid_suppressants", []), day, 730):
        cohorts.add("long_term_acid_suppression")
    if current_use(drugs.get("other_risk_medicines", []), day):
        cohorts.add("other_risk_medicines")
    status = None
    if cohorts:
        tests = [
            (e["date"], _SUBTYPES[e["code"]], e["value"], e["unit"])
            for e in by_concept["b12_tests"]
        ]
        treatments = [e["date"] for e in by_concept["b12_treatment"]]
        status = screening_status(tests, treatments, day)
    return {"in_population": True, "cohorts": tuple(sorted(cohorts)), "status": status}


def test_reference_rules_at_their_boundaries():
    """Spec of the reference itself, so that a wrong reference cannot bless wrong data."""
    assert age_on(1951, 3, D) == 75 and age_on(1951, 4, D) == 74 and age_on(1951, None, D) == 74
    supplies = [(D - timedelta(days=1094), 365), (D - timedelta(days=729), 730)]
    assert eras(supplies, D) == [(D - timedelta(days=1094), D, 1095)]
    gap_30 = [(D - timedelta(days=100), 28), (D - timedelta(days=42), 28)]
    gap_31 = [(D - timedelta(days=100), 28), (D - timedelta(days=41), 28)]
    assert len(eras(gap_30, D)) == 1 and len(eras(gap_31, D)) == 2
    assert current_use([(D - timedelta(days=207), 28)], D)
    assert not current_use([(D - timedelta(days=208), None)], D)
    assert pmol_l(180, "NG/L") == pytest.approx(132.84) and pmol_l(1, "nmol/L") is None
    test = (D - timedelta(days=365), "total", 300.0, "pmol/L")
    assert screening_status([test], [], D) == "due_soon"
    assert screening_status([test], [D - timedelta(days=365)], D) == "excluded_on_treatment"
    assert screening_status([test], [D - timedelta(days=366)], D) == "due_soon"
    assert screening_status([(D, "active", 24.9, "pmol/l")], [], D) == "abnormal_untreated"
    assert screening_status([], [], D) == "never_tested"


# ---------------------------------------------------------------------------------------------
# Extracts (module-scoped: generated once)


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    """20,000 patients as CSV: shape, contract and planted cases."""
    out = tmp_path_factory.mktemp("extract")
    generate_extract(out, patients=20_000, seed=11, as_of=D)
    return out


def load_typed(extract: Path) -> duckdb.DuckDBPyConnection:
    """A new connection holding the five CSV tables of `extract`, typed as the contract says."""
    con = duckdb.connect()
    for table in TABLE_NAMES:
        con.execute(
            f"CREATE TABLE {table} AS "  # noqa: S608
            "SELECT * FROM read_csv($path, header = true, auto_detect = false, columns = $types)",
            {"path": str(extract / f"{table}.csv"), "types": TYPES[table]},
        )
    return con


@pytest.fixture(scope="module")
def db(extract) -> duckdb.DuckDBPyConnection:
    """The CSV extract as typed tables (patients, the event tables)."""
    con = load_typed(extract)
    yield con
    con.close()


def _read_varchar(path: Path) -> tuple[list[str], list[tuple]]:
    rel = duckdb.sql("SELECT * FROM read_csv($p, all_varchar = true)", params={"p": str(path)})
    return rel.columns, rel.fetchall()


def test_manifest_holds_the_contract_fields_only(extract):
    manifest = json.loads((extract / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {
        "extract_id": manifest["extract_id"],
        "source": f"b12risk synthetic generator {generate.__version__}",
        "extracted_on": "2026-03-15",
    }
    assert re.fullmatch(r"synthetic-seed11-n20000-[0-9a-f]{12}", manifest["extract_id"])


def test_csv_tables_have_the_contract_columns_and_iso_dates(extract, db):
    """Header lines are the contract's columns; the `db` fixture read every `_on` column as
    DATE with no format given, which only ISO YYYY-MM-DD passes."""
    for table, columns in COLUMNS.items():
        with (extract / f"{table}.csv").open(encoding="utf-8") as handle:
            assert handle.readline() == ",".join(columns) + "\n"
        described = db.execute(f"DESCRIBE {table}").fetchall()  # noqa: S608
        types = {name: kind for name, kind, *_ in described}
        assert [c for c in columns if c.endswith("_on") and types[c] != "DATE"] == []


def test_patients_are_unique_tokens_with_valid_demographics(db):
    rows = db.execute(
        """SELECT count(*), count(DISTINCT patient_id),
                  count(*) FILTER (WHERE NOT regexp_full_match(patient_id, '[A-Za-z0-9_-]{1,64}')),
                  count(*) FILTER (WHERE sex NOT IN ('F', 'M', 'I', 'U')),
                  count(*) FILTER (WHERE month_of_birth NOT BETWEEN 1 AND 12),
                  count(*) FILTER (WHERE practice_id IS NULL),
                  count(*) FILTER (WHERE deregistered_on < registered_on OR died_on < registered_on)
           FROM patients"""
    ).fetchall()[0]
    assert rows[0] == rows[1] == 20_000 + len(PLANTED)
    assert rows[2:] == (0, 0, 0, 0, 0)


def test_every_event_is_of_a_known_patient_dated_in_their_life_and_before_the_extract(db):
    for table, column in DATE_COLUMN.items():
        orphans, after, before_birth, systems = db.execute(
            f"""SELECT count(*) FILTER (WHERE p.patient_id IS NULL),
                       count(*) FILTER (WHERE e.{column} > DATE '2026-03-15'),
                       count(*) FILTER (WHERE year(e.{column}) < p.year_of_birth
                                           OR e.{column} > p.died_on),
                       list(DISTINCT e.code_system)
                FROM {table} AS e LEFT JOIN patients AS p USING (patient_id)"""  # noqa: S608
        ).fetchall()[0]
        assert (orphans, after, before_birth) == (0, 0, 0), table
        assert set(systems) <= CODE_SYSTEMS


def test_prescription_and_lab_values_are_in_range(db):
    supply, dose = db.execute(
        """SELECT count(*) FILTER (WHERE days_supply NOT BETWEEN 1 AND 365),
                  count(*) FILTER (WHERE daily_dose_mg <= 0) FROM prescriptions"""
    ).fetchall()[0]
    negative, with_value = db.execute(
        "SELECT count(*) FILTER (WHERE value < 0), count(value) FROM lab_results"
    ).fetchall()[0]
    assert (supply, dose, negative) == (0, 0, 0)
    assert with_value > 0


def test_generated_snomed_and_loinc_codes_pass_their_check_digits(db):
    for table in EVENT_TABLES:
        codes = db.execute(
            f"SELECT DISTINCT code_system, code FROM {table} "  # noqa: S608
            "WHERE code_system IN ('SNOMED', 'DMD', 'LOINC')"
        ).fetchall()
        assert [c for s, c in codes if s != "LOINC" and not verhoeff_ok(c)] == []
        assert [c for s, c in codes if s == "LOINC" and not loinc_ok(c)] == []


# ---------------------------------------------------------------------------------------------
# Shape: like a GP list


def _share(db, sql: str) -> float:
    """Share of the 20,000 random patients for whom `sql` (a patient_id subquery) holds."""
    rel = db.sql(sql).filter("patient_id NOT LIKE 'PLANT-%'")
    n = rel.aggregate("count(DISTINCT patient_id)").fetchall()[0][0]
    return n / 20_000


def test_demographics_look_like_a_gp_list(db):
    ages = dict(
        db.execute(
            """SELECT CASE WHEN age < 16 THEN 'child' WHEN age < 30 THEN '16-29'
                           WHEN age < 60 THEN '30-59' WHEN age < 75 THEN '60-74' ELSE '75+' END,
                      count(*) / 20000
               FROM (SELECT 2025 - year_of_birth + (coalesce(month_of_birth, 7) <= 3)::INT AS age
                     FROM patients
                     WHERE patient_id NOT LIKE 'PLANT-%') GROUP BY 1"""
        ).fetchall()
    )
    assert 0.38 < ages["30-59"] < 0.46 and 0.15 < ages["child"] < 0.22
    assert 0.06 < ages["75+"] < 0.11
    sex = dict(db.execute("SELECT sex, count(*) / 20000 FROM patients GROUP BY 1").fetchall())
    assert 0.47 < sex["F"] < 0.52 and 0.47 < sex["M"] < 0.52 and 0 < sex["I"] + sex["U"] < 0.02
    assert 0.005 < _share(db, "SELECT patient_id FROM patients WHERE died_on IS NOT NULL") < 0.016
    dereg = _share(db, "SELECT patient_id FROM patients WHERE deregistered_on IS NOT NULL")
    assert 0.02 < dereg < 0.04
    no_month = _share(db, "SELECT patient_id FROM patients WHERE month_of_birth IS NULL")
    assert 0.01 < no_month < 0.03
    practices = db.execute("SELECT count(DISTINCT practice_id) FROM patients").fetchall()[0][0]
    assert practices == practice_count(20_000) == 12


def test_practice_count_is_a_dozen_at_least_and_8000_patients_each_at_scale():
    assert practice_count(0) == practice_count(2_000) == practice_count(100_000) == 12
    assert practice_count(1_000_000) == 125


def _palette_codes_of(*palettes: str) -> list[str]:
    with (GENERATOR_DATA / "codes.csv").open(encoding="utf-8", newline="") as handle:
        return [r["code"] for r in csv.DictReader(handle) if r["palette"] in palettes]


def _codes_sql(table: str, codes: list[str]) -> str:
    quoted = ", ".join("'" + c.replace(".", "") + "'" for c in codes)
    where = f"replace(code, '.', '') IN ({quoted})"
    return f"SELECT patient_id FROM {table} WHERE {where}"  # noqa: S608


def test_risk_groups_have_realistic_shares(db):
    metformin = _palette_codes_of("metformin")
    rows = db.execute(
        "SELECT patient_id, issued_on, days_supply FROM prescriptions "
        "WHERE code IN (SELECT unnest($codes)) AND patient_id NOT LIKE 'PLANT-%'",
        {"codes": metformin},
    ).fetchall()
    by_patient = defaultdict(list)
    for patient_id, issued, supply in rows:
        by_patient[patient_id].append((issued, supply))
    long_term_share = sum(long_term(rx, D, 1095) for rx in by_patient.values()) / 20_000
    assert 0.07 <= long_term_share <= 0.09

    acid = _share(db, _codes_sql("prescriptions", _palette_codes_of("ppi", "h2ra")))
    assert 0.10 <= acid <= 0.14
    surgery_codes = _palette_codes_of(
        "bariatric_proc", "gastrectomy_proc", "ileal_proc", "bariatric_status_dx",
        "gastrectomy_status_dx", "ileal_status_dx",
    )  # fmt: skip
    surgery = _share(
        db,
        _codes_sql("procedures", surgery_codes)
        + " UNION "
        + _codes_sql("diagnoses", surgery_codes),
    )
    assert 0.003 <= surgery <= 0.008
    assert 0.01 <= _share(db, _codes_sql("diagnoses", _palette_codes_of("vegan_dx"))) <= 0.02
    for rare in ("nitrous_dx", "crohns_dx", "coeliac_dx", "pernicious_dx", "t1dm_dx"):
        assert 0 < _share(db, _codes_sql("diagnoses", _palette_codes_of(rare))) < 0.01, rare
    for drug in ("colchicine", "pregabalin", "topiramate"):
        assert 0 < _share(db, _codes_sql("prescriptions", _palette_codes_of(drug))) < 0.03, drug


def test_concepts_come_in_several_coding_systems(db):
    systems = db.execute(
        "SELECT list(DISTINCT code_system) FROM prescriptions WHERE code IN (SELECT unnest($c))",
        {"c": _palette_codes_of("metformin")},
    ).fetchall()[0][0]
    assert {"ATC", "RXNORM", "DMD", "BNF", "READ2"} <= set(systems)


def test_b12_tests_are_realistic(db):
    units = dict(
        db.execute(
            "SELECT unit, count(*) FROM lab_results "
            "WHERE code IN ('2132-9', '14685-2', '72160-5') GROUP BY 1"
        ).fetchall()
    )
    assert {"pmol/L", "PMOL/L", "ng/L", "pg/mL", "nmol/L"} <= set(units)
    tested = _share(
        db, "SELECT patient_id FROM lab_results WHERE code IN ('2132-9', '14685-2', '72160-5')"
    )
    assert 0.08 < tested < 0.25
    results = db.execute(
        "SELECT code, value, unit FROM lab_results "
        "WHERE code IN ('2132-9', '14685-2', '72160-5') AND patient_id NOT LIKE 'PLANT-%'"
    ).fetchall()
    judged = [(c, pmol_l(v, u)) for c, v, u in results if pmol_l(v, u) is not None]
    low = [1 for c, v in judged if v < (25 if c == "72160-5" else 133)]
    assert 0.02 < len(low) / len(judged) < 0.15
    assert _share(db, "SELECT patient_id FROM lab_results WHERE code IN ('13964-2', '13965-9')")
    treated = _share(db, _codes_sql("prescriptions", _palette_codes_of("b12_injection")))
    assert treated > 0


def test_repeat_prescriptions_come_every_28_to_84_days_mostly(db):
    gaps = db.execute(
        """SELECT median(gap), quantile_cont(gap, 0.1), quantile_cont(gap, 0.9)
           FROM (SELECT issued_on - lag(issued_on) OVER (
                        PARTITION BY patient_id, code ORDER BY issued_on) AS gap
                 FROM prescriptions) WHERE gap IS NOT NULL"""
    ).fetchall()[0]
    assert 28 <= gaps[0] <= 84 and gaps[1] >= 20 and gaps[2] <= 100
    missing = db.execute("SELECT avg((days_supply IS NULL)::INT) FROM prescriptions").fetchall()
    assert 0.005 < missing[0][0] < 0.08


# ---------------------------------------------------------------------------------------------
# Planted cases


def _planted_concepts() -> dict[tuple[str, str], str]:
    with PLANTED_EVENTS_FILE.open(encoding="utf-8", newline="") as handle:
        return {(r["code_system"], r["code"]): r["concept"] for r in csv.DictReader(handle)}


def _planted_records(db) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    patients = {
        r[0]: dict(zip(COLUMNS["patients"], r, strict=True))
        for r in db.execute("SELECT * FROM patients WHERE patient_id LIKE 'PLANT-%'").fetchall()
    }
    concepts = _planted_concepts()
    events = defaultdict(list)
    for table, column in DATE_COLUMN.items():
        extra = {"prescriptions": "days_supply", "lab_results": "value"}.get(table, "NULL")
        unit = "unit" if table == "lab_results" else "NULL"
        for pid, system, code, day, number, unit_value in db.execute(
            f"SELECT patient_id, code_system, code, {column}, {extra}, {unit} "  # noqa: S608
            f"FROM {table} WHERE patient_id LIKE 'PLANT-%'"
        ).fetchall():
            events[pid].append(
                {
                    "table": table,
                    "concept": concepts.get((system, code)),
                    "code": code,
                    "date": day,
                    "days_supply": number if table == "prescriptions" else None,
                    "value": number if table == "lab_results" else None,
                    "unit": unit_value,
                }
            )
    return patients, events


def test_planted_patients_are_in_the_extract_with_all_their_rows(db):
    patients, events = _planted_records(db)
    assert sorted(patients) == sorted(p["patient_id"] for p in PLANTED)
    with PLANTED_EVENTS_FILE.open(encoding="utf-8", newline="") as handle:
        expected = defaultdict(int)
        for row in csv.DictReader(handle):
            expected[row["patient_id"]] += int(row["repeat_count"])
    assert {pid: len(rows) for pid, rows in events.items()} == dict(expected)


@pytest.fixture(scope="module")
def planted_records(db) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    return _planted_records(db)


@pytest.mark.parametrize("case", PLANTED, ids=[p["patient_id"] for p in PLANTED])
def test_planted_case_gives_its_expected_result(planted_records, case):
    patients, events = planted_records
    patient_id = case["patient_id"]
    got = expected_result(patients[patient_id], events[patient_id], D)
    want = {k: case[k] for k in ("in_population", "cohorts", "status")}
    assert got == want, case["case"]
    if case["earlier"]:
        earlier_day = D - timedelta(days=EARLIER_AS_OF_DAYS)
        got = expected_result(patients[patient_id], events[patient_id], earlier_day)
        want = {k: case["earlier"][k] for k in ("in_population", "cohorts", "status")}
        assert got == want, case["case"] + " (earlier as-of date)"


def test_planted_cases_cover_every_cohort_and_status():
    cohorts = {c for p in PLANTED for c in p["cohorts"]}
    assert cohorts == {
        "older_adults", "vegan_diet", "gastric_surgery", "long_term_metformin",
        "long_term_acid_suppression", "malabsorption_conditions", "autoimmune_conditions",
        "other_risk_medicines", "nitrous_oxide_use",
    }  # fmt: skip
    assert {p["status"] for p in PLANTED} == {
        None, "excluded_on_treatment", "abnormal_untreated", "never_tested", "overdue",
        "due_soon", "up_to_date",
    }  # fmt: skip
    assert any(not p["in_population"] for p in PLANTED)
    assert any(p["earlier"] for p in PLANTED)


def test_planted_patients_come_even_with_no_random_patients(tmp_path):
    summary = generate_extract(tmp_path, patients=0, seed=1, as_of=D)
    assert summary.rows["patients"] == len(PLANTED)
    _, rows = _read_varchar(summary.files["patients"])
    assert {r[4] for r in rows} and all(r[0].startswith("PLANT-") for r in rows)


# ---------------------------------------------------------------------------------------------
# Determinism, formats, arguments


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> dict[str, generate.GenerateSummary]:
    """The same arguments twice per format, and another seed (1,000 patients, 5% bad rows)."""
    base = tmp_path_factory.mktemp("twins")
    made = {}
    for name, seed, fmt in [
        ("csv", 5, "csv"), ("csv again", 5, "csv"), ("csv other seed", 6, "csv"),
        ("parquet", 5, "parquet"), ("parquet again", 5, "parquet"),
    ]:  # fmt: skip
        made[name] = generate_extract(base / name, 1_000, seed, as_of=D, fmt=fmt, bad_rows=0.05)
    return made


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_arguments_give_the_same_bytes(twins, fmt):
    assert _hashes(twins[fmt].out_dir) == _hashes(twins[f"{fmt} again"].out_dir)
    assert twins[fmt].rows == twins[f"{fmt} again"].rows


def test_another_seed_gives_other_bytes(twins):
    first, other = _hashes(twins["csv"].out_dir), _hashes(twins["csv other seed"].out_dir)
    assert {name for name in first if first[name] != other[name]} == set(first)


def test_parquet_holds_the_same_rows_as_csv(twins):
    as_csv, as_parquet = twins["csv"], twins["parquet"]
    assert as_csv.rows == as_parquet.rows
    for table in TABLE_NAMES:
        rel = duckdb.sql(
            "SELECT * FROM read_parquet($p)", params={"p": str(as_parquet.files[table])}
        )
        assert rel.columns == COLUMNS[table]
        parquet_rows = rel.fetchall()
        csv_rows = duckdb.sql(
            "SELECT * FROM read_csv($p, header = true, auto_detect = false, columns = $types)",
            params={
                "p": str(as_csv.files[table]),
                "types": dict(zip(rel.columns, map(str, rel.types), strict=True)),
            },
        ).fetchall()
        assert parquet_rows == csv_rows, table


def test_summary_and_arguments(tmp_path):
    summary = generate_extract(tmp_path, 10, seed=0, as_of=D)
    assert summary.out_dir == tmp_path and summary.seconds > 0
    assert set(summary.files) == set(TABLE_NAMES) | {"manifest"}
    assert all(path.is_file() for path in summary.files.values())
    assert summary.rows["patients"] == 10 + len(PLANTED)
    again = generate_extract(tmp_path, 10, seed=0, as_of=D, fmt="parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLE_NAMES] + ["manifest.json"]
    )
    assert again.rows == summary.rows
    with pytest.raises(ValueError):
        generate_extract(tmp_path, -1, seed=0)
    with pytest.raises(ValueError):
        generate_extract(tmp_path, 10, seed=0, fmt="xlsx")
    with pytest.raises(ValueError):
        generate_extract(tmp_path, 10, seed=0, bad_rows=1.5)
    with pytest.raises(TypeError):
        generate_extract(tmp_path, 10.5, seed=0)


# ---------------------------------------------------------------------------------------------
# Bad rows


@pytest.fixture(scope="module")
def clean_and_bad(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("bad_rows")
    generate_extract(base / "clean", 1_500, seed=9, as_of=D)
    generate_extract(base / "bad", 1_500, seed=9, as_of=D, bad_rows=0.1)
    return base / "clean", base / "bad"


def _corrupted(table: str, row: tuple, known: set[str]) -> str | None:
    """Which corruption a raw (VARCHAR) event row shows, if any."""
    values = dict(zip(COLUMNS[table], row, strict=True))
    try:
        date.fromisoformat(values[DATE_COLUMN[table]])
    except ValueError:
        return "impossible_date"
    if values["patient_id"] not in known:
        return "unknown_patient"
    if values["code_system"] not in CODE_SYSTEMS:
        return "unknown_code_system"
    if values["code_system"] == "SNOMED" and not verhoeff_ok(values["code"]):
        return "bad_snomed_check_digit"
    if table == "prescriptions" and values["days_supply"] == "0":
        return "zero_days_supply"
    if table == "lab_results" and values["value"] and float(values["value"]) < 0:
        return "negative_value"
    return None


def test_bad_rows_corrupt_that_share_in_varied_ways_and_spare_planted_rows(clean_and_bad):
    clean, bad = clean_and_bad
    known = {r[0] for r in _read_varchar(bad / "patients.csv")[1]}
    kinds: dict[str, int] = defaultdict(int)
    total = corrupted = 0
    for table in EVENT_TABLES:
        _, clean_rows = _read_varchar(clean / f"{table}.csv")
        _, bad_rows = _read_varchar(bad / f"{table}.csv")
        assert len(clean_rows) == len(bad_rows)
        assert [_corrupted(table, r, known) for r in clean_rows].count(None) == len(clean_rows)
        for before, after in zip(clean_rows, bad_rows, strict=True):
            kind = _corrupted(table, after, known)
            if before[0].startswith("PLANT-"):
                assert after == before
                continue
            total += 1
            if kind:
                corrupted += 1
                kinds[kind] += 1
            else:
                assert after == before
    assert 0.09 < corrupted / total < 0.11
    assert set(kinds) == {
        "impossible_date", "unknown_patient", "unknown_code_system", "bad_snomed_check_digit",
        "zero_days_supply", "negative_value",
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Properties of the generator's pure pieces, over arbitrary dates and seeds


@pytest.fixture(scope="module")
def palette_con():
    """A connection holding the macros, palettes and 12 practices (planted.sql reruns)."""
    con = duckdb.connect()
    params = generate.build_parameters(0, 1, D, 0.0)
    for script in ("macros", "palettes", "practices"):
        run_script(con, f"synthetic/{script}", **params)
    yield con
    con.close()


@settings(max_examples=40, deadline=None)
@given(as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_planted_ages_and_dates_hold_for_any_extract_date(palette_con, as_of):
    params = generate.build_parameters(0, 1, as_of, 0.0)
    run_script(palette_con, "synthetic/planted", **params)
    ages = {
        pid: age_on(yob, mob, as_of)
        for pid, yob, mob in palette_con.execute(
            "SELECT patient_id, year_of_birth, month_of_birth FROM gen_planted_patients"
        ).fetchall()
    }
    with (GENERATOR_DATA / "planted_patients.csv").open(encoding="utf-8", newline="") as handle:
        declared = {r["patient_id"]: int(r["age"]) for r in csv.DictReader(handle)}
    assert ages == declared
    latest, earliest_year_gap = palette_con.execute(
        """SELECT max(e.event_date), min(year(e.event_date) - p.year_of_birth)
           FROM gen_planted_events AS e JOIN gen_planted_patients AS p USING (pidx)"""
    ).fetchall()[0]
    assert latest == as_of and earliest_year_gap >= 0


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(min_value=-(2**63), max_value=2**63 - 1), start=st.integers(0, 2**39))
def test_patient_tokens_are_distinct_pseudonymous_tokens(palette_con, seed, start):
    tokens = palette_con.execute(
        "SELECT list(gen_token($seed, i)) FROM range($start, $start + 5000) AS t(i)",
        {"seed": seed, "start": start},
    ).fetchall()[0][0]
    assert len(set(tokens)) == 5000
    assert all(re.fullmatch(r"[0-9a-f]{10}", t) for t in tokens)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    patients=st.integers(min_value=0, max_value=300),
)
def test_any_seed_and_date_give_events_within_each_patients_life(
    palette_con, seed, as_of, patients
):
    """Every event (bad_rows 0) is of a listed patient, dated between their birth year and the
    extract date, death or deregistration. (Found: a negative seed hashed differently as
    INTEGER and BIGINT, so events named patients that did not exist.)"""
    params = generate.build_parameters(patients, seed, as_of, 0.0)
    for script in generate.BUILD_SCRIPTS:
        if script != "palettes":  # loaded once by the fixture; they do not depend on the seed
            run_script(palette_con, f"synthetic/{script}", **params)
    orphans, outside, bad_codes = palette_con.execute(
        """WITH people AS (
               SELECT patient_id, year_of_birth, died_on, deregistered_on FROM gen_patients
               UNION ALL
               SELECT patient_id, year_of_birth, died_on, deregistered_on
               FROM gen_planted_patients)
           SELECT count(*) FILTER (WHERE p.patient_id IS NULL),
                  count(*) FILTER (WHERE e.sort_date > $as_of
                                      OR year(e.sort_date) < p.year_of_birth
                                      OR e.sort_date > least(p.died_on, p.deregistered_on)),
                  count(*) FILTER (WHERE e.code IS NULL OR e.code_system IS NULL)
           FROM gen_events AS e LEFT JOIN people AS p USING (patient_id)""",
        {"as_of": as_of},
    ).fetchall()[0]
    assert (orphans, outside, bad_codes) == (0, 0, 0)


# ---------------------------------------------------------------------------------------------
# The planted answers through the pipeline's own cohort and status stages


@pytest.fixture(scope="module")
def planted_only(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("planted_only")
    generate_extract(out, patients=0, seed=2, as_of=D)
    return out


def _pipeline_results(extract: Path, day: date) -> dict[str, dict]:
    """Population, cohorts and status of each planted patient by the project's stages (the
    extract loaded typed as it is: the generator's rows all pass validation)."""
    cohorts = pytest.importorskip("b12risk.cohorts.flag")
    status = pytest.importorskip("b12risk.status.screen")
    codelists = pytest.importorskip("b12risk.codelists.load")
    from b12risk.config import DEFAULT_CODELISTS, load_config

    config = load_config()
    con = load_typed(extract)
    codelists.load_codelists(con, DEFAULT_CODELISTS)
    cohorts.flag_cohorts(con, config, day, "planted")
    status.screening_status(con, config, day, "planted")
    results = {
        pid: {"in_population": True, "cohorts": (), "status": None}
        for (pid,) in con.execute("SELECT patient_id FROM population").fetchall()
    }
    for pid, names in con.execute(
        "SELECT patient_id, list_sort(list(DISTINCT cohort)) FROM cohort_membership GROUP BY 1"
    ).fetchall():
        results[pid]["cohorts"] = tuple(names)
    for pid, state in con.execute("SELECT patient_id, status FROM screening_status").fetchall():
        results[pid]["status"] = state
    con.close()
    return results


@pytest.mark.parametrize("earlier", [False, True], ids=["as_of_D", "as_of_D_minus_400"])
def test_pipeline_stages_give_the_planted_answers(planted_only, earlier):
    day = D - timedelta(days=EARLIER_AS_OF_DAYS) if earlier else D
    results = _pipeline_results(planted_only, day)
    outside = {"in_population": False, "cohorts": (), "status": None}
    wrong = []
    for case in PLANTED:
        want = case["earlier"] if earlier else case
        if want is None:
            continue
        want = {k: want[k] for k in ("in_population", "cohorts", "status")}
        got = results.get(case["patient_id"], outside)
        if got != want:
            wrong.append((case["patient_id"], case["case"], got, want))
    assert wrong == []
