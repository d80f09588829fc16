"""record_status_history: appends each run, and a rerun on the same extract and as-of date
replaces the earlier run's rows instead of duplicating them."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from b12risk.status.screen import record_status_history
from tests.tables import create_table

from .tables import D, given, run

EVENTS = """
patient_id | event | event_date | value | unit
low        | total | D-10       | 100   | pmol/L
fine       | total | D-10       | 300   | pmol/L
"""


def history(con) -> list[tuple]:
    return con.execute(
        "SELECT run_id, as_of, extract_hash, patient_id, practice_id, status "
        "FROM screening_status_history ORDER BY run_id, as_of, extract_hash, patient_id"
    ).fetchall()


@pytest.fixture
def statused(con):
    given(con, EVENTS)
    run(con)
    return con


def test_the_first_run_creates_the_history(statused):
    record_status_history(statused, "run1", D, "hash-a")
    assert history(statused) == [
        ("run1", D, "hash-a", "fine", "P1", "up_to_date"),
        ("run1", D, "hash-a", "low", "P1", "abnormal_untreated"),
    ]


def test_a_rerun_of_the_same_extract_and_date_replaces_the_earlier_rows(statused):
    record_status_history(statused, "run1", D, "hash-a")
    record_status_history(statused, "run2", D, "hash-a")
    record_status_history(statused, "run2", D, "hash-a")
    assert history(statused) == [
        ("run2", D, "hash-a", "fine", "P1", "up_to_date"),
        ("run2", D, "hash-a", "low", "P1", "abnormal_untreated"),
    ]


def test_another_extract_or_another_date_is_added(statused):
    later = date(2025, 9, 30)
    record_status_history(statused, "run1", D, "hash-a")
    record_status_history(statused, "run2", D, "hash-b")
    record_status_history(statused, "run3", later, "hash-a")
    rows = history(statused)
    assert len(rows) == 6
    assert {(r[0], r[1], r[2]) for r in rows} == {
        ("run1", D, "hash-a"),
        ("run2", D, "hash-b"),
        ("run3", later, "hash-a"),
    }


def test_history_carried_from_earlier_runs_is_kept(statused):
    create_table(
        statused,
        "screening_status_history",
        """
        run_id | as_of      | extract_hash | patient_id | practice_id | status
        run0   | 2024-06-30 | hash-old     | gone       | P9          | overdue
        """,
    )
    record_status_history(statused, "run1", D, "hash-a")
    assert len(history(statused)) == 3
    assert history(statused)[0] == ("run0", date(2024, 6, 30), "hash-old", "gone", "P9", "overdue")


def test_a_failed_recording_leaves_the_history_as_it_was(con):
    given(con, EVENTS)
    run(con)
    record_status_history(con, "run1", D, "hash-a")
    con.execute("DROP TABLE screening_status")
    with pytest.raises(duckdb.CatalogException, match="screening_status"):
        record_status_history(con, "run2", D, "hash-a")
    assert {r[0] for r in history(con)} == {"run1"}
