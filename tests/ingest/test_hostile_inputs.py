"""Hostile sizes and shapes are refused in one line before anything is read at their cost: a
huge, deep or ambiguous manifest, dates that are not plain or cannot be an extract's date, and
gzip files that would expand into a bomb."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import pytest

from b12risk.ingest.stage import ExtractRefused, inspect_extract
from schemas.dates import EARLIEST_EXTRACT_DATE, extract_date_problem, plain_date
from tests.ingest.extracts import csv_text, valid_tables, write_extract

TODAY = date.today()


def refused_by(folder, **limits) -> ExtractRefused:
    with pytest.raises(ExtractRefused) as caught:
        inspect_extract(folder, **limits)
    message = str(caught.value)
    assert message.startswith("extract refused: ") and "\n" not in message
    return caught.value


def nested(levels: int) -> dict:
    value: object = "x"
    for _ in range(levels - 1):
        value = {"k": value}
    return {"extract_id": "e1", "notes": value}


# (what, manifest bytes, words of the one-line refusal)
HOSTILE_MANIFESTS = [
    ("200,000 open brackets", b"[" * 200_000, "nested deeper than 4 levels"),
    ("an object nested 5 deep", json.dumps(nested(5)).encode(), "nested deeper than 4 levels"),
    ("over 1 MB", json.dumps({"notes": "a" * (1 << 20)}).encode(), "larger than 1 MB"),
    (
        "a key given twice",
        b'{"extracted_on": "2024-06-30", "extracted_on": "2024-01-01"}',
        "has the key 'extracted_on' twice",
    ),
    ("an ISO week date", b'{"extracted_on": "2026-W48-1"}', "YYYY-MM-DD"),
    ("a basic ISO date", b'{"extracted_on": "20240630"}', "YYYY-MM-DD"),
    ("a date with a time", b'{"extracted_on": "2024-06-30T00:00"}', "YYYY-MM-DD"),
    ("an unknown key given twice", b'{"x\\u001b[2J": 1, "x\\u001b[2J": 2}', "has a key twice"),
    ("non-ASCII digits", '{"extracted_on": "２０２４-06-30"}'.encode(), "YYYY-MM-DD"),
    ("the end of time", b'{"extracted_on": "9999-12-31"}', "9999-12-31 is after today"),
    ("a future year", b'{"extracted_on": "2099-01-01"}', "2099-01-01 is after today"),
    ("the first day", b'{"extracted_on": "0001-01-01"}', "0001-01-01 is before 1990-01-01"),
    ("the day before 1990", b'{"extracted_on": "1989-12-31"}', "is before 1990-01-01"),
]


@pytest.mark.parametrize(
    ("what", "manifest", "words"), HOSTILE_MANIFESTS, ids=[m[0] for m in HOSTILE_MANIFESTS]
)
def test_a_hostile_manifest_is_refused_in_one_line(tmp_path, what, manifest, words):
    folder = write_extract(tmp_path)
    (folder / "manifest.json").write_bytes(manifest)
    refused = refused_by(folder)
    assert refused.file == "manifest.json"
    assert words in str(refused)


def test_a_date_too_late_names_manifest_and_extracted_on(tmp_path):
    folder = write_extract(tmp_path, manifest={"extracted_on": "9999-12-31"})
    message = str(refused_by(folder))
    assert "manifest.json" in message and "extracted_on" in message


# (extracted_on, accepted): the boundaries of a plausible extract date
EXTRACT_DATE_BOUNDARIES = [
    (TODAY, True),
    (TODAY + timedelta(days=1), False),
    (EARLIEST_EXTRACT_DATE, True),
    (EARLIEST_EXTRACT_DATE - timedelta(days=1), False),
    (date(2024, 6, 30), True),
]


@pytest.mark.parametrize(("extracted_on", "accepted"), EXTRACT_DATE_BOUNDARIES)
def test_the_range_of_an_extract_date(tmp_path, extracted_on, accepted):
    assert (extract_date_problem(extracted_on, TODAY) is None) is accepted
    folder = write_extract(tmp_path, manifest={"extracted_on": extracted_on.isoformat()})
    if accepted:
        assert inspect_extract(folder).extracted_on == extracted_on
    else:
        assert "extracted_on" in str(refused_by(folder))


def test_a_manifest_at_the_limits_is_read(tmp_path):
    notes = nested(4)
    notes["pad"] = "a" * ((1 << 20) - len(json.dumps(notes)) - len(', "pad": ""'))
    text = json.dumps(notes).encode()
    assert len(text) == 1 << 20
    folder = write_extract(tmp_path)
    (folder / "manifest.json").write_bytes(text)
    assert inspect_extract(folder).extract_id == "e1"


# (text, a plain date?)
PLAIN_DATES = [
    ("2024-06-30", True),
    ("2024-02-29", True),
    ("2023-02-29", False),
    ("2026-W48-1", False),
    ("20240630", False),
    ("2024-6-30", False),
    (" 2024-06-30", False),
    ("2024-06-30 ", False),
    ("2024-06-30T00:00:00", False),
]


@pytest.mark.parametrize(("text", "plain"), PLAIN_DATES)
def test_plain_dates(text, plain):
    if plain:
        assert plain_date(text) == date.fromisoformat(text)
    else:
        with pytest.raises(ValueError):
            plain_date(text)


def gzip_bomb(folder, table: str, expansion: int) -> int:
    """Replace `table` with a valid .csv.gz of about `expansion` times its compressed size;
    return the exact ratio (uncompressed bytes / compressed bytes)."""
    header = csv_text(table, valid_tables()[table])
    body = header.encode() + b"\n" * (expansion * 1000)
    (folder / f"{table}.csv").unlink()
    data = gzip.compress(body, compresslevel=9)
    (folder / f"{table}.csv.gz").write_bytes(data)
    return len(body) // len(data)


def test_a_gzip_bomb_is_refused_before_it_is_read(tmp_path):
    folder = write_extract(tmp_path)
    ratio = gzip_bomb(folder, "lab_results", 2000)
    assert ratio > 200
    refused = refused_by(folder)
    assert refused.file == "lab_results.csv.gz"
    assert "decompression bomb" in refused.reason and "max_gzip_expansion" in refused.reason


def test_the_gzip_trailer_alone_decides_so_nothing_is_decompressed(tmp_path):
    """A trailer claiming 4 GiB on a 1 KiB body that is not even gzip: refused as a bomb, so
    the refusal came before any decompression (which would call it unreadable)."""
    folder = write_extract(tmp_path)
    (folder / "procedures.csv").unlink()
    (folder / "procedures.csv.gz").write_bytes(b"\x1f\x8b" + b"\0" * 1022 + b"\xff\xff\xff\xff")
    assert "decompression bomb" in refused_by(folder).reason


# (limit, accepted): the limit is configurable, and a ratio equal to it passes
@pytest.mark.parametrize(("margin", "accepted"), [(-1, False), (0, True), (1, True)])
def test_the_expansion_limit_is_configurable(tmp_path, margin, accepted):
    folder = write_extract(tmp_path)
    ratio = gzip_bomb(folder, "diagnoses", 50)
    data = (folder / "diagnoses.csv.gz").read_bytes()
    exact = int.from_bytes(data[-4:], "little") / len(data)
    limit = exact + margin if margin else exact
    assert int(exact) == ratio
    if accepted:
        assert inspect_extract(folder, max_gzip_expansion=limit).formats["diagnoses"] == "csv.gz"
    else:
        assert "decompression bomb" in refused_by(folder, max_gzip_expansion=limit).reason
