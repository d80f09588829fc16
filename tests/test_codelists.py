"""Codelists: reviewed content, hash check, normalisation, and agreement with the reference.

Tests marked by the `reference_dir` fixture read the clinical reference at
<B12RISK_SHARED_DATA>/../reference/codelists and skip, saying why, when it is absent.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12risk.codelists.build import REVIEWED_LEFT_OUT, build_codelists
from b12risk.codelists.load import (
    DOTLESS_SYSTEMS,
    SPACE_SEPARATORS,
    CodelistError,
    load_codelists,
    normalise_code,
)
from b12risk.cohorts.flag import build_concept_events
from b12risk.config import DEFAULT_CODELISTS, PROJECT_ROOT, load_config

SHARED_DATA = Path(os.environ.get("B12RISK_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
REFERENCE = SHARED_DATA / ".." / "reference" / "codelists"
DOCS = PROJECT_ROOT / "docs" / "codelists.md"

CONCEPTS = {
    "vegan_diet", "gastric_surgery", "metformin", "acid_suppressants", "b12_tests",
    "b12_second_line_tests", "b12_treatment", "b12_deficiency", "malabsorption_conditions",
    "autoimmune_conditions", "other_risk_medicines", "nitrous_oxide",
}  # fmt: skip

# Which reference files feed which concepts (the spec, written independently of the builder).
REFERENCE_FILES = {
    "diet_vegan_vegetarian.csv": {"vegan_diet"},
    "bariatric_surgery.csv": {"gastric_surgery"},
    "gastrectomy_stomach_resection.csv": {"gastric_surgery"},
    "ileal_resection_small_bowel.csv": {"gastric_surgery"},
    "metformin.csv": {"metformin"},
    "proton_pump_inhibitors.csv": {"acid_suppressants"},
    "h2_receptor_antagonists.csv": {"acid_suppressants"},
    "b12_tests.csv": {"b12_tests", "b12_second_line_tests"},
    "b12_treatment.csv": {"b12_treatment"},
    "b12_deficiency_diagnosis.csv": {"b12_deficiency"},
    "crohns_coeliac.csv": {"malabsorption_conditions"},
    "pernicious_anaemia_autoimmune_gastritis.csv": {"malabsorption_conditions"},
    "autoimmune_conditions_ng239.csv": {"autoimmune_conditions"},
    "colchicine.csv": {"other_risk_medicines"},
    "antiepileptics_pregabalin.csv": {"other_risk_medicines"},
    "nitrous_oxide.csv": {"nitrous_oxide"},
}
REFERENCE_SYSTEMS = {
    "SNOMED CT": ("SNOMED",), "SNOMED CT/dm+d": ("SNOMED", "DMD"), "ICD-10": ("ICD10",),
    "ICD-10-CM": ("ICD10CM",), "ICD-9-CM proc": ("ICD9CM",), "Read v2": ("READ2",),
    "RxNorm": ("RXNORM",), "OPCS-4": ("OPCS4",), "ICD-10-PCS": ("ICD10PCS",), "CPT": ("CPT",),
    "ATC": ("ATC",), "BNF": ("BNF",), "LOINC": ("LOINC",), "CTV3": ("CTV3",), "HCPCS": ("HCPCS",),
}  # fmt: skip

# concept, code_system, code, match, subtype: rows the reviewed lists must hold.
MEMBERS = [
    ("vegan_diet", "ICD10", "D51.3", "exact", None),
    ("vegan_diet", "SNOMED", "234360003", "exact", None),
    ("gastric_surgery", "ICD10CM", "Z98.84", "exact", "bariatric"),
    ("gastric_surgery", "ICD10CM", "K95", "prefix", "bariatric"),
    ("gastric_surgery", "OPCS4", "G28.5", "exact", "bariatric"),
    ("gastric_surgery", "CPT", "43775", "exact", "bariatric"),
    ("gastric_surgery", "ICD10CM", "Z90.3", "exact", "gastrectomy"),
    ("gastric_surgery", "ICD10CM", "K91.2", "exact", "gastrectomy"),
    ("gastric_surgery", "ICD9CM", "43.7", "exact", "gastrectomy"),
    ("gastric_surgery", "ICD10PCS", "0DBB0ZZ", "exact", "ileal_resection"),
    ("gastric_surgery", "SNOMED", "444165004", "exact", "ileal_resection"),
    ("metformin", "ATC", "A10BA02", "exact", None),
    ("metformin", "ATC", "A10BD07", "exact", None),
    ("metformin", "BNF", "0601022B0", "prefix", None),
    ("metformin", "RXNORM", "860975", "exact", None),
    ("metformin", "READ2", "f41..", "exact", None),  # the reference writes f41..00 (term id)
    ("metformin", "DMD", "10292611000001107", "exact", None),
    ("metformin", "SNOMED", "10292611000001107", "exact", None),
    ("acid_suppressants", "ATC", "A02BC", "prefix", "ppi"),
    ("acid_suppressants", "ATC", "A02BC01", "exact", "ppi"),
    ("acid_suppressants", "ATC", "A02BA", "prefix", "h2ra"),
    ("acid_suppressants", "RXNORM", "7646", "exact", "ppi"),
    ("b12_tests", "LOINC", "2132-9", "exact", "total_b12"),
    ("b12_tests", "LOINC", "14685-2", "exact", "total_b12"),
    ("b12_tests", "LOINC", "72160-5", "exact", "active_b12"),
    ("b12_tests", "CPT", "82607", "exact", "total_b12"),
    ("b12_tests", "CTV3", "XE2pf", "exact", "total_b12"),
    ("b12_second_line_tests", "LOINC", "13964-2", "exact", "mma"),
    ("b12_second_line_tests", "LOINC", "13965-9", "exact", "homocysteine"),
    ("b12_treatment", "ATC", "B03BA", "prefix", None),
    ("b12_treatment", "ATC", "B03BA03", "exact", None),
    ("b12_treatment", "RXNORM", "2001499", "exact", None),
    ("b12_deficiency", "ICD10", "E53.8", "exact", None),
    ("b12_deficiency", "ICD10CM", "D51.0", "exact", None),
    ("b12_deficiency", "SNOMED", "190634004", "exact", None),
    ("malabsorption_conditions", "ICD10", "K50", "prefix", "crohns"),
    ("malabsorption_conditions", "ICD10CM", "K50", "prefix", "crohns"),
    ("malabsorption_conditions", "ICD10CM", "K90.0", "exact", "coeliac"),
    ("malabsorption_conditions", "ICD10CM", "K29.40", "exact", "atrophic_gastritis"),
    ("malabsorption_conditions", "SNOMED", "84027009", "exact", "pernicious_anaemia"),
    ("autoimmune_conditions", "ICD10CM", "E10", "prefix", "type1_diabetes"),
    ("autoimmune_conditions", "SNOMED", "21983002", "exact", "autoimmune_thyroid"),
    ("autoimmune_conditions", "SNOMED", "83901003", "exact", "sjogren"),
    ("autoimmune_conditions", "SNOMED", "56727007", "exact", "vitiligo"),
    ("autoimmune_conditions", "SNOMED", "363732003", "exact", "addison"),
    ("other_risk_medicines", "ATC", "M04AC01", "exact", "colchicine"),
    ("other_risk_medicines", "ATC", "N03AA02", "exact", "phenobarbital"),
    ("other_risk_medicines", "ATC", "N03AA03", "exact", "primidone"),
    ("other_risk_medicines", "RXNORM", "38404", "exact", "topiramate"),
    ("other_risk_medicines", "ATC", "N02BF02", "exact", "pregabalin"),
    ("other_risk_medicines", "ATC", "N03AX16", "exact", "pregabalin"),
    ("nitrous_oxide", "ATC", "N01AX13", "exact", None),
    ("nitrous_oxide", "ICD10CM", "F18.10", "exact", None),
    ("nitrous_oxide", "SNOMED", "70340006", "exact", None),
]

# concept (None: every list), code_system, code: codes no reviewed list may hold.
NON_MEMBERS = [
    (None, "ATC", "V03AB33"),  # hydroxocobalamin as cyanide antidote
    (None, "ICD10CM", "Z71.3"),  # dietary counselling is not a vegan diet
    (None, "LOINC", "2171-7"),  # B12 binding capacity
    (None, "LOINC", "16695-9"),  # whole-blood cobalamin, often mis-mapped
    (None, "CPT", "82608"),  # B12 binding capacity
    (None, "ICD10CM", "Z79.84"),  # any oral hypoglycaemic
    (None, "ATC", "A02BD"),  # H. pylori eradication packs: short courses
    (None, "ATC", "A02BD08"),  # bismuth quadruple pack: no PPI
    (None, "ATC", "N03AB02"),  # phenytoin
    (None, "ATC", "N03AF01"),  # carbamazepine
    (None, "RXNORM", "8183"),  # phenytoin
    (None, "RXNORM", "2002"),  # carbamazepine
    (None, "RXNORM", "308971"),  # carbamazepine (Tegretol)
    (None, "RXNORM", "5553"),  # unverified hydroxocobalamin ingredient
    (None, "HCPCS", "J3420"),  # unverified
    (None, "OPCS4", "G48.1"),  # intragastric balloon
    (None, "ICD10CM", "Z90.49"),  # catch-all status (gallbladder)
    (None, "SNOMED", "190606006"),  # ambiguous in public repos
    (None, "SNOMED", "4556007"),  # gastritis of any kind
    ("b12_deficiency", "ICD10", "D53.1"),  # supportive, not B12-specific
    ("b12_deficiency", "ICD10CM", "D53.1"),
    ("b12_deficiency", "SNOMED", "53165003"),
    ("nitrous_oxide", "LOINC", "13965-9"),  # a test, not use
    ("malabsorption_conditions", "LOINC", "31444-3"),  # a test, not a diagnosis
]

# How extract codes, as an extract may write them, meet the lists (prefix traps included).
EXTRACT_CODES = [
    ("ATC", "A02BC05", {"acid_suppressants"}),
    ("ATC", " a02bc01 ", {"acid_suppressants"}),
    ("ATC", "A02BA02", {"acid_suppressants"}),
    ("ATC", "A02BD08", set()),
    ("ATC", "A02BD01", set()),
    ("ATC", "B03BA03", {"b12_treatment"}),
    ("ATC", "B03BA51", {"b12_treatment"}),
    ("ATC", "V03AB33", set()),
    ("ATC", "N03AB02", set()),
    ("ATC", "N02BF02", {"other_risk_medicines"}),
    ("BNF", "0601022B0AAABAB", {"metformin"}),
    ("BNF", "0601021A0AAAAAA", set()),
    ("ICD10CM", "K50.813", {"malabsorption_conditions"}),
    ("ICD10", "K500", {"malabsorption_conditions"}),
    ("ICD10CM", "e10.65", {"autoimmune_conditions"}),
    ("ICD10CM", "E11.9", set()),
    ("ICD10CM", "K95.01", {"gastric_surgery"}),
    ("ICD10CM", "Z71.3", set()),
    ("ICD10CM", "D51.3", {"vegan_diet", "b12_deficiency"}),
    ("ICD10", "D510", {"b12_deficiency", "malabsorption_conditions"}),
    ("ICD10CM", "D53.1", set()),
    ("LOINC", "2132-9", {"b12_tests"}),
    ("LOINC", "72160-5", {"b12_tests"}),
    ("LOINC", "2171-7", set()),
    ("LOINC", "16695-9", set()),
    ("LOINC", "13965-9", {"b12_second_line_tests"}),
    ("OPCS4", "G28.5", {"gastric_surgery"}),
    ("OPCS4", "G485", set()),
    ("SNOMED", "10292611000001107", {"metformin"}),
    ("DMD", "10292611000001107", {"metformin"}),
    ("RXNORM", "860975", {"metformin"}),
    ("READ2", "XE2pf", set()),  # a CTV3 code (outside the contract) never meets READ2 rows
]


@pytest.fixture
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"clinical reference not found at {REFERENCE} (set B12RISK_SHARED_DATA)")
    return REFERENCE.resolve()


@pytest.fixture(scope="module")
def loaded():
    """Every committed list, loaded once for the read-only tests of this module."""
    with duckdb.connect() as connection:
        load_codelists(connection)
        yield connection


@pytest.fixture(scope="module")
def rows(loaded) -> list[tuple]:
    return codelist_rows(loaded)


@pytest.fixture
def lists_copy(tmp_path) -> Path:
    directory = tmp_path / "codelists"
    shutil.copytree(DEFAULT_CODELISTS, directory)
    return directory


def codelist_rows(con) -> list[tuple]:
    return con.execute(
        "SELECT concept, code_system, code, code_norm, match, subtype FROM codelist"
    ).fetchall()


def reference_rows(reference_dir: Path, file: str) -> list[dict[str, str]]:
    text = (reference_dir / file).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    return [
        dict(zip(("system", "code", "description", "source"), (f.strip() for f in r), strict=False))
        for r in reader
        if r
    ]


def verified(row: dict[str, str]) -> bool:
    """The reference's own conventions (clinical-rules section 4) for a member row."""
    system = row["system"]
    return not (
        system.endswith(("-EXCLUDE", "-WARNING"))
        or "supportive" in system
        or row["source"].startswith("UNVERIFIED")
        or re.search(r"\bexclude\b", row["description"], re.IGNORECASE)
    )


