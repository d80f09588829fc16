"""other_risk_medicines: current use, a prescription whose covered period reaches into the 180
days before D (covered end >= D - 180, issued on or before D)."""

from __future__ import annotations

from datetime import date

from .tables import flagged, members

D = date(2026, 6, 15)
EVIDENCE = "patient_id, rule, evidence_code_system, evidence_code, evidence_date"

PRESCRIPTIONS = """
    patient_id      | code_system | code    | issued_on | days_supply
    covered_to_d180 | ATC         | M04AC01 | D-207     | 28
    covered_to_d181 | ATC         | M04AC01 | D-208     | 28
    no_supply_d180  | ATC         | M04AC01 | D-207     |
    no_supply_d181  | ATC         | M04AC01 | D-208     |
    long_supply     | ATC         | N03AX11 | D-400     | 300
    issued_after_d  | ATC         | M04AC01 | D+1       | 28
    latest_wins     | ATC         | M04AC01 | D-100     | 28
    latest_wins     | ATC         | N03AX11 | D-50      | 28
    same_day        | ATC         | M04AC01 | D-10      | 28
    same_day        | ATC         | N03AX11 | D-10      | 56
    issued_on_d     | ATC         | N03AX11 | D         | 1
    metformin       | ATC         | A10BA02 | D-10      | 28
"""

MEMBERS = """
    patient_id      | rule                    | evidence_code_system | evidence_code | evidence_date
    covered_to_d180 | covered within 180 days | ATC                  | M04AC01       | D-207
    issued_on_d     | covered within 180 days | ATC                  | N03AX11       | D
    latest_wins     | covered within 180 days | ATC                  | N03AX11       | D-50
    long_supply     | covered within 180 days | ATC                  | N03AX11       | D-400
    no_supply_d180  | covered within 180 days | ATC                  | M04AC01       | D-207
    same_day        | covered within 180 days | ATC                  | N03AX11       | D-10
"""


def test_current_use_boundaries_and_evidence(flag, con):
    flag(D, prescriptions=PRESCRIPTIONS)
    assert flagged(con, "other_risk_medicines", EVIDENCE) == members(MEMBERS, D)


def test_current_use_has_no_era(flag, con):
    flag(D, prescriptions=PRESCRIPTIONS)
    rows = flagged(con, "other_risk_medicines", "era_start, era_end, era_days")
    assert rows and all(set(r.values()) == {None} for r in rows)
