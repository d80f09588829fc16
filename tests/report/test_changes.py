"""Change since the previous run: new, persisting and closed gaps between two as-of dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from b12risk.report.changes import CHANGE_COLUMNS, CHANGE_TOTALS, gap_changes, previous_run
from b12risk.report.disclosure import DisclosurePolicy

from .checks import assert_nothing_recoverable
from .conftest import (
    AS_OF,
    PREVIOUS_RUN_ID,
    RUN_ID,
    create_history,
    create_runs,
    create_status,
)

PREVIOUS_AS_OF = date(2025, 10, 1)
OFF = DisclosurePolicy(enabled=False)


def run_row(run_id, as_of, finished, status="published"):
    return {
        "run_id": run_id,
        "extract_hash": f"hash-{run_id}",
        "as_of": as_of,
        "started_at": finished,
        "finished_at": finished,
        "status": status,
        "package_version": "0.1.0",
    }


def people(first: int, last: int, status: str) -> list[tuple[str, str]]:
    return [(f"P{k:02d}", status) for k in range(first, last + 1)]


# The previous run (as of 2025-10-01) and this one (2026-01-01), person by person:
BEFORE = (
    people(1, 10, "never_tested")  # still a gap now: persisting
    + people(11, 20, "overdue")  # tested since: closed, resolved
    + people(21, 30, "up_to_date")  # now overdue: new
    + people(41, 48, "abnormal_untreated")  # no longer at risk: closed, left
)
NOW = (
    people(1, 10, "never_tested")
    + people(11, 20, "up_to_date")
    + people(21, 30, "overdue")
    + people(31, 40, "never_tested")  # newly at risk with a gap: new
)


def two_runs(con, before=BEFORE, now=NOW):
    create_runs(
        con,
        [
            run_row(PREVIOUS_RUN_ID, PREVIOUS_AS_OF, datetime(2025, 10, 2)),
            run_row(RUN_ID, AS_OF, None, status="running"),
        ],
    )
    history = [
        {"run_id": PREVIOUS_RUN_ID, "as_of": PREVIOUS_AS_OF, "patient_id": p, "status": s}
        for p, s in before
    ]
    history += [{"run_id": RUN_ID, "as_of": AS_OF, "patient_id": p, "status": s} for p, s in now]
    create_history(con, history)
    create_status(
        con,
        [{"patient_id": p, "practice_id": "A", "status": s, "run_id": RUN_ID} for p, s in now],
    )


def test_new_persisting_and_closed_gaps_between_two_as_of_dates(con):
    two_runs(con)
    changes = gap_changes(con, RUN_ID, OFF)
    assert changes.previous_run_id == PREVIOUS_RUN_ID
    assert changes.previous_as_of == PREVIOUS_AS_OF
    assert not changes.first_run
    assert changes.counts.iloc[0][list(CHANGE_COLUMNS)].tolist() == [
        28,  # gaps before: 10 + 10 + 8
        30,  # gaps now: 10 + 10 + 10
        20,  # new: 21-30 and 31-40
        10,  # persisting: 1-10
        18,  # closed: 11-20 and 41-48
        10,  # resolved (still at risk): 11-20
        8,  # left the at-risk list: 41-48
    ]


def test_published_changes_are_rounded_and_protected(con):
    before = [p for p in BEFORE if p[0] <= "P45"]  # only 5 people left the at-risk list
    two_runs(con, before=before)
    exact = gap_changes(con, RUN_ID, OFF).counts
    published = gap_changes(con, RUN_ID, DisclosurePolicy()).counts
    row = published.iloc[0]
    hidden = [c for c in CHANGE_COLUMNS if row.isna()[c]]
    assert hidden == ["n_closed_resolved", "n_closed_left"]  # 5 hidden, and 10 to protect it
    assert row["n_gaps_before"] == 25 and row["n_closed"] == 15 and row["disclosure_control"]
    assert_nothing_recoverable(exact, published, list(CHANGE_COLUMNS), CHANGE_TOTALS, [])


def test_a_first_run_has_nothing_to_compare(con):
    create_status(con, [{"patient_id": "P1", "status": "overdue", "run_id": RUN_ID}])
    assert gap_changes(con, RUN_ID, OFF).first_run  # no runs table at all
    create_runs(con, [run_row(RUN_ID, AS_OF, None, status="running")])
    changes = gap_changes(con, RUN_ID, OFF)
    assert changes.first_run and changes.counts is None


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        (
            [
                ("old", datetime(2025, 1, 1), "published"),
                ("newer", datetime(2025, 6, 1), "published"),
                ("failed", datetime(2025, 9, 1), "failed"),
            ],
            "newer",
        ),
        ([("only-failed", datetime(2025, 9, 1), "failed")], None),
        ([("unfinished", None, "published"), ("done", datetime(2025, 2, 1), "published")], "done"),
    ],
)
def test_the_previous_run_is_the_latest_other_published_run(con, runs, expected):
    rows = [run_row(r, AS_OF, f, status=s) for r, f, s in runs]
    create_runs(con, [*rows, run_row(RUN_ID, AS_OF, datetime(2026, 1, 2))])
    found = previous_run(con, RUN_ID)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("before", "now", "changed"),
    [
        ({"older_adults": "a1", "codelists": "c1"}, {"older_adults": "a1", "codelists": "c1"}, ()),
        (
            {"older_adults": "a1", "codelists": "c1"},
            {"older_adults": "a2", "codelists": "c1"},
            ("older_adults",),
        ),
        ({"older_adults": "a1"}, {"older_adults": "a1", "vegan_diet": "v1"}, ("vegan_diet",)),
        ({"older_adults": "a1", "vegan_diet": "v1"}, {"older_adults": "a1"}, ("vegan_diet",)),
        (None, {"older_adults": "a1"}, None),  # the previous run recorded no checksums
    ],
)
def test_the_report_says_which_rules_changed_since_the_previous_run(con, before, now, changed):
    two_runs(con)
    for run_id, checksums in ((PREVIOUS_RUN_ID, before), (RUN_ID, now)):
        con.execute(
            "UPDATE runs SET rule_checksums = "
            "CASE WHEN $n IS NULL THEN NULL ELSE MAP($n::VARCHAR[], $c::VARCHAR[]) END "
            "WHERE run_id = $r",
            {
                "r": run_id,
                "n": None if checksums is None else list(checksums),
                "c": None if checksums is None else list(checksums.values()),
            },
        )
    assert gap_changes(con, RUN_ID, OFF).rules_changed == changed


THIS = {"extract_hash": "hash-this", "as_of": AS_OF, "source": "practice-system"}
EARLIER = date(2025, 10, 1)


# (other runs: run_id, extract_hash, as_of, finished, source; the run compared with)
DIFFERENT_STATES = [
    (  # a rerun of the same extract for the same date is no state to compare with
        [("same", "hash-this", AS_OF, datetime(2025, 12, 1), "practice-system")],
        None,
    ),
    (
        [
            ("different", "hash-old", EARLIER, datetime(2025, 10, 2), "practice-system"),
            ("same", "hash-this", AS_OF, datetime(2025, 12, 1), "practice-system"),
        ],
        "different",
    ),
    (  # the same extract another day is a different state
        [("same-extract", "hash-this", EARLIER, datetime(2025, 10, 2), "practice-system")],
        "same-extract",
    ),
    (  # another extract on the same day too
        [("other-extract", "hash-other", AS_OF, datetime(2025, 12, 1), "practice-system")],
        "other-extract",
    ),
    (  # another source is never compared
        [("elsewhere", "hash-x", EARLIER, datetime(2025, 10, 2), "another-system")],
        None,
    ),
    (  # a run recorded before sources were (no source) may be compared
        [("unknown-source", "hash-x", EARLIER, datetime(2025, 10, 2), None)],
        "unknown-source",
    ),
]


@pytest.mark.parametrize(("others", "expected"), DIFFERENT_STATES)
def test_the_previous_run_is_a_different_state_of_the_same_source(con, others, expected):
    rows = [
        {**run_row(r, as_of, f), "extract_hash": h, "source": source}
        for r, h, as_of, f, source in others
    ]
    create_runs(con, [*rows, {**run_row(RUN_ID, AS_OF, None, status="running"), **THIS}])
    found = previous_run(con, RUN_ID)
    assert (found[0] if found else None) == expected


def test_a_rerun_of_the_same_extract_and_date_reports_change_since_the_run_before(con):
    """Run A (as of 2025-10-01), run B (new extract, as of 2026-01-01), then B again: the rerun
    compares with A, whose history is still there, and never with B, whose history it
    replaced (which called every gap new)."""
    runs = [
        {**run_row(PREVIOUS_RUN_ID, PREVIOUS_AS_OF, datetime(2025, 10, 2)), "source": "s"},
        {**run_row("first-b", AS_OF, datetime(2026, 1, 2)), **THIS, "source": "s"},
        {**run_row(RUN_ID, AS_OF, None, status="running"), **THIS, "source": "s"},
    ]
    create_runs(con, runs)
    history = [
        {"run_id": PREVIOUS_RUN_ID, "as_of": PREVIOUS_AS_OF, "patient_id": p, "status": s}
        for p, s in BEFORE
    ]
    create_history(con, history)
    create_status(
        con,
        [{"patient_id": p, "practice_id": "A", "status": s, "run_id": RUN_ID} for p, s in NOW],
    )
    changes = gap_changes(con, RUN_ID, OFF)
    assert changes.previous_run_id == PREVIOUS_RUN_ID
    row = changes.counts.iloc[0]
    assert (row["n_gaps_before"], row["n_new"], row["n_persisting"]) == (28, 20, 10)