def matched_concepts(rows: list[tuple], code_system: str, code: str) -> set[str]:
    """Pure-Python reference of the matching rule in cohorts/concept_events.sql."""
    norm = normalise_code(code_system, code)
    return {
        concept
        for concept, system, _, code_norm, match, _ in rows
        if system == code_system
        and (norm == code_norm or (match == "prefix" and norm.startswith(code_norm)))
    }


# ---------------------------------------------------------------------------- the lists


def test_load_creates_both_tables_for_every_list(loaded):
    columns = [r[0] for r in loaded.execute("DESCRIBE codelist").fetchall()]
    assert columns == [
        "concept", "code_system", "code", "code_norm", "match", "subtype", "description", "version",
    ]  # fmt: skip
    versions = loaded.execute(
        "SELECT concept, version, n_codes, length(sha256), source FROM codelist_versions"
    ).fetchall()
    counts = dict(
        loaded.execute("SELECT concept, count(*) FROM codelist GROUP BY concept").fetchall()
    )
    assert {v[0] for v in versions} == CONCEPTS
    for concept, version, n_codes, sha_length, source in versions:
        assert n_codes == counts[concept]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+", version)
        assert sha_length == 64
        assert source.endswith(".csv")


def test_every_cohort_codelist_in_the_config_exists():
    manifest = json.loads((DEFAULT_CODELISTS / "manifest.json").read_text())["codelists"]
    named = {name for cohort in load_config().cohorts for name in cohort.codelists}
    assert named <= set(manifest)


