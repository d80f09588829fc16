"""Cohorts of any code of a list: vegan_diet, gastric_surgery, malabsorption_conditions,
autoimmune_conditions, nitrous_oxide_use. Evidence: the earliest qualifying event (ties:
source_table, code_system, code), with the code as the extract recorded it."""

from __future__ import annotations

from datetime import date

import pytest

from .tables import flagged, members

D = date(2026, 6, 15)
EVIDENCE = "patient_id, rule, evidence_code_system, evidence_code, evidence_date"

DIAGNOSES = """
    patient_id      | code_system | code      | recorded_on
    gastric_dx      | ICD10       | z90.3     | D-50
    gastric_both    | ICD10       | Z90.3     | D-20
    gastric_tie     | ICD10       | Z90.3     | D-30
    malabsorption   | ICD10       | K50.1     | D-400
    malabsorption   | ICD10       | K90.0     | D-500
    malabs_after_d  | ICD10       | K50.1     | D+1
    coeliac_dotless | ICD10       | K900      | D-10
    nitrous_dx      | ICD10CM     | F18.10    | D-5
    autoimmune      | SNOMED      | 46635009  | D-3000
    vegan           | SNOMED      | 234360003 | D
    wrong_system    | SNOMED      | K50.1     | D-10
    not_a_prefix    | ICD10       | Z90.31    | D-10
"""

PROCEDURES = """
    patient_id   | code_system | code  | performed_on
    gastric_proc | OPCS4       | G28.1 | D-100
    gastric_both | OPCS4       | G281  | D-60
    gastric_tie  | OPCS4       | G28.2 | D-30
"""

# Conditions count as diagnoses or procedures only: the K50.1 "prescription" does not count.
PRESCRIPTIONS = """
    patient_id     | code_system | code    | issued_on | days_supply
    nitrous_rx     | ATC         | N01AX13 | D-1       | 1
    malabs_rx_only | ICD10       | K50.1   | D-10      | 28
"""

EXPECTED = {
    "gastric_surgery": """
        patient_id   | rule               | evidence_code_system | evidence_code | evidence_date
        gastric_both | code in procedures | OPCS4                | G281          | D-60
        gastric_dx   | code in diagnoses  | ICD10                | z90.3         | D-50
        gastric_proc | code in procedures | OPCS4                | G28.1         | D-100
        gastric_tie  | code in diagnoses  | ICD10                | Z90.3         | D-30
    """,
    "malabsorption_conditions": """
        patient_id      | rule              | evidence_code_system | evidence_code | evidence_date
        coeliac_dotless | code in diagnoses | ICD10                | K900          | D-10
        malabsorption   | code in diagnoses | ICD10                | K90.0         | D-500
    """,
    "nitrous_oxide_use": """
        patient_id | rule                  | evidence_code_system | evidence_code | evidence_date
        nitrous_dx | code in diagnoses     | ICD10CM              | F18.10        | D-5
        nitrous_rx | code in prescriptions | ATC                  | N01AX13       | D-1
    """,
    "autoimmune_conditions": """
        patient_id | rule              | evidence_code_system | evidence_code | evidence_date
        autoimmune | code in diagnoses | SNOMED               | 46635009      | D-3000
    """,
    "vegan_diet": """
        patient_id | rule              | evidence_code_system | evidence_code | evidence_date
        vegan      | code in diagnoses | SNOMED               | 234360003     | D
    """,
}


@pytest.mark.parametrize("cohort", sorted(EXPECTED))
def test_coded_cohort_members_and_evidence(flag, con, cohort):
    flag(D, diagnoses=DIAGNOSES, procedures=PROCEDURES, prescriptions=PRESCRIPTIONS)
    assert flagged(con, cohort, EVIDENCE) == members(EXPECTED[cohort], D)


def test_only_population_patients_are_members(flag, con):
    patients = """
        patient_id | year_of_birth | died_on | deregistered_on
        alive      | 1970          |         |
        died       | 1970          | D-1     |
        moved_away | 1970          |         | D-1
        child      | 2015          |         |
    """
    diagnoses = """
        patient_id | code_system | code  | recorded_on
        alive      | ICD10       | K50.1 | D-10
        died       | ICD10       | K50.1 | D-10
        moved_away | ICD10       | K50.1 | D-10
        child      | ICD10       | K50.1 | D-10
    """
    flag(D, patients=patients, diagnoses=diagnoses)
    assert flagged(con, "malabsorption_conditions", "patient_id") == [{"patient_id": "alive"}]
