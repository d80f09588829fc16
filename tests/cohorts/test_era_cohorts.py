"""Long-term metformin and acid suppression: drug-exposure eras at every boundary.

A prescription covers issued_on .. issued_on + days_supply - 1 (28 days when missing); covered
periods join when 30 or fewer days lie strictly between them; era_days counts up to D.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from b12risk.cohorts.flag import flag_cohorts
from b12risk.config import ConfigError

from .tables import flagged, load, members

D = date(2026, 6, 15)
ERA_COLUMNS = "patient_id, era_start, era_end, era_days, era_prescriptions"

METFORMIN = """
    patient_id            | code_system | code    | issued_on | days_supply
    era_1095              | ATC         | A10BA02 | D-1094    | 1095
    era_1094              | ATC         | A10BA02 | D-1093    | 1094
    ended_180             | ATC         | A10BA02 | D-1274    | 1095
    ended_181             | ATC         | A10BA02 | D-1275    | 1095
    gap_30                | ATC         | A10BA02 | D-1200    | 600
    gap_30                | ATC         | A10BA02 | D-570     | 600
    gap_31                | ATC         | A10BA02 | D-1200    | 600
    gap_31                | ATC         | A10BA02 | D-569     | 600
    overlap               | ATC         | A10BA02 | D-1100    | 600
    overlap               | ATC         | A10BA02 | D-600     | 600
    nested                | ATC         | A10BA02 | D-1100    | 1100
    nested                | ATC         | A10BA02 | D-900     | 28
    no_supply             | ATC         | A10BA02 | D-1200    | 1100
    no_supply             | ATC         | A10BA02 | D-100     |
    runs_past_d           | ATC         | A10BA02 | D-1000    | 1200
    runs_past_d_long      | ATC         | A10BA02 | D-1094    | 2000
    after_d               | ATC         | A10BA02 | D-1094    | 1094
    after_d               | ATC         | A10BA02 | D+1       | 100
    qualifying_not_latest | ATC         | A10BA02 | D-1500    | 1351
    qualifying_not_latest | ATC         | A10BA02 | D-100     | 28
    other_drug            | ATC         | C10AA01 | D-1094    | 1095
"""

# gap_31, era_1094, ended_181, runs_past_d (1001 days up to D), after_d (the prescription
# after D would have made 1095) and other_drug are not long-term metformin users.
METFORMIN_MEMBERS = """
    patient_id            | era_start | era_end | era_days | era_prescriptions
    ended_180             | D-1274    | D-180   | 1095     | 1
    era_1095              | D-1094    | D       | 1095     | 1
    gap_30                | D-1200    | D+29    | 1201     | 2
    nested                | D-1100    | D-1     | 1100     | 2
    no_supply             | D-1200    | D-73    | 1128     | 2
    overlap               | D-1100    | D-1     | 1100     | 2
    qualifying_not_latest | D-1500    | D-150   | 1351     | 1
    runs_past_d_long      | D-1094    | D+905   | 1095     | 1
"""

ACID = """
    patient_id         | code_system | code    | issued_on | days_supply
    acid_730           | ATC         | A02BC01 | D-729     | 730
    acid_729           | ATC         | A02BC01 | D-728     | 729
    ppi_to_h2ra        | ATC         | A02BC01 | D-800     | 400
    ppi_to_h2ra        | ATC         | A02BA02 | D-400     | 401
    h2ra_gap_31_ppi    | ATC         | A02BA02 | D-800     | 400
    h2ra_gap_31_ppi    | ATC         | A02BC03 | D-369     | 370
    acid_ended_180     | ATC         | A02BC01 | D-909     | 730
    acid_ended_181     | ATC         | A02BC01 | D-910     | 730
    metformin_only     | ATC         | A10BA02 | D-729     | 730
"""

ACID_MEMBERS = """
    patient_id     | era_start | era_end | era_days | era_prescriptions
    acid_730       | D-729     | D       | 730      | 1
    acid_ended_180 | D-909     | D-180   | 730      | 1
    ppi_to_h2ra    | D-800     | D       | 801      | 2
"""


def test_long_term_metformin_boundaries_and_evidence(flag, con):
    flag(D, prescriptions=METFORMIN)
    assert flagged(con, "long_term_metformin", ERA_COLUMNS) == members(METFORMIN_MEMBERS, D)


def test_era_membership_names_its_rule_and_no_code(flag, con):
    flag(D, prescriptions=METFORMIN)
    rows = flagged(con, "long_term_metformin", "rule, evidence_code, evidence_date")
    assert {tuple(r.values()) for r in rows} == {("era >= 1095 days", None, None)}


def test_long_term_acid_suppression_is_one_class(flag, con):
    flag(D, prescriptions=ACID)
    assert flagged(con, "long_term_acid_suppression", ERA_COLUMNS) == members(ACID_MEMBERS, D)


GAP_31_JOINED = """
    patient_id | era_start | era_end | era_days | era_prescriptions
    gap_31     | D-1200    | D+30    | 1201     | 2
"""


@pytest.mark.parametrize("where", ["eras", "cohort params"])
def test_max_gap_days_comes_from_the_config(flag, con, config, where):
    """With max_gap_days = 31 (in [eras], or the cohort's own params, which win) gap_31 joins."""
    if where == "eras":
        changed = replace(config, eras={**config.eras, "max_gap_days": 31})
    else:
        cohort = config.cohort("long_term_metformin")
        cohort = replace(cohort, params={**cohort.params, "max_gap_days": 31})
        changed = replace(config, cohorts=(cohort,))
    flag(D, using=changed, prescriptions=METFORMIN)
    rows = flagged(con, "long_term_metformin", ERA_COLUMNS)
    assert [r for r in rows if r["patient_id"] == "gap_31"] == members(GAP_31_JOINED, D)


def test_missing_era_parameter_is_a_config_error(con, config):
    cohort = replace(config.cohort("long_term_metformin"), params={"min_era_days": 1095})
    broken = replace(config, cohorts=(cohort,))
    load(con, D)
    with pytest.raises(ConfigError, match="max_days_since_end"):
        flag_cohorts(con, broken, D, "run-1")
