"""Population and age at the as-of date: alive, registered, aged 16 or over; birthday on the
1st of month_of_birth, 1 July when the month is missing."""

from __future__ import annotations

from datetime import date

from tests.tables import parse_table, relative, table_rows

from .tables import flagged, members

D = date(2026, 7, 1)

PATIENTS = """
    patient_id        | year_of_birth | month_of_birth | registered_on | deregistered_on | died_on
    turns_16_on_d     | 2010          | 7              |               |                 |
    turns_16_after_d  | 2010          | 8              |               |                 |
    turns_75_on_d     | 1951          | 7              |               |                 |
    turns_75_after_d  | 1951          | 8              |               |                 |
    no_month_75       | 1951          |                |               |                 |
    bad_month_75      | 1951          | 13             |               |                 |
    no_year           |               | 3              |               |                 |
    registered_on_d   | 1980          | 1              | D             |                 |
    registered_after  | 1980          | 1              | D+1           |                 |
    deregistered_on_d | 1980          | 1              | D-400         | D               |
    deregistered_late | 1980          | 1              | D-400         | D+1             |
    died_on_d         | 1980          | 1              |               |                 | D
    died_after_d      | 1980          | 1              |               |                 | D+1
    died_before_d     | 1980          | 1              |               |                 | D-1
"""

EXPECTED_AGES = """
    patient_id        | age
    bad_month_75      | 75
    deregistered_late | 46
    died_after_d      | 46
    no_month_75       | 75
    registered_on_d   | 46
    turns_16_on_d     | 16
    turns_75_after_d  | 74
    turns_75_on_d     | 75
"""


def population_ages(con) -> list[dict]:
    return table_rows(con, "population", "patient_id, age")


def test_population_rules_at_each_boundary(flag, con):
    result = flag(D, patients=PATIENTS)
    assert population_ages(con) == parse_table(EXPECTED_AGES, "population")
    assert result.population == 8


def test_older_adults_is_75_from_the_birthday_on(flag, con):
    flag(D, patients=PATIENTS)
    assert flagged(con, "older_adults", "patient_id, rule") == members(
        """
        patient_id    | rule
        bad_month_75  | age >= 75
        no_month_75   | age >= 75
        turns_75_on_d | age >= 75
        """,
        D,
    )


def test_missing_month_means_1_july(flag, con):
    """The day before 1 July the person born in 1951 with no month is still 74."""
    day_before = date(2026, 6, 30)
    flag(day_before, patients=PATIENTS)
    ages = {r["patient_id"]: r["age"] for r in population_ages(con)}
    assert ages["no_month_75"] == 74
    assert ages["turns_75_after_d"] == 74
    assert "turns_16_on_d" not in ages


def test_population_columns(flag, con):
    flag(D, patients=PATIENTS)
    columns = con.table("population").columns
    assert columns == ["patient_id", "practice_id", "sex", "year_of_birth", "month_of_birth", "age"]


def test_relative_dates_read_back():
    assert relative(date(2026, 6, 30), D) == "D-1"
    literal = "patient_id | recorded_on\nx | D-2"
    assert parse_table(literal, "diagnoses", as_of=D) == [
        {"patient_id": "x", "recorded_on": date(2026, 6, 29)}
    ]
