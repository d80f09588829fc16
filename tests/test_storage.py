"""Storage failures are the environment's (exit 1, what and where), never the extract's."""

from __future__ import annotations

import errno

import duckdb
import pytest

from b12risk.ingest.stage import ExtractRefused
from b12risk.storage import StorageFailure, storage_failure, writing

EXTRACT = "/data/extract/prescriptions.csv"

# (error, the path being written, expected one line or None when it is not a storage failure)
CASES = [
    (
        duckdb.TransactionException(
            'TransactionContext Error: Failed to commit: Could not write file "/w/wh.duckdb.new":'
            " No space left on device"
        ),
        None,
        "no space left on device writing /w/wh.duckdb.new",
    ),
    (
        duckdb.IOException(
            'IO Error: Could not write file "/w/wh.duckdb.new.tmp/t.tmp": No space left on device'
        ),
        "/w/wh.duckdb.new",
        "no space left on device writing /w/wh.duckdb.new.tmp/t.tmp",
    ),
    (
        duckdb.IOException("IO Error: Could not write all bytes: No space left on device"),
        "/w/wh.duckdb.new",
        "no space left on device writing /w/wh.duckdb.new",
    ),
    (
        duckdb.IOException('IO Error: Cannot open file "/w/wh.duckdb.new": Read-only file system'),
        None,
        "read-only file system writing /w/wh.duckdb.new",
    ),
    (
        duckdb.IOException('IO Error: Cannot open file "/w/wh.duckdb.new": Permission denied'),
        None,
        "permission denied writing /w/wh.duckdb.new",
    ),
    (
        OSError(errno.ENOSPC, "No space left on device"),
        "/r/.x.partial",
        "no space left on device writing /r/.x.partial",
    ),
    (
        OSError(errno.EDQUOT, "Disk quota exceeded", "/r/x.json"),
        None,
        "disk quota exceeded writing /r/x.json",
    ),
    (
        PermissionError(errno.EACCES, "Permission denied", "/r/x"),
        None,
        "permission denied writing /r/x",
    ),
    # Reading the extract is the extract's problem: refused (exit 2), not a storage failure.
    (duckdb.IOException(f'IO Error: Cannot open file "{EXTRACT}": Permission denied'), None, None),
    (OSError(errno.EACCES, "Permission denied", EXTRACT), None, None),
    (duckdb.IOException("IO Error: truncated gzip stream"), None, None),
    (ValueError("no space left on device"[::-1]), None, None),
    (ExtractRefused("patients.csv", None, "cannot be read (PermissionError)"), None, None),
]


@pytest.mark.parametrize(("error", "where", "expected"), CASES)
def test_what_is_a_storage_failure(error, where, expected):
    failure = storage_failure(error, where, reading=[EXTRACT])
    assert (str(failure) if failure else None) == expected


def test_a_storage_error_anywhere_in_the_chain_is_found():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/w/x")
        except OSError as exc:
            raise RuntimeError("task failed") from exc
    except RuntimeError as outer:
        assert str(storage_failure(outer)) == "no space left on device writing /w/x"


def test_writing_names_the_path_of_the_block():
    with pytest.raises(StorageFailure) as caught:
        with writing("/r/run/manifest.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert str(caught.value) == "no space left on device writing /r/run/manifest.json"
    with pytest.raises(KeyError):  # anything else passes through unchanged
        with writing("/r"):
            raise KeyError("x")


def test_the_command_reports_only_what_a_writing_block_raised():
    from b12risk.storage import raised_storage_failure

    reading = OSError(errno.EACCES, "Permission denied", "/config/cohorts.toml")
    assert raised_storage_failure(reading) is None  # reading a file: not a write failure
    try:
        with writing("/w/wh.duckdb.new"):
            raise OSError(errno.ENOSPC, "No space left on device")
    except StorageFailure as exc:
        wrapped = RuntimeError("the flow failed")
        wrapped.__cause__ = exc
        assert (
            str(raised_storage_failure(wrapped))
            == "no space left on device writing /w/wh.duckdb.new"
        )