@pytest.mark.parametrize(("concept", "code_system", "code", "match", "subtype"), MEMBERS)
def test_reviewed_member(loaded, concept, code_system, code, match, subtype):
    found = loaded.execute(
        "SELECT match, subtype FROM codelist WHERE concept = $c AND code_system = $s AND code = $k",
        {"c": concept, "s": code_system, "k": code},
    ).fetchall()
    assert found == [(match, subtype)]


@pytest.mark.parametrize(("concept", "code_system", "code"), NON_MEMBERS)
def test_reviewed_non_member(loaded, concept, code_system, code):
    found = loaded.execute(
        "SELECT concept FROM codelist WHERE code_system = $s AND code = $k",
        {"s": code_system, "k": code},
    ).fetchall()
    assert (concept is None and found == []) or (concept,) not in found


def test_no_list_holds_phenytoin_or_carbamazepine(loaded):
    found = loaded.execute(
        "SELECT count(*) FROM codelist WHERE regexp_matches(lower(description), $p)",
        {"p": "phenytoin|carbamazepine|tegretol|epanutin"},
    ).fetchall()
    assert found == [(0,)]


def test_atc_group_codes_and_only_they_are_atc_prefixes(loaded):
    rows = loaded.execute("SELECT code, match FROM codelist WHERE code_system = 'ATC'").fetchall()
    assert rows
    assert all((match == "prefix") == (len(code) < 7) for code, match in rows)


