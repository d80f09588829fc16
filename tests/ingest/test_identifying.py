"""Identifying column names are refused however they are spelled (issue 9.1).

The tables below are the spec: every spelling in REFUSED must be refused with its kind, every
one in HARMLESS must pass. The property tests respell every vocabulary term the ways a supplier
(or an attacker) would and check it is still found.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.contract import TABLES
from schemas.identifying import (
    UnreadableHeader,
    header_tokens,
    identifying_kind,
    vocabulary,
)

ZWSP, ZWNJ, WJ, SHY, BOM = "\u200b", "\u200c", "\u2060", "\u00ad", "\ufeff"

REFUSED = [
    # (header, kind): the spellings the adversarial review found accepted come first
    ("pt_name", "name"),
    ("d.o.b", "date of birth"),
    ("MRN", "hospital number"),
    ("hospital_number", "hospital number"),
    ("chi_number", "CHI number"),
    ("ni_number", "national insurance number"),
    ("National Insurance", "national insurance number"),
    ("addr1", "address"),
    ("tel", "phone number"),
    ("b_date", "date of birth"),
    ("nhs", "NHS number"),
    (f"nhs{ZWSP}_number", "NHS number"),
    (f"nhs{ZWSP}number", "NHS number"),
    ("nhs_numbеr", "NHS number"),  # Cyrillic е
    ("пhs_number".replace("п", "n"), "NHS number"),
    ("ΝΗS_ΝUΜΒΕR", "NHS number"),  # Greek capitals
    ("ｎｈｓ＿ｎｕｍｂｅｒ", "NHS number"),  # full-width
    ("ＮＨＳ", "NHS number"),
    (f"n{SHY}h{WJ}s{ZWNJ}_no", "NHS number"),
    (f"{BOM}NHSNumber", "NHS number"),
    ("NHSNumber", "NHS number"),
    ("nhsNumber", "NHS number"),
    ("NHS No.", "NHS number"),
    ("nhs-num", "NHS number"),
    ("patient_nhs_number", "NHS number"),
    ("nhsno", "NHS number"),
    ("CHI", "CHI number"),
    ("CHINumber", "CHI number"),
    ("NINO", "national insurance number"),
    ("NI No", "national insurance number"),
    ("national_insurance_no", "national insurance number"),
    ("ssn", "social security number"),
    ("SocialSecurityNumber", "social security number"),
    ("medical_record_number", "hospital number"),
    ("MedicalRecordNo", "hospital number"),
    ("hosp_no", "hospital number"),
    ("HospitalID", "hospital number"),
    ("HCN", "hospital number"),
    ("UR_number", "hospital number"),
    ("URNo", "hospital number"),
    ("name", "name"),
    ("Name", "name"),
    ("full_name", "name"),
    ("FirstName", "name"),
    ("first-name", "name"),
    ("Surname", "name"),
    ("given_names", "name"),
    ("forename", "name"),
    ("patientName", "name"),
    ("maiden name", "name"),
    ("initials", "name"),
    ("address", "address"),
    ("AddressLine2", "address"),
    ("home_address", "address"),
    ("street", "address"),
    ("house_number", "address"),
    ("postcode", "postcode"),
    ("Post Code", "postcode"),
    ("PostCode", "postcode"),
    ("patient_postcode", "postcode"),
    ("zip", "postcode"),
    ("ZipCode", "postcode"),
    ("DOB", "date of birth"),
    ("D.O.B.", "date of birth"),
    ("date_of_birth", "date of birth"),
    ("DateOfBirth", "date of birth"),
    ("birth_date", "date of birth"),
    ("BirthDate", "date of birth"),
    ("birthdate", "date of birth"),
    ("birth_dt", "date of birth"),
    ("bdate", "date of birth"),
    ("birthday", "date of birth"),
    ("dt_of_birth", "date of birth"),
    ("telephone", "phone number"),
    ("tel_no", "phone number"),
    ("home_tel", "phone number"),
    ("PhoneNumber", "phone number"),
    ("mobile", "phone number"),
    ("mob", "phone number"),
    ("fax", "phone number"),
    ("email", "email"),
    ("e-mail", "email"),
    ("E_Mail", "email"),
    ("emailAddress", "email"),
    ("medicare_number", "insurance number"),
    ("passport_no", "insurance number"),
    ("notes", "free text"),
    ("free_text", "free text"),
    ("FreeText", "free text"),
    ("comment", "free text"),
    ("narrative", "free text"),
    ("text", "free text"),
    ("clinician_remarks", "free text"),
]

HARMLESS = [
    "practice_id",
    "code_system",
    "unit",
    "patient_id",
    "year_of_birth",
    "month_of_birth",
    "sex",
    "code",
    "value",
    "drug_name",
    "concept_name",
    "test_name",
    "nhs_region",
    "nhs_trust_code",
    "hotel",
    "units",
    "dose",
    "quantity",
    "reference_range",
    "order_number",
    "batch_no",
    "ethnicity",
    "diet",
    "site_code",
    "age_band",
    "birth_year",
    "notation",
    "telomere_length",
    "zipper",
    "chin",
]

CONTROL = ["nhs\x1b[2J", "a\rb", "x\x00y", "tab\there", "bell\x07", "del\x7f", "c1\x9b31m"]


def test_the_table_is_as_large_as_the_issue_asks():
    assert len(REFUSED) >= 60 and len(HARMLESS) >= 20
    kinds = {kind for _, kind in REFUSED}
    assert kinds == {t.kind for t in vocabulary()}, "every kind has a spelling in the table"


@pytest.mark.parametrize(("header", "kind"), REFUSED)
def test_an_identifying_spelling_is_refused_with_its_kind(header, kind):
    assert identifying_kind(header) == kind


@pytest.mark.parametrize("header", HARMLESS)
def test_a_harmless_header_is_not_refused(header):
    assert identifying_kind(header) is None


def test_no_contract_column_is_identifying():
    for table in TABLES.values():
        for column in table.column_names:
            assert identifying_kind(column) is None, column


@pytest.mark.parametrize("header", CONTROL)
def test_a_header_with_a_control_character_cannot_be_judged(header):
    with pytest.raises(UnreadableHeader):
        identifying_kind(header)


def test_normalisation_steps():
    assert header_tokens("NHSNumber") == ["nhs", "number"]
    assert header_tokens("addr1") == ["addr", "1"]
    assert header_tokens("Ｆｕｌｌ　Ｎａｍｅ") == ["full", "name"]
    assert header_tokens(f"da{ZWSP}te_of_bi{WJ}rth") == ["date", "of", "birth"]
    assert header_tokens("Náme") == ["name"]
    assert header_tokens("ЕМАІL") == ["email"]  # Cyrillic capitals


def test_every_vocabulary_term_is_found_as_it_is_written():
    for term in vocabulary():
        assert identifying_kind(term.term) == term.kind, term


# -- properties: respelling a term never hides it ------------------------------------------

ANYWHERE = [t for t in vocabulary() if t.matches == "anywhere"]
SEPARATORS = ["_", " ", "-", ".", "", "__", " - ", "/"]
HIDERS = [ZWSP, ZWNJ, WJ, SHY, BOM, "\u200d", "\u2061"]
LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "s": "ѕ"}


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def respelt(draw, terms):
    term = draw(st.sampled_from(terms))
    words = term.term.split()
    cased = [draw(st.sampled_from([w.lower(), w.upper(), w.capitalize()])) for w in words]
    camel = draw(st.booleans())
    if camel:
        text = "".join(w.capitalize() for w in words)
    else:
        text = draw(st.sampled_from(SEPARATORS)).join(cased)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(HIDERS)) + text[at:]
    if draw(st.booleans()):
        text = "".join(LOOKALIKES.get(c, c) if draw(st.booleans()) else c for c in text)
    if draw(st.booleans()):
        text = _fullwidth(text)
    return term, text


@given(
    respelt(ANYWHERE),
    st.sampled_from(["", "patient_", "pt ", "Home_", "x_"]),
    st.sampled_from(["", "_1", " (text)", "Value", "-2"]),
)
def test_a_respelt_term_is_still_refused(drawn, prefix, suffix):
    term, text = drawn
    assert identifying_kind(prefix + text + suffix) is not None, (term, text)


@given(respelt(vocabulary()))
def test_a_respelt_term_alone_is_refused_with_its_kind(drawn):
    term, text = drawn
    assert identifying_kind(text) == term.kind, (term, text)
