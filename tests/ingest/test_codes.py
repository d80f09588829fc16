"""Code formats and check digits: real codes, literal shapes, and the vectorised (Polars)
checks held to the plain-Python reference by property tests."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.codes import (
    CODE_FORMATS,
    CODE_SYSTEMS,
    code_format_expr,
    code_format_valid,
    loinc_check_digit,
    loinc_valid,
    loinc_valid_expr,
    verhoeff_check_digit,
    verhoeff_valid,
    verhoeff_valid_expr,
)

REFERENCE_CODELISTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "codelists"
FAST = settings(max_examples=100, deadline=None)


@pytest.mark.parametrize("code", ["38341003", "44054006", "46635009", "1000731000000107"])
def test_real_snomed_ids_pass_verhoeff(code):
    assert verhoeff_valid(code)
    assert verhoeff_check_digit(code[:-1]) == code[-1]


@pytest.mark.parametrize(("code", "check"), [("2132", "9"), ("14685", "2"), ("72160", "5")])
def test_real_loinc_codes_have_their_check_digit(code, check):
    assert loinc_check_digit(code) == check
    assert loinc_valid(f"{code}-{check}")


@pytest.mark.parametrize("code", ["38341004", "44054060", "1", "", "12a45"])
def test_wrong_snomed_ids_fail_verhoeff(code):
    assert not verhoeff_valid(code)


def test_verhoeff_catches_every_single_digit_error_and_adjacent_swap():
    code = "38341003"
    for i, ch in enumerate(code):
        for other in "0123456789":
            if other != ch:
                assert not verhoeff_valid(code[:i] + other + code[i + 1 :])
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            assert not verhoeff_valid(code[:i] + code[i + 1] + code[i] + code[i + 2 :])


@pytest.mark.parametrize("system", CODE_SYSTEMS)
def test_every_system_accepts_its_documented_examples(system):
    for example in CODE_FORMATS[system].examples:
        assert code_format_valid(system, example), example


INVALID = {
    "SNOMED": ["38341004", "012345", "12345", "1234567890123456789", "3834100x"],
    "DMD": ["73133001", "7313300"],
    "ICD10": ["E1", "E11.", "E11.123", "11.9", "E11 9"],
    "ICD10CM": ["E1", "E11.12345", "E11.", "1E1.1"],
    "ICD9CM": ["1234.5", "V1", "E95.0.0", "V12.123", "E950.12"],
    "READ2": ["C10F", "C10F.0", "C.10F", "C10F ", ".C10F"],
    "ATC": ["E01", "A1", "A10B0", "A10BA2", "A10BA023"],
    "RXNORM": ["0860975", "12345678901", "86097a"],
    "BNF": ["0", "06010", "0601022B", "A601022B0", "0601022B0A"],
    "NDC": ["0002-32270-3", "123456789", "0002-3227-3000"],
    "LOINC": ["2132-8", "21329", "123456-7", "2132-"],
    "OPCS4": ["G2", "G2812", "G28.12", "28.1"],
    "CPT": ["8260", "826071", "3046X"],
    "ICD10PCS": ["0DI64Z3", "0DO64Z3", "0DB64Z", "0DB64Z33"],
}


@pytest.mark.parametrize("system", CODE_SYSTEMS)
def test_every_system_refuses_wrong_shapes(system):
    for code in INVALID[system]:
        assert not code_format_valid(system, code), code


def _reference_rows() -> list[tuple[str, str]]:
    """(system, code) of the team's reviewed reference codelists, for systems we name alike."""
    systems = {
        "SNOMED CT": "SNOMED",
        "ICD-10": "ICD10",
        "ICD-10-CM": "ICD10CM",
        "ATC": "ATC",
        "LOINC": "LOINC",
        "RxNorm": "RXNORM",
        "CPT": "CPT",
        "OPCS-4": "OPCS4",
        "ICD-10-PCS": "ICD10PCS",
    }
    rows = []
    for path in sorted(REFERENCE_CODELISTS.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["system"] in systems:
                    rows.append((systems[row["system"]], row["code"].strip()))
    return rows


def test_the_reviewed_reference_codes_have_valid_formats():
    rows = _reference_rows()
    if not rows:
        pytest.skip(f"reference codelists not found at {REFERENCE_CODELISTS}")
    bad = [(s, c) for s, c in rows if not code_format_valid(s, c)]
    assert bad == []


# ---------------------------------------------------------------- vectorised == reference

digits = st.text(alphabet="0123456789", min_size=1, max_size=18)
code_text = st.one_of(
    digits,
    st.text(alphabet="0123456789-.ABCDEFGHIJKLMNOPQRSTUVWXYZabc ", max_size=16),
    st.sampled_from([e for f in CODE_FORMATS.values() for e in f.examples]),
)


@FAST
@given(st.lists(digits, min_size=1, max_size=40))
def test_vectorised_verhoeff_matches_the_reference(codes):
    got = pl.DataFrame({"c": codes}).select(verhoeff_valid_expr(pl.col("c"))).to_series()
    assert got.to_list() == [verhoeff_valid(c) for c in codes]


@FAST
@given(st.lists(st.integers(0, 10**17 - 1), min_size=1, max_size=20))
def test_a_computed_verhoeff_digit_always_validates(payloads):
    for payload in payloads:
        assert verhoeff_valid(str(payload) + verhoeff_check_digit(str(payload)))


@FAST
@given(st.lists(st.tuples(st.integers(0, 99999), st.integers(0, 9)), min_size=1, max_size=40))
def test_vectorised_loinc_matches_the_reference(pairs):
    codes = [f"{p}-{c}" for p, c in pairs]
    got = pl.DataFrame({"c": codes}).select(loinc_valid_expr(pl.col("c"))).to_series()
    assert got.to_list() == [loinc_valid(c) for c in codes]
    assert sum(got) == sum(loinc_check_digit(str(p)) == str(c) for p, c in pairs)


@FAST
@given(st.sampled_from(CODE_SYSTEMS), st.lists(code_text, min_size=1, max_size=30))
def test_vectorised_code_formats_match_the_reference(system, codes):
    frame = pl.DataFrame({"code": codes}, schema={"code": pl.String})
    got = frame.select(code_format_expr(system, pl.col("code"))).to_series().to_list()
    assert got == [code_format_valid(system, c) for c in codes]


def test_a_missing_code_never_has_a_valid_format():
    frame = pl.DataFrame({"code": [None]}, schema={"code": pl.String})
    for system in CODE_SYSTEMS:
        assert frame.select(code_format_expr(system, pl.col("code"))).item() is False


@pytest.mark.parametrize(
    ("system", "code", "valid"),
    [
        ("ICD10", "e11.9", True),  # case and spaces are normalised, as codelist matching does
        ("ICD10CM", " k50.00 ", True),
        ("ATC", "a10ba02", True),
        ("SNOMED", " 38341003", True),
        ("READ2", "f41..", True),
        ("READ2", " f41.. ", True),
        ("READ2", "f41", False),
        ("ICD10", "\tE11.9", False),  # only spaces are dropped, like DuckDB trim()
    ],
)
def test_codes_are_checked_in_their_matching_form(system, code, valid):
    assert code_format_valid(system, code) is valid
    assert pl.select(code_format_expr(system, pl.lit(code))).item() is valid
