"""Inspection ahead of a run (while Prefect's API starts): the run's inspect stage takes it
only once and only if no file of the extract changed since; a refusal is left to that stage."""

from __future__ import annotations

import os

import pytest

from b12risk.ingest.stage import ExtractRefused
from b12risk.run import stages
from flows import run as ahead
from tests.ingest.extracts import write_extract


@pytest.fixture
def extract(tmp_path):
    yield write_extract(tmp_path / "extract")
    ahead._AHEAD.clear()


def test_the_inspection_made_ahead_is_taken_once(extract, monkeypatch):
    ahead.inspect_ahead(extract)
    calls = []
    monkeypatch.setattr(stages, "inspect_extract", lambda d, *limits: calls.append(d) or "fresh")
    first = ahead.inspect(extract)
    second = ahead.inspect(extract)
    assert first.content_hash and first.directory == extract
    assert second == "fresh" and calls == [extract]


def test_a_file_changed_since_is_inspected_again(extract):
    ahead.inspect_ahead(extract)
    ahead_hash = ahead._AHEAD[extract.resolve()][1].content_hash
    path = extract / "diagnoses.csv"
    stat = path.stat()
    path.write_text(path.read_text().replace("2020", "2021"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same modification time
    files = ahead.inspect(extract)
    assert files.content_hash != ahead_hash


def test_a_file_added_since_is_inspected_again(extract):
    ahead.inspect_ahead(extract)
    (extract / "procedures.parquet").write_bytes(b"PAR1")
    with pytest.raises(ExtractRefused, match="two files"):
        ahead.inspect(extract)


def test_a_refusal_ahead_is_left_for_the_run_to_raise(extract):
    (extract / "patients.csv").unlink()
    ahead.inspect_ahead(extract)
    assert ahead._AHEAD == {}
    with pytest.raises(ExtractRefused, match="patients.csv"):
        ahead.inspect(extract)
