"""Practice worklists: who is listed, in which order, with which evidence; safe file names."""

from __future__ import annotations

import csv

import pytest

from b12risk.report.worklists import WORKLIST_COLUMNS, practice_file_name, write_worklists

from .conftest import create_membership, create_status, status_rows

STATUS = """
patient_id | practice_id | status                | cohorts                           | last_test_on | last_result_pmol_l | due_on
p1         | A           | up_to_date            | older_adults                      | 2025-06-01   | 300                | 2026-06-01
p2         | A           | overdue               | older_adults                      | 2024-06-01   | 250                | 2025-06-01
p3         | A           | abnormal_untreated    | long_term_metformin, older_adults | 2025-11-01   | 100                | 2026-11-01
p4         | A           | due_soon              | vegan_diet                        | 2025-01-20   | 280                | 2026-01-20
p5         | A           | never_tested          | vegan_diet                        |              |                    |
p6         | A           | excluded_on_treatment | vegan_diet                        |              |                    |
p7         | B/2         | never_tested          | older_adults                      |              |                    |
"""  # noqa: E501
MEMBERSHIP = """
patient_id | cohort              | rule      | evidence_code_system | evidence_code | evidence_date | era_start  | era_end    | era_days | era_prescriptions
p3         | older_adults        | age       |                      |               |               |            |            |          |
p3         | long_term_metformin | era       | ATC                  | A10BA02       | 2022-01-05    | 2022-01-05 | 2025-12-01 | 1426     | 48
p5         | vegan_diet          | diagnosis | SNOMED               | 1234567       | 2024-03-02    |            |            |          |
"""  # noqa: E501


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_worklists_list_gaps_and_due_soon_per_practice_in_priority_order(con, tmp_path):
    create_status(con, status_rows(STATUS))
    create_membership(con, MEMBERSHIP)
    paths = write_worklists(con, tmp_path)
    assert sorted(p.name for p in paths) == [
        "worklist_A.csv",
        f"worklist_{practice_file_name('B/2')}.csv",
    ]
    rows = read(tmp_path / "sensitive" / "worklist_A.csv")
    assert list(rows[0]) == list(WORKLIST_COLUMNS)
    assert [(r["patient_id"], r["status"]) for r in rows] == [
        ("p3", "abnormal_untreated"),
        ("p5", "never_tested"),
        ("p2", "overdue"),
        ("p4", "due_soon"),
    ]
    by_id = {r["patient_id"]: r for r in rows}
    assert by_id["p3"]["cohorts"] == "long_term_metformin; older_adults"
    assert by_id["p3"]["evidence"] == (
        "long_term_metformin: era (ATC A10BA02 on 2022-01-05) era 2022-01-05 to 2025-12-01, "
        "1426 days, 48 prescriptions; older_adults: age"
    )
    assert by_id["p5"]["evidence"] == "vegan_diet: diagnosis (SNOMED 1234567 on 2024-03-02)"
    assert by_id["p2"]["last_test_on"] == "2024-06-01" and by_id["p2"]["due_on"] == "2025-06-01"
    assert by_id["p3"]["last_result_pmol_l"] == "100.0"
    assert by_id["p4"]["evidence"] == ""  # no membership row: listed all the same


@pytest.mark.parametrize(
    ("practice_id", "expected"),
    [
        ("P001", "P001"),
        ("north-east_2", "north-east_2"),
        ("B/2", "B_2-"),
        ("../../etc", "______etc-"),
        ("A B", "A_B-"),
        ("", ""),
        (None, "unknown-practice"),
    ],
)
def test_practice_ids_become_safe_file_names(practice_id, expected):
    name = practice_file_name(practice_id)
    assert name.startswith(expected) and name
    assert all(ch.isalnum() or ch in "_-" for ch in name)


def test_distinct_practice_ids_never_share_a_file_name():
    ids = ["A/B", "A_B", "A B", "A:B", "a/b", "x" * 80, "x" * 81]
    names = [practice_file_name(p) for p in ids]
    assert len(set(names)) == len(ids)
    assert all(len(n) <= 73 for n in names)
