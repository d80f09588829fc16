"""A run's folder appears under its published name only once the warehouse is published."""

from __future__ import annotations

import os

import pytest

from b12risk.run import folder as run_folder

NOW = 1_900_000_000.0
DAY = 24 * 3600


# (age of a partial folder in seconds, deleted by the next run?)
@pytest.mark.parametrize(
    ("age", "deleted"),
    [(0, False), (DAY - 1, False), (DAY, False), (DAY + 1, True), (30 * DAY, True)],
)
def test_partial_folders_older_than_a_day_are_deleted(tmp_path, age, deleted):
    partial = run_folder.partial_dir(tmp_path, "20261031T010203Z-abcdef")
    partial.mkdir()
    (partial / "report.html").write_text("x")
    os.utime(partial, (NOW - age, NOW - age))
    published = tmp_path / "20261031T010203Z-000000"
    published.mkdir()
    os.utime(published, (0, 0))  # a published run folder is never touched, however old
    assert run_folder.discard_stale(tmp_path, now=NOW) == ([partial] if deleted else [])
    assert partial.exists() is not deleted
    assert published.exists()


def test_reveal_renames_the_partial_folder_whole(tmp_path):
    partial = run_folder.partial_dir(tmp_path, "r1")
    (partial / "restricted").mkdir(parents=True)
    (partial / "restricted" / "manifest.json").write_text("{}")
    (partial / "report.html").write_text("x")
    target = run_folder.reveal(tmp_path, "r1")
    assert target == tmp_path / "r1" and not partial.exists()
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "report.html",
        "restricted",
        "restricted/manifest.json",
    ]


def test_error_logs_go_under_the_reports_folder(tmp_path):
    assert run_folder.error_log_paths(tmp_path, "r1") == [
        tmp_path / "r1" / "error.log",
        tmp_path / "last-error.log",
    ]
    assert run_folder.error_log_paths(tmp_path, None) == [tmp_path / "last-error.log"]