def test_a_code_never_has_two_rows_in_one_list(loaded):
    duplicates = loaded.execute(
        "SELECT concept, code_system, code_norm FROM codelist GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    assert duplicates == []


@pytest.mark.parametrize(("code_system", "code", "concepts"), EXTRACT_CODES)
def test_extract_code_meets_the_right_lists(rows, code_system, code, concepts):
    assert matched_concepts(rows, code_system, code) == concepts


def test_concept_events_sql_matches_like_the_reference_rule(con, rows):
    load_codelists(con)
    _create_event_tables(con)
    for i, (code_system, code, _) in enumerate(EXTRACT_CODES):
        _insert_diagnosis(con, f"p{i}", code_system, code)
    build_concept_events(con, date(2026, 1, 1))
    events = con.execute("SELECT patient_id, concept FROM concept_events").fetchall()
    for i, (code_system, code, expected) in enumerate(EXTRACT_CODES):
        got = {concept for patient, concept in events if patient == f"p{i}"}
        assert got == expected == matched_concepts(rows, code_system, code), (code_system, code)


# ---------------------------------------------------------------------------- hash check


def test_a_hand_edited_list_fails_loudly_with_its_name(con, lists_copy):
    with (lists_copy / "vegan_diet.csv").open("a", encoding="utf-8") as f:
        f.write("ICD10CM,Z71.3,Dietary counseling,exact,,hand edit\n")
    with pytest.raises(CodelistError) as caught:
        load_codelists(con, lists_copy)
    assert "codelist 'vegan_diet' was edited after review" in str(caught.value)
    assert "sha256 does not match" in str(caught.value)
    assert "manifest.json" in str(caught.value)


def test_a_refused_load_leaves_the_loaded_lists_alone(con, lists_copy):
    load_codelists(con, lists_copy, concepts=["metformin"])
    (lists_copy / "metformin.csv").write_bytes(
        (lists_copy / "metformin.csv").read_bytes().replace(b"A10BA02", b"A10BA03")
    )
    with pytest.raises(CodelistError, match="codelist 'metformin' was edited after review"):
        load_codelists(con, lists_copy)
    assert con.execute("SELECT count(*) FROM codelist WHERE code = 'A10BA02'").fetchall() == [(1,)]


def test_a_missing_list_is_named(con, lists_copy):
    (lists_copy / "metformin.csv").unlink()
    with pytest.raises(CodelistError, match="codelist 'metformin' not found"):
        load_codelists(con, lists_copy)


def test_a_list_without_a_manifest_entry_is_named(con, lists_copy):
    manifest = json.loads((lists_copy / "manifest.json").read_text())
    del manifest["codelists"]["nitrous_oxide"]
    (lists_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CodelistError, match="codelist 'nitrous_oxide' has no entry in"):
        load_codelists(con, lists_copy)


def test_an_unknown_concept_is_named(con):
    with pytest.raises(CodelistError, match="codelist 'no_such_list' has no entry in"):
        load_codelists(con, concepts=["no_such_list"])


def test_a_missing_manifest_is_refused(con, lists_copy):
    (lists_copy / "manifest.json").unlink()
    with pytest.raises(CodelistError, match="codelist manifest not found"):
        load_codelists(con, lists_copy)


def test_loading_some_concepts_loads_only_them(con):
    infos = load_codelists(con, concepts=["vegan_diet", "nitrous_oxide"])
    assert [i.concept for i in infos] == ["vegan_diet", "nitrous_oxide"]
    loaded = con.execute("SELECT DISTINCT concept FROM codelist ORDER BY 1").fetchall()
    assert loaded == [("nitrous_oxide",), ("vegan_diet",)]
    assert con.execute("SELECT count(*) FROM codelist_versions").fetchall() == [(2,)]


# ---------------------------------------------------------------------------- normalisation

NORMALISED = [
    # code_system, code as written, code_norm
    ("ICD10", "K50.0", "K500"),
    ("ICD10CM", " k50.00 ", "K5000"),
    ("ICD9CM", "43.7", "437"),
    ("OPCS4", "g28.1", "G281"),
    ("ICD10", "\u00a0E10.9\u3000", "E109"),  # no-break and ideographic spaces trim too
    ("ICD10", "\tK50.0", "\tK500"),  # tabs stay, as DuckDB trim() keeps them
    ("ICD10PCS", "0dbb0zz", "0DBB0ZZ"),  # PCS codes have no dots to drop
    ("SNOMED", " 84027009 ", "84027009"),
    ("LOINC", "2132-9", "2132-9"),  # LOINC keeps its check digit dash
    ("ATC", "a02bc01", "A02BC01"),
    ("READ2", "f41..", "f41.."),  # Read keeps its dots and its case (case-sensitive codes)
    ("READ2", " F41.. ", "F41.."),
    ("BNF", "0601022b0", "0601022B0"),
]


@pytest.mark.parametrize(("code_system", "code", "expected"), NORMALISED)
def test_normalise_code(code_system, code, expected):
    assert normalise_code(code_system, code) == expected


def test_space_separators_are_exactly_unicode_zs():
    zs = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"}
    assert set(SPACE_SEPARATORS) == zs


SYSTEMS = st.sampled_from(sorted(DOTLESS_SYSTEMS | {"SNOMED", "READ2", "ATC", "LOINC", "BNF"}))
# Codes as extracts write them: ASCII letters, digits, dots and dashes, padded with spaces,
# no-break spaces or tabs. (Non-ASCII letters are out of scope: DuckDB upper-cases some of them,
# e.g. the German sharp s, differently from Python.)
PADDING = st.text(alphabet=st.sampled_from([" ", "\t", "\u00a0", "\u3000"]), max_size=2)
CODES = st.builds(
    lambda before, core, after: before + core + after,
    PADDING,
    st.text(
        alphabet=st.sampled_from(
            list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.- ")
        ),
        max_size=10,
    ),
    PADDING,
)


def reference_normalise(code_system: str, code: str) -> str:
    """Spec, spelled out: drop Zs characters at both ends, upper-case (not Read), drop ICD dots."""
    chars = list(code)
    while chars and unicodedata.category(chars[0]) == "Zs":
        chars.pop(0)
    while chars and unicodedata.category(chars[-1]) == "Zs":
        chars.pop()
    text = "".join(chars)
    if code_system not in {"READ2", "CTV3"}:
        text = text.upper()
    return text.replace(".", "") if code_system in DOTLESS_SYSTEMS else text


@settings(max_examples=100, deadline=None)
@given(code_system=SYSTEMS, code=CODES)
def test_normalise_code_follows_the_rule(code_system, code):
    assert normalise_code(code_system, code) == reference_normalise(code_system, code)
    assert normalise_code(code_system, normalise_code(code_system, code)) == normalise_code(
        code_system, code
    )


def test_normalise_code_agrees_with_concept_events_sql():
    """A codelist row keyed by normalise_code meets the same code through the real SQL."""
    with duckdb.connect() as con:
        _create_event_tables(con)
        con.execute(
            "CREATE TABLE codelist (concept VARCHAR, code_system VARCHAR, code VARCHAR, "
            "code_norm VARCHAR, match VARCHAR, subtype VARCHAR)"
        )

        @settings(max_examples=60, deadline=None)
        @given(code_system=SYSTEMS, code=CODES)
        def meets_itself(code_system, code):
            con.execute("DELETE FROM codelist")
            con.execute("DELETE FROM diagnoses")
            con.execute(
                "INSERT INTO codelist VALUES ('c', $s, $k, $n, 'exact', NULL)",
                {"s": code_system, "k": code, "n": normalise_code(code_system, code)},
            )
            _insert_diagnosis(con, "p1", code_system, code)
            build_concept_events(con, date(2026, 1, 1))
            assert con.execute("SELECT count(*) FROM concept_events").fetchall() == [(1,)]

        meets_itself()


# ---------------------------------------------------------------------------- the reference


def test_every_verified_reference_code_is_in_its_list(rows, reference_dir):
    present = {(c, s, k) for c, s, k, *_ in rows}
    missing = []
    for file, concepts in REFERENCE_FILES.items():
        for row in reference_rows(reference_dir, file):
            key = (file, row["system"], row["code"])
            if not verified(row) or key in REVIEWED_LEFT_OUT:
                continue
            for system in REFERENCE_SYSTEMS[row["system"]]:
                code = contract_code(system, row["code"])
                if not any((c, system, code) in present for c in concepts):
                    missing.append((file, system, code))
    assert missing == []


def contract_code(system: str, code: str) -> str:
    """Read v2 codes are 5 characters in the contract: `f41..00` (with its term id) is `f41..`."""
    return code[:5] if system == "READ2" else code


def test_every_contract_code_has_the_contract_format(rows):
    codes = pytest.importorskip("schemas.codes")
    malformed = [
        (concept, system, code)
        for concept, system, code, *_ in rows
        if system in codes.CODE_FORMATS and not codes.code_format_valid(system, code)
    ]
    assert malformed == []


def test_no_reference_code_marked_to_exclude_is_in_any_list(rows, reference_dir):
    present = {(s, k) for _, s, k, *_ in rows}
    marked = []
    for file in REFERENCE_FILES:
        for row in reference_rows(reference_dir, file):
            base = re.sub(r"-(EXCLUDE|WARNING)$", "", row["system"])
            if base != row["system"]:
                marked += [(s, row["code"]) for s in REFERENCE_SYSTEMS[base]]
    assert marked, "the reference marks codes to exclude"
    assert [m for m in marked if m in present] == []


def test_every_reviewed_left_out_row_is_documented(reference_dir):
    docs = DOCS.read_text(encoding="utf-8")
    for (file, _, code), reason in REVIEWED_LEFT_OUT.items():
        assert file in REFERENCE_FILES
        assert f"`{code}`" in docs
        assert reason in docs


def test_build_is_deterministic_and_equals_the_committed_files(reference_dir, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        build_codelists(reference_dir, out, out / "codelists.md")
    committed = sorted(p.name for p in DEFAULT_CODELISTS.iterdir())
    assert sorted(p.name for p in first.iterdir() if p.name != "codelists.md") == committed
    for name in committed:
        built = (first / name).read_bytes()
        assert built == (second / name).read_bytes(), name
        assert built == (DEFAULT_CODELISTS / name).read_bytes(), f"{name} drifted: rebuild"
    assert (first / "codelists.md").read_bytes() == DOCS.read_bytes(), "docs drifted: rebuild"


def test_a_changed_list_needs_a_new_version(reference_dir, tmp_path):
    build_codelists(reference_dir, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["codelists"]["metformin"]["sha256"] = "0" * 64  # as if built from older content
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CodelistError, match="codelist 'metformin' changed but keeps version"):
        build_codelists(reference_dir, tmp_path)


def test_a_reference_row_nobody_placed_stops_the_build(reference_dir, tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(reference_dir, copy)
    (copy / "antiepileptics_pregabalin.csv").chmod(0o644)
    with (copy / "antiepileptics_pregabalin.csv").open("a", encoding="utf-8") as f:
        f.write('ATC,N03AX99,"a new antiepileptic","WHO ATC/DDD index"\n')
    with pytest.raises(CodelistError, match=r"N03AX99\) is in no codelist"):
        build_codelists(copy, tmp_path / "out")


# ---------------------------------------------------------------------------- helpers


def _create_event_tables(con) -> None:
    """The four extract tables, only the columns cohorts/concept_events.sql reads."""
    con.execute(
        "CREATE TABLE diagnoses (patient_id VARCHAR, code_system VARCHAR, code VARCHAR, "
        "recorded_on DATE)"
    )
    con.execute(
        "CREATE TABLE procedures (patient_id VARCHAR, code_system VARCHAR, code VARCHAR, "
        "performed_on DATE)"
    )
    con.execute(
        "CREATE TABLE prescriptions (patient_id VARCHAR, code_system VARCHAR, code VARCHAR, "
        "issued_on DATE, days_supply INTEGER)"
    )
    con.execute(
        "CREATE TABLE lab_results (patient_id VARCHAR, code_system VARCHAR, code VARCHAR, "
        "taken_on DATE, value DOUBLE, unit VARCHAR)"
    )


def _insert_diagnosis(con, patient_id: str, code_system: str, code: str) -> None:
    con.execute(
        "INSERT INTO diagnoses VALUES ($p, $s, $k, DATE '2025-06-01')",
        {"p": patient_id, "s": code_system, "k": code},
    )
