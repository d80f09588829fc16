"""The engine's outputs: cohort_membership, the patient_cohorts view, cohort_attrition and
CohortResult; configuration overrides; reruns; point in time; logs without patient values."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import pytest

from b12risk.cohorts.flag import CohortResult, flag_cohorts
from b12risk.config import Cohort, ConfigError
from tests.tables import parse_table, table_rows

from .tables import MEMBERSHIP_COLUMNS, flagged, load

D = date(2026, 6, 15)

PATIENTS = """
    patient_id | year_of_birth | month_of_birth | practice_id | died_on
    old_ppi    | 1940          | 1              | A           |
    coeliac    | 1990          | 5              | A           |
    nobody     | 1990          | 5              | B           |
    old_dead   | 1940          | 1              | B           | D-1
"""
DIAGNOSES = """
    patient_id | code_system | code  | recorded_on
    coeliac    | ICD10       | K90.0 | D-100
    old_dead   | ICD10       | K90.0 | D-100
"""
PRESCRIPTIONS = """
    patient_id | code_system | code    | issued_on | days_supply
    old_ppi    | ATC         | A02BC01 | D-800     | 801
"""

DEFAULT_COHORTS = [
    "older_adults",
    "vegan_diet",
    "gastric_surgery",
    "long_term_metformin",
    "long_term_acid_suppression",
    "malabsorption_conditions",
    "autoimmune_conditions",
    "other_risk_medicines",
    "nitrous_oxide_use",
]


@pytest.fixture
def flag_example(flag):
    """Flag the example extract above at D (flag_example(using=..., run_id=...))."""

    def run(**options) -> CohortResult:
        return flag(
            D, patients=PATIENTS, diagnoses=DIAGNOSES, prescriptions=PRESCRIPTIONS, **options
        )

    return run


# patient_cohorts has one BOOLEAN column per enabled cohort, named as the cohort.
COHORT_COLUMNS = dict.fromkeys([*DEFAULT_COHORTS, "one_year_acid_suppression"], "BOOLEAN")


def view_rows(con, columns: str) -> list[dict]:
    return table_rows(con, "patient_cohorts", columns)


def view(text: str) -> list[dict]:
    return parse_table(text, "patient_cohorts", extra=COHORT_COLUMNS)


def attrition(con) -> list[dict]:
    return table_rows(con, "cohort_attrition", order_by="step")


def test_cohort_result_counts(flag_example):
    result = flag_example()
    assert result == CohortResult(
        run_id="run-1",
        as_of=D,
        population=3,
        counts={
            **dict.fromkeys(DEFAULT_COHORTS, 0),
            "older_adults": 1,
            "long_term_acid_suppression": 1,
            "malabsorption_conditions": 1,
        },
        any_cohort=2,
    )


def test_membership_table_columns_and_one_row_per_patient_and_cohort(flag_example, con):
    flag_example()
    membership = con.table("cohort_membership")
    assert membership.columns == MEMBERSHIP_COLUMNS
    rows = membership.order("cohort, patient_id").select("cohort, patient_id, run_id").fetchall()
    assert rows == [
        ("long_term_acid_suppression", "old_ppi", "run-1"),
        ("malabsorption_conditions", "coeliac", "run-1"),
        ("older_adults", "old_ppi", "run-1"),
    ]


def test_patient_cohorts_view(flag_example, con):
    flag_example()
    assert con.table("patient_cohorts").columns == [
        "patient_id",
        "practice_id",
        *DEFAULT_COHORTS,
        "any_cohort",
    ]
    assert view_rows(
        con,
        "patient_id, practice_id, older_adults, long_term_acid_suppression, "
        "malabsorption_conditions, vegan_diet, any_cohort",
    ) == view("""
        patient_id | practice_id | older_adults | long_term_acid_suppression | malabsorption_conditions | vegan_diet | any_cohort
        coeliac    | A           | false        | false                      | true                     | false      | true
        nobody     | B           | false        | false                      | false                    | false      | false
        old_ppi    | A           | true         | true                       | false                    | false      | true
    """)  # noqa: E501


def test_attrition_population_then_each_cohort_then_any(flag_example, con):
    flag_example()
    assert attrition(con) == parse_table(
        """
        step | label                      | n_patients | run_id
        0    | population                 | 3          | run-1
        1    | older_adults               | 1          | run-1
        2    | vegan_diet                 | 0          | run-1
        3    | gastric_surgery            | 0          | run-1
        4    | long_term_metformin        | 0          | run-1
        5    | long_term_acid_suppression | 1          | run-1
        6    | malabsorption_conditions   | 1          | run-1
        7    | autoimmune_conditions      | 0          | run-1
        8    | other_risk_medicines       | 0          | run-1
        9    | nitrous_oxide_use          | 0          | run-1
        10   | any_cohort                 | 2          | run-1
        """,
        "cohort_attrition",
    )


def test_disabled_cohort_is_left_out_everywhere(flag_example, con, config):
    cohorts = tuple(
        replace(c, enabled=False) if c.name != "malabsorption_conditions" else c
        for c in config.cohorts
    )
    result = flag_example(using=replace(config, cohorts=cohorts))
    assert result.counts == {"malabsorption_conditions": 1}
    assert con.table("patient_cohorts").columns == [
        "patient_id",
        "practice_id",
        "malabsorption_conditions",
        "any_cohort",
    ]
    assert [r["label"] for r in attrition(con)] == [
        "population",
        "malabsorption_conditions",
        "any_cohort",
    ]


def test_no_enabled_cohort_still_gives_population_and_any(flag_example, con, config):
    cohorts = tuple(replace(c, enabled=False) for c in config.cohorts)
    result = flag_example(using=replace(config, cohorts=cohorts))
    assert (result.population, result.counts, result.any_cohort) == (3, {}, 0)
    assert [r["label"] for r in attrition(con)] == ["population", "any_cohort"]


def test_changed_parameter(flag_example, config):
    older = replace(config.cohort("older_adults"), params={"min_age": 90})
    result = flag_example(using=replace(config, cohorts=(older,)))
    assert result.counts == {"older_adults": 0}


def test_new_cohort_reusing_a_rule_shape_with_another_codelist(flag_example, con, config):
    """A one-year PPI/H2RA era, written as a new cohort of the long_term_era shape."""
    one_year = Cohort(
        name="one_year_acid_suppression",
        title="PPI or H2RA for a year",
        rule="long_term_era",
        codelists=("acid_suppressants",),
        params={"min_era_days": 365, "max_days_since_end": 180},
        interval_days=365,
        citation="test",
    )
    result = flag_example(using=replace(config, cohorts=(*config.cohorts, one_year)))
    assert result.counts["one_year_acid_suppression"] == 1
    assert view_rows(con, "patient_id, one_year_acid_suppression")[2] == {
        "patient_id": "old_ppi",
        "one_year_acid_suppression": True,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Bad Name"}, "lower-case identifier"),
        ({"name": "any_cohort"}, "lower-case identifier"),
        ({"rule": "no_such_rule"}, "not a rule shape"),
        ({"rule": "../status/anything"}, "not a rule shape"),
        ({"rule": "engine/population"}, "not a rule shape"),
        ({"params": {}}, "min_age"),
    ],
)
def test_config_errors_are_refused_before_any_sql_runs(con, config, change, message):
    older = replace(config.cohort("older_adults"), **change)
    load(con, D, patients=PATIENTS)
    with pytest.raises(ConfigError, match=message):
        flag_cohorts(con, replace(config, cohorts=(older,)), D, "run-1")
    tables = {name for (name,) in con.sql("SHOW TABLES").fetchall()}
    assert not tables & {"concept_events", "population", "cohort_membership"}


def test_rerun_replaces_everything(flag_example, con):
    flag_example(run_id="run-1")
    result = flag_example(run_id="run-2")
    assert result.any_cohort == 2
    run_ids = con.table("cohort_membership").select("run_id").distinct().fetchall()
    assert run_ids == [("run-2",)]
    assert len(attrition(con)) == len(DEFAULT_COHORTS) + 2


def test_point_in_time_each_date_gets_its_own_answer(con, config):
    """One extract flagged at three dates: the PPI era (D-800 .. D) is 730 days long at D-71
    but 700 at D-101, when the coeliac codes of D-100 do not exist yet either; old_dead
    (died D-1) is alive, and coeliac, at D-71."""
    load(con, D, patients=PATIENTS, diagnoses=DIAGNOSES, prescriptions=PRESCRIPTIONS)
    counts = {}
    for label, as_of in {"D": D, "D-71": date(2026, 4, 5), "D-101": date(2026, 3, 6)}.items():
        result = flag_cohorts(con, config, as_of, "run-1")
        counts[label] = (
            result.counts["long_term_acid_suppression"],
            result.counts["malabsorption_conditions"],
        )
    assert counts == {"D": (1, 1), "D-71": (1, 2), "D-101": (0, 0)}
    assert flagged(con, "long_term_acid_suppression", "patient_id") == []


def test_logs_carry_counts_never_patient_values(flag_example, caplog):
    caplog.set_level(logging.DEBUG, logger="b12risk")
    flag_example()
    text = caplog.text
    assert "malabsorption_conditions: 1 patients" in text
    for value in ("old_ppi", "coeliac", "K90.0", "A02BC01", "1940"):
        assert value not in text
