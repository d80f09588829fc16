"""concept_events: every extract event whose code is in the codelist, on or before D."""

from __future__ import annotations

from datetime import date

from b12risk.cohorts.flag import build_concept_events
from tests.tables import relative

from .tables import CODELIST, load

D = date(2026, 6, 15)

COLUMNS = [
    "patient_id",
    "concept",
    "subtype",
    "source_table",
    "code_system",
    "code",
    "event_date",
    "days_supply",
    "value",
    "unit",
]


def concept_events(con) -> list[tuple]:
    rel = con.table("concept_events").order("patient_id, source_table, event_date, concept")
    return [
        tuple(relative(v, D) if isinstance(v, date) else v for v in row) for row in rel.fetchall()
    ]


def test_events_match_codes_on_or_before_d(con):
    load(
        con,
        D,
        codelist=CODELIST + "b12_tests | LOINC | 14685-2 | exact |",
        diagnoses="""
            patient_id | code_system | code    | recorded_on
            p1         | ICD10       | k50.1   | D
            p1         | ICD10       | K50.1   | D+1
            p1         | ICD10       | I10     | D-1
        """,
        prescriptions="""
            patient_id | code_system | code      | issued_on | days_supply
            p2         | ATC         | A02BA02   | D-30      | 56
            p2         | ATC         | A10BA021  | D-30      | 56
            p2         | RXNORM      | A10BA02   | D-30      | 56
        """,
        lab_results="""
            patient_id | code_system | code    | taken_on | value | unit
            p3         | LOINC       | 14685-2 | D-7      | 250.5 | pmol/L
        """,
        procedures="""
            patient_id | code_system | code  | performed_on
            p4         | OPCS4       | G28.1 | D-9
        """,
    )
    build_concept_events(con, D)
    assert con.table("concept_events").columns == COLUMNS
    assert concept_events(con) == [
        ("p1", "malabsorption_conditions", None, "diagnoses", "ICD10", "k50.1", "D")
        + (None, None, None),
        ("p2", "acid_suppressants", "h2ra", "prescriptions", "ATC", "A02BA02", "D-30")
        + (56, None, None),
        ("p3", "b12_tests", None, "lab_results", "LOINC", "14685-2", "D-7")
        + (None, 250.5, "pmol/L"),
        ("p4", "gastric_surgery", None, "procedures", "OPCS4", "G28.1", "D-9") + (None, None, None),
    ]


def test_one_row_per_event_and_concept(con):
    """A code in two concepts gives two rows; two codelist rows of one concept give one."""
    codelist = """
        concept    | code_system | code    | match  | subtype
        metformin  | ATC         | A10BA02 | exact  |
        metformin  | ATC         | A10BA   | prefix |
        biguanides | ATC         | A10BA   | prefix |
    """
    prescriptions = """
        patient_id | code_system | code    | issued_on | days_supply
        p1         | ATC         | A10BA02 | D-1       | 28
    """
    load(con, D, codelist=codelist, prescriptions=prescriptions)
    build_concept_events(con, D)
    concepts = [row[1] for row in concept_events(con)]
    assert sorted(concepts) == ["biguanides", "metformin"]
