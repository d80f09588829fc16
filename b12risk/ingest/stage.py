"""Structural inspection of an extract folder, and staging of its five files in DuckDB.

`inspect_extract` reads only headers, the manifest and the bytes for the content hash; any
structural problem raises `ExtractRefused` before anything is written anywhere.

`stage_extract` reads each file once (`b12risk/ingest/sql/stage_<table>.sql`): every column
as text (CSV: `read_csv(all_varchar)`; Parquet: `read_parquet` cast to text), then typed
with strict parsers, into `staging_<table>` in file order, so that source_row = rowid + 1.
A value that is not valid for its type becomes NULL and its row keeps the file's texts in
`source_texts`, so validation can name the rule it broke and quarantine can show it. Lines
DuckDB cannot parse as CSV rows (too many/few fields, open quotes, bad UTF-8) are kept in
`staging_rejects`, numbered by their physical line in the file. Typing while staging means
the good rows are written once: validation deletes the failed rows and renames the table.

Logs and messages carry file, table and column names and counts only, never values.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import time
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import blake3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from b12risk.config import DEFAULT_MAX_GZIP_EXPANSION
from b12risk.ingest import value_shapes
from b12risk.shown import shown
from b12risk.sql import run_script, run_sql
from b12risk.storage import storage_failure
from schemas.contract import (
    FORMATS,
    MANIFEST_FIELDS,
    MANIFEST_FILE,
    TABLE_NAMES,
    TABLES,
)
from schemas.dates import extract_date_problem, plain_date
from schemas.identifying import VALUE_SHAPES, UnreadableHeader, identifying_kind

log = logging.getLogger(__name__)

HEADER_MAX_BYTES = 1 << 20
MANIFEST_MAX_BYTES = 1 << 20
GZIP_TRAILER_BYTES = 18  # the smallest gzip member: 10-byte header, empty body, 8-byte trailer
MANIFEST_MAX_DEPTH = 4  # the contract's manifest is flat: room for a supplier's own small notes
READ_CHUNK = 1 << 22
# Files a supplier may have delivered instead of a table's CSV: named in the refusal.
OTHER_EXPORTS = (".xlsx", ".xls", ".ods", ".tsv", ".txt", ".json")
STAGING_TABLES = {t: f"staging_{t}" for t in TABLE_NAMES}
# The name a column outside the contract is staged under (its position in the header): no
# file can reach this namespace (a contract name has no space), so an extra column never
# collides with a contract column or a computed one (`year_of_birth_cast`, `value_typed`).
EXTRA_COLUMN = "extra column {}"
PARQUET_STREAM = "staging_parquet_stream"  # the renamed Parquet batches, registered per file
PARQUET_BATCH_ROWS = 1 << 16
OVER_MAXIMUM = "LINE SIZE OVER MAXIMUM"  # DuckDB's error type for a record it gave up on
# What DuckDB raises for a file it cannot read to the end (a truncated gzip stream, a corrupt
# Parquet page, a file gone since inspection). Other errors are bugs and propagate.
FILE_ERRORS = (duckdb.IOException, duckdb.InvalidInputException)


class ExtractRefused(Exception):
    """The extract is structurally unusable; nothing has been written. `str()` is one line."""

    refuses_input = True  # never a storage failure (b12risk.storage), whatever caused it

    def __init__(self, file: str, column: str | None, reason: str):
        self.file = file
        self.column = column
        self.reason = " ".join(reason.split())
        super().__init__(file, column, self.reason)

    def __str__(self) -> str:
        where = f"{self.file}: column '{self.column}'" if self.column else self.file
        return shown(f"extract refused: {where} {self.reason}")  # names from the input, shown

    def __reduce__(self):
        return (type(self), (self.file, self.column, self.reason))


@dataclass
class ExtractFiles:
    """What inspection found: one file per table, its format and header, the manifest."""

    directory: Path
    files: dict[str, Path]
    formats: dict[str, str]
    content_hash: str
    manifest: dict[str, Any]
    extracted_on: date | None
    extract_id: str | None
    warnings: list[str]
    columns: dict[str, list[str]] = field(default_factory=dict)  # header names, file order
    seconds: float = 0.0  # how long the inspection took (it may run ahead of the flow)


@dataclass
class StagedTable:
    """One staged file: where it went and how many records it held."""

    table: str
    staging_table: str
    file: str
    format: str
    staged: int  # rows DuckDB parsed into staging_<table>
    rejected: int  # records DuckDB could not parse (each one quarantine entry)
    rejected_lines: int  # physical lines those records span (an open quote swallows lines)

    @property
    def read(self) -> int:
        return self.staged + self.rejected


@dataclass
class StageResult:
    """What stage_extract did, per table; plain data (picklable, JSON-able via to_dict)."""

    extract_hash: str
    tables: dict[str, StagedTable]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "extract_hash": self.extract_hash,
            "tables": {
                t: {
                    "file": s.file,
                    "format": s.format,
                    "read": s.read,
                    "staged": s.staged,
                    "rejected": s.rejected,
                    "rejected_lines": s.rejected_lines,
                }
                for t, s in self.tables.items()
            },
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------- inspection


def inspect_extract(
    directory: Path,
    max_gzip_expansion: float = DEFAULT_MAX_GZIP_EXPANSION,
    hash_content: bool = True,
) -> ExtractFiles:
    """Find and check the extract's files; raise ExtractRefused on any structural problem.
    `max_gzip_expansion`: a .csv.gz whose gzip trailer says it expands more than this many
    times its compressed size is refused before it is read (a decompression bomb).
    `hash_content=False`: everything but the content hash (reading every byte), for a check
    of the inputs in well under a second; content_hash is then empty."""
    started = time.perf_counter()
    directory = Path(directory)
    if not directory.is_dir():
        what = "not a folder" if directory.exists() else "not found"
        raise ExtractRefused(str(directory), None, f"is not an extract folder ({what})")
    _refuse_raw_source(directory)
    warnings: list[str] = []
    manifest = _read_manifest(directory / MANIFEST_FILE, warnings)
    files, formats = _find_files(directory, warnings)
    columns: dict[str, list[str]] = {}
    for table in TABLE_NAMES:
        if formats[table] == "csv.gz":
            check_gzip_expansion(files[table], max_gzip_expansion)
        header = _read_header(files[table], formats[table])
        columns[table] = _check_header(table, files[table].name, header, warnings)
    extracted_on = manifest.get("extracted_on")
    return ExtractFiles(
        directory=directory,
        files=files,
        formats=formats,
        content_hash=content_hash(files, directory / MANIFEST_FILE) if hash_content else "",
        manifest=manifest,
        extracted_on=plain_date(extracted_on) if extracted_on else None,
        extract_id=manifest.get("extract_id"),
        warnings=warnings,
        columns=columns,
        seconds=time.perf_counter() - started,
    )


# Raw exports that `b12risk import` converts: (kind, what, files that mark one).
RAW_SOURCES = (
    (
        "synthea",
        "Synthea",
        ("encounters.csv", "conditions.csv", "medications.csv", "observations.csv"),
    ),
    (
        "omop",
        "OMOP CDM",
        ("person.csv", "condition_occurrence.csv", "drug_exposure.csv", "measurement.csv"),
    ),
)


def _refuse_raw_source(directory: Path) -> None:
    """A folder of raw Synthea or OMOP CSV files (none of the contract's event files, two or
    more of the source's own) is refused with the import command that converts it."""
    contract_events = ("diagnoses", "prescriptions", "lab_results")
    if any((directory / f"{t}{ext}").exists() for t in contract_events for ext in FORMATS):
        return
    for kind, what, names in RAW_SOURCES:
        present = [n for n in names if (directory / n).is_file()]
        if len(present) >= 2:
            raise ExtractRefused(
                str(directory),
                None,
                f"holds raw {what} CSV files ({', '.join(present)}), not an extract: convert "
                f"it first with `b12risk import {kind} {directory} --out EXTRACT_FOLDER`, then "
                "run that folder",
            )


def _read_manifest(path: Path, warnings: list[str]) -> dict[str, Any]:
    """The manifest's keys, or ExtractRefused: bounded in size and depth (a hostile file is
    refused, never parsed at any cost), no key twice, dates written plainly and plausible."""
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MANIFEST_MAX_BYTES + 1)
    except OSError as exc:
        raise ExtractRefused(path.name, None, f"cannot be read ({type(exc).__name__})") from exc
    if len(raw) > MANIFEST_MAX_BYTES:
        raise ExtractRefused(path.name, None, "is larger than 1 MB (a manifest is a few keys)")
    try:
        manifest = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except RecursionError as exc:
        raise ExtractRefused(path.name, None, _TOO_DEEP) from exc
    except _DuplicateKey as exc:  # named only when it is the contract's (never raw input)
        key = f"the key '{exc.key}'" if exc.key in MANIFEST_FIELDS else "a key"
        raise ExtractRefused(path.name, None, f"has {key} twice") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtractRefused(path.name, None, "is not valid UTF-8 JSON") from exc
    if not isinstance(manifest, dict):
        raise ExtractRefused(path.name, None, "must hold a JSON object")
    if _depth(manifest) > MANIFEST_MAX_DEPTH:
        raise ExtractRefused(path.name, None, _TOO_DEEP)
    for key in ("extract_id", "source", "extracted_on"):
        if manifest.get(key) is not None and not isinstance(manifest[key], str):
            raise ExtractRefused(path.name, None, f"'{key}' must be text")
    if manifest.get("extracted_on"):
        try:
            extracted_on = plain_date(manifest["extracted_on"])
        except ValueError as exc:
            raise ExtractRefused(
                path.name, None, "'extracted_on' must be a date written YYYY-MM-DD"
            ) from exc
        problem = extract_date_problem(extracted_on)
        if problem:
            raise ExtractRefused(
                path.name,
                None,
                f"'extracted_on' {extracted_on.isoformat()} {problem}: it cannot be the date "
                "the extract was taken",
            )
    unknown = sorted(set(manifest) - set(MANIFEST_FIELDS))
    if unknown:
        warnings.append(shown(f"{path.name}: unknown keys ignored: {', '.join(unknown)}"))
    return manifest


_TOO_DEEP = f"is nested deeper than {MANIFEST_MAX_DEPTH} levels (a manifest is a few keys)"


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json object_pairs_hook: a key given twice is ambiguous (which one is meant?)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _depth(value: Any) -> int:
    """Levels of objects and arrays (a flat object is 1). Iterative: no recursion limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _find_files(directory: Path, warnings: list[str]) -> tuple[dict[str, Path], dict[str, str]]:
    files: dict[str, Path] = {}
    formats: dict[str, str] = {}
    known = {f"{t}{ext}" for t in TABLE_NAMES for ext in FORMATS} | {MANIFEST_FILE}
    for table in TABLE_NAMES:
        found = [
            directory / f"{table}{ext}" for ext in FORMATS if (directory / f"{table}{ext}").exists()
        ]
        if not found:
            other = next(
                (
                    directory / f"{table}{ext}"
                    for ext in OTHER_EXPORTS
                    if (directory / f"{table}{ext}").exists()
                ),
                None,
            )
            hint = f"; {other.name} is present: export it as CSV" if other else ""
            raise ExtractRefused(
                f"{table}.csv",
                None,
                "is missing (one of .csv, .csv.gz or .parquet is required)" + hint,
            )
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise ExtractRefused(table, None, f"has two files ({names}); keep one")
        path = found[0]
        if not path.is_file():
            raise ExtractRefused(path.name, None, "is not a regular file")
        try:
            size = path.stat().st_size
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise ExtractRefused(path.name, None, f"cannot be read ({type(exc).__name__})") from exc
        if size == 0:
            raise ExtractRefused(path.name, None, "is empty (zero bytes)")
        files[table] = path
        formats[table] = path.name[len(table) + 1 :]
    others = sorted(p.name for p in directory.iterdir() if p.name not in known)
    if others:
        warnings.append(
            shown(f"files ignored (not part of the extract contract): {', '.join(others)}")
        )
    return files, formats


def check_gzip_expansion(path: Path, limit: float) -> None:
    """Refuse a gzip file whose trailer (ISIZE: the uncompressed size modulo 2**32 of its last
    member) says it expands more than `limit` times. Real extracts compress 5-15x; a 1 GiB
    bomb of one repeated byte compresses ~1000x. Reading the trailer costs one seek."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size < GZIP_TRAILER_BYTES:
                return  # not gzip at all: the header check says so
            handle.seek(size - 4)
            expanded = int.from_bytes(handle.read(4), "little")
    except OSError as exc:
        raise ExtractRefused(path.name, None, f"cannot be read ({type(exc).__name__})") from exc
    if expanded > limit * size:
        raise ExtractRefused(
            path.name,
            None,
            f"expands {expanded / size:,.0f} times its compressed size (more than {limit:g}, "
            "[extract] max_gzip_expansion): refused as a decompression bomb before reading it",
        )


def _read_header(path: Path, fmt: str) -> list[str]:
    """Column names of a file (first CSV line or Parquet schema), or ExtractRefused."""
    if fmt == "parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as exc:
            raise ExtractRefused(path.name, None, "is not a readable Parquet file") from exc
    try:
        opener = gzip.open if fmt == "csv.gz" else open
        with opener(path, "rb") as handle:
            first = handle.readline(HEADER_MAX_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        what = "gzip-compressed CSV" if fmt == "csv.gz" else "file"
        raise ExtractRefused(path.name, None, f"is not a readable {what}") from exc
    if len(first) >= HEADER_MAX_BYTES:
        raise ExtractRefused(path.name, None, "has no CSV header line (first line too long)")
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise ExtractRefused(path.name, None, "header is not UTF-8 text (not a CSV file)") from exc
    if not line.strip():
        raise ExtractRefused(path.name, None, "has no header line (the first line is empty)")
    try:
        return next(csv.reader([line], delimiter=",", quotechar='"', doublequote=True))
    except csv.Error as exc:
        reason = "header is not a CSV line (lines must end with \\n or \\r\\n)"
        raise ExtractRefused(path.name, None, reason) from exc


def _check_header(table: str, file: str, header: list[str], warnings: list[str]) -> list[str]:
    """Refuse identifying, duplicated or missing columns; return the names to stage by.

    Contract columns match after trimming spaces and ignoring case, in CSV and Parquet alike;
    every other column is staged as EXTRA_COLUMN (never read, whatever its name) and reported
    by name as ignored.
    """
    spec = TABLES[table]
    for name in header:
        try:
            label = identifying_kind(name)
        except UnreadableHeader:
            raise ExtractRefused(
                file, name, "holds a control character; the header cannot be judged"
            ) from None
        if label:
            raise ExtractRefused(file, name, f"identifies a person ({label}); remove it")
    staged_names = []
    for position, name in enumerate(header, start=1):
        key = name.strip().lower()
        staged_names.append(key if key in spec.column_names else EXTRA_COLUMN.format(position))
    seen: set[str] = set()
    for name in header:
        if name.strip().lower() in seen:
            raise ExtractRefused(file, name, "appears twice in the header")
        seen.add(name.strip().lower())
    for required in spec.required_columns:
        if required not in staged_names:
            raise ExtractRefused(
                file, required, "is missing from the header (required)" + _delimiter_hint(header)
            )
    extras = [
        n for n, staged in zip(header, staged_names, strict=True) if staged not in spec.column_names
    ]
    if extras:
        warnings.append(
            shown(f"{file}: columns ignored (not in the contract): {', '.join(extras)}")
        )
    return staged_names


def _delimiter_hint(header: list[str]) -> str:
    name = value_shapes.header_delimiter(header)
    return (
        f"; the file looks {name}-separated (the contract's delimiter is a comma)" if name else ""
    )


def content_hash(files: dict[str, Path], manifest: Path) -> str:
    """BLAKE3 over the five files and manifest.json, sorted by name: each one's name, size and
    BLAKE3 digest (as `b3sum` prints it). BLAKE3 hashes the 1M-patient extract (1.3 GB) in
    ~0.2 s on this machine's 2 cores; sha256 took ~0.9 s on one core, ~0.55 s on two."""
    paths = sorted(
        [*files.values(), *([manifest] if manifest.exists() else [])], key=lambda p: p.name
    )
    digest = blake3.blake3()
    for path in paths:
        size, file_digest = _file_digest(path)
        digest.update(f"{path.name}\0{size}\0{file_digest}\0".encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> tuple[int, str]:
    """(size, BLAKE3) of one file's bytes, read in chunks into one buffer (no memory map: the
    process's resident memory stays small) and hashed by BLAKE3's threads."""
    digest = blake3.blake3(max_threads=blake3.blake3.AUTO)
    buffer = bytearray(READ_CHUNK)
    view = memoryview(buffer)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            while n := handle.readinto(buffer):
                digest.update(view[:n])
    except OSError as exc:
        raise ExtractRefused(path.name, None, f"cannot be read ({type(exc).__name__})") from exc
    return size, digest.hexdigest()


# ---------------------------------------------------------------- staging


def stage_extract(con: duckdb.DuckDBPyConnection, files: ExtractFiles) -> StageResult:
    """Read the five files into staging_<table> (typed, unparsed text kept, file order) and
    their unreadable CSV lines into staging_rejects; count both per table.

    A file that fails while loading (e.g. a truncated gzip stream) refuses the extract: what
    this call created is dropped first, so the connection is left as it was found.
    """
    run_script(con, "ingest/macros")
    tables: dict[str, StagedTable] = {}
    created = False
    try:
        drop_staging(con)
        run_sql(con, "ingest/create_rejects")
        created = True
        for table in TABLE_NAMES:
            started = time.perf_counter()
            tables[table] = _stage_table(con, files, table)
            log.debug("staging %s took %.2f s", table, time.perf_counter() - started)
    except FILE_ERRORS as exc:
        failure = storage_failure(exc, reading=files.files.values())
        if failure is not None:  # writing failed (a full disk): the environment's, not the file's
            raise failure from exc
        if created:
            drop_staging(con)
        failed = next((t for t in TABLE_NAMES if t not in tables), TABLE_NAMES[0])
        raise ExtractRefused(
            files.files[failed].name, None, f"cannot be loaded ({type(exc).__name__})"
        ) from exc
    screen_identifier_values(con, files)
    for table, staged in tables.items():
        log.info(
            "staged %s: %d rows, %d malformed records (%d lines)",
            table,
            staged.staged,
            staged.rejected,
            staged.rejected_lines,
        )
    return StageResult(files.content_hash, tables, list(files.warnings))


def screen_identifier_values(con: duckdb.DuckDBPyConnection, files: ExtractFiles) -> None:
    """Refuse the extract when a screened column's values look like real identifiers rather
    than pseudonyms (schemas.identifying.VALUE_SHAPES): the refusal names the file, the column
    and the shape, never a value. Staging is dropped first, so nothing is left behind."""
    run_script(con, "ingest/identifier_shapes")
    cursor = run_sql(con, "ingest/identifier_screen")
    names = [d[0] for d in cursor.description]
    for row in (dict(zip(names, r, strict=True)) for r in cursor.fetchall()):
        for shape in VALUE_SHAPES:
            found = row[f"n_{shape.key}"]
            if shape.majority and found * 2 > row["n_values"]:
                why = f"most of its values ({found:,} of {row['n_values']:,}) are {shape.name}s"
            elif not shape.majority and found:
                why = f"{found:,} of its values are shaped like an identifier ({shape.name})"
            else:
                continue
            drop_staging(con)
            raise ExtractRefused(
                files.files[row["table_name"]].name,
                row["column_name"],
                f"looks like real identifiers, not pseudonyms: {why}; pseudonymise it",
            )


def _stage_table(con: duckdb.DuckDBPyConnection, files: ExtractFiles, table: str) -> StagedTable:
    path, fmt = files.files[table], files.formats[table]
    header = files.columns.get(table) or _check_header(
        table, path.name, _read_header(path, fmt), []
    )
    if fmt == "parquet":  # before the macro that reads it is defined
        con.register(PARQUET_STREAM, parquet_batches(path, header, TABLES[table].column_names))
    run_sql(con, "ingest/source_parquet" if fmt == "parquet" else "ingest/source_csv")
    previous = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = true")  # rowid follows the file: source_row
    try:
        run_sql(
            con,
            f"ingest/stage_{table}",
            path=str(path),
            columns=dict.fromkeys(header, "VARCHAR"),
        )
    finally:
        con.execute("SET preserve_insertion_order = $value", {"value": previous})
        if fmt == "parquet":
            con.unregister(PARQUET_STREAM)
    staged = run_sql(con, "ingest/count_rows", table_name=STAGING_TABLES[table]).fetchall()[0][0]
    rejected, rejected_lines = (
        (0, 0) if fmt == "parquet" else _collect_rejects(con, table, path, fmt, staged, header)
    )
    return StagedTable(
        table, STAGING_TABLES[table], path.name, fmt, staged, rejected, rejected_lines
    )


def parquet_batches(
    path: Path, staged_names: list[str], contract: tuple[str, ...]
) -> pa.RecordBatchReader:
    """The Parquet file's contract columns, in file order, renamed to their staged names (as
    a CSV header is: trimmed, any case): columns outside the contract are never read."""
    file = pq.ParquetFile(path)
    wanted = [
        (name, staged)
        for name, staged in zip(file.schema_arrow.names, staged_names, strict=True)
        if staged in contract
    ]
    names = [staged for _, staged in wanted]
    schema = pa.schema([file.schema_arrow.field(name).with_name(staged) for name, staged in wanted])
    batches = file.iter_batches(
        batch_size=PARQUET_BATCH_ROWS, columns=[name for name, _ in wanted], use_threads=True
    )
    return pa.RecordBatchReader.from_batches(
        schema, (pa.RecordBatch.from_arrays(b.columns, names=names) for b in batches)
    )


def _collect_rejects(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    fmt: str,
    staged: int,
    header: list[str],
) -> tuple[int, int]:
    """Move DuckDB's reject records of the last CSV load into staging_rejects, one row per
    record, numbered by the file's physical line (header = line 1), read back from the file
    whole (DuckDB keeps at most 10,000 characters of it, and an unterminated quote can swallow
    thousands of lines) and kept as `malformed_record` describes. Returns (records, physical
    lines)."""
    records = run_sql(con, "ingest/reject_records").fetchall()
    run_script(con, "ingest/drop_load_rejects")
    if not records:
        return 0, 0
    spans = reject_spans(path, fmt, [(r[0], r[1], r[3]) for r in records], staged)
    frame = pa.table(
        {
            "source_table": [table] * len(records),
            "source_row": [
                span.line if span else r[0] for span, r in zip(spans, records, strict=True)
            ],
            "raw_values": [
                malformed_record(
                    span.text if span else r[2] or "",
                    span.lines if span else _line_span(r[2]),
                    header,
                    TABLES[table].column_names,
                )
                for span, r in zip(spans, records, strict=True)
            ],
            "error_types": [r[3] for r in records],
        }
    )
    con.register("reject_frame", frame)
    try:
        run_sql(con, "ingest/append_rejects")
    finally:
        con.unregister("reject_frame")
    lines = sum(
        span.lines if span else _line_span(r[2]) for span, r in zip(spans, records, strict=True)
    )
    return len(records), lines


def malformed_record(text: str, lines: int, header: list[str], contract: tuple[str, ...]) -> str:
    """What quarantine keeps of a malformed record (JSON): never a value of a column outside
    the contract. A record whose fields align with the header (it splits into one CSV row of
    the header's length) keeps its contract columns' texts, as a rule failure does; any other
    keeps only its shape (`value_shapes.line_shape`: length, lines, fields, delimiters)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        rows = []
    if len(rows) == 1 and len(rows[0]) == len(header):
        return json.dumps(
            {name: field for name, field in zip(header, rows[0], strict=True) if name in contract}
        )
    return json.dumps(value_shapes.line_shape(text, lines))


def _line_span(raw: str | None) -> int:
    """Physical lines in a record's text (when the file could not be read back)."""
    if not raw:
        return 1
    return raw.rstrip("\r\n").count("\n") + 1


@dataclass(frozen=True)
class RejectSpan:
    """A rejected record as the file holds it: its first physical line, how many lines it
    spans and its whole text (line ends between its lines kept, the last one dropped)."""

    line: int
    lines: int
    text: str


def reject_spans(
    path: Path, fmt: str, records: list[tuple[int, int | None, list[str]]], staged: int
) -> list[RejectSpan | None]:
    """Each rejected record read back from the file in one pass. `records`: DuckDB's record
    number (its `line`), first byte (1-based line_byte_position) and error types of each;
    `staged`: the rows DuckDB parsed.

    A record runs to the first line end outside quotes (a quote opens a field only at its
    start; "" inside quotes is a quote), so an unterminated quote runs to the end of the
    file, as DuckDB reads it, and never past the next rejected record. A record DuckDB gave
    up on as too long (LINE SIZE OVER MAXIMUM) ends where DuckDB resumed reading rows,
    which its record numbers tell: the rows it parsed before the next rejected record (or
    the end of the file) took one line each."""
    order = sorted((r for r in records if r[1]), key=lambda r: r[1])
    found: dict[int, RejectSpan] = {}
    opener = gzip.open if fmt == "csv.gz" else open
    with opener(path, "rb") as handle:
        reader = _ByteReader(handle)
        scanned = []  # (record, first line, text)
        for i, record in enumerate(order):
            start = record[1]
            if start - 1 < reader.position:  # inside the previous record (not expected)
                continue
            first_line = reader.skip_to(start - 1) + 1
            limit = order[i + 1][1] - 1 if i + 1 < len(order) else None
            text = reader.read_record(limit).decode("utf-8", errors="replace")
            if text.endswith("\n"):
                text = text[:-1].removesuffix("\r")
            scanned.append((record, first_line, text))
        total_lines = None
        for i, (record, first_line, text) in enumerate(scanned):
            span = text.count("\n") + 1
            if OVER_MAXIMUM in record[2]:
                if i + 1 < len(scanned):
                    next_number, next_line = scanned[i + 1][0][0], scanned[i + 1][1]
                else:
                    if total_lines is None:
                        total_lines = reader.count_to_end()
                    next_number = staged + len(records) + 2  # DuckDB numbers the header 1
                    next_line = total_lines + 1
                rows_between = next_number - record[0] - 1
                span = max(1, min(span, next_line - first_line - rows_between))
                text = "\n".join(text.split("\n")[:span])
            found[record[1]] = RejectSpan(first_line, span, text)
    return [found.get(r[1]) if r[1] else None for r in records]


class _ByteReader:
    """Sequential reads of a (decompressed) file, counting the line ends skipped."""

    def __init__(self, handle):
        self.handle = handle
        self.position = 0  # bytes consumed
        self.newlines = 0  # line ends among them
        self.buffer = bytearray()  # read but not consumed
        self.last: int | None = None  # the last byte consumed

    def _fill(self) -> bool:
        chunk = self.handle.read(READ_CHUNK)
        self.buffer += chunk
        return bool(chunk)

    def count_to_end(self) -> int:
        """Consume the rest of the file; return the physical lines of the whole file (a last
        line without a line end counts)."""
        while True:
            self.newlines += self.buffer.count(b"\n")
            self.position += len(self.buffer)
            if self.buffer:
                self.last = self.buffer[-1]
            self.buffer.clear()
            if not self._fill():
                return self.newlines + (0 if self.last in (None, 0x0A) else 1)

    def skip_to(self, offset: int) -> int:
        """Consume up to `offset` (holding one chunk at a time); return the line ends before it."""
        while True:
            cut = max(0, min(len(self.buffer), offset - self.position))
            self.newlines += self.buffer.count(b"\n", 0, cut)
            if cut:
                self.last = self.buffer[cut - 1]
            del self.buffer[:cut]
            self.position += cut
            if self.position >= offset or not self._fill():
                return self.newlines

    def read_record(self, limit: int | None) -> bytes:
        """Consume one CSV record (through its line end), or up to the absolute `limit`."""
        i, quoted, field_start = 0, False, True
        while True:
            if i >= len(self.buffer) and not self._fill():
                break
            if limit is not None and self.position + i >= limit:
                break
            if quoted:
                j = self.buffer.find(b'"', i)
                if j < 0:
                    i = len(self.buffer)
                elif j + 1 >= len(self.buffer) and not self._fill():
                    i, quoted = j + 1, False  # the quote closes at the end of the file
                elif self.buffer[j + 1 : j + 2] == b'"':  # an escaped quote
                    i = j + 2
                else:
                    i, quoted, field_start = j + 1, False, False
            elif field_start and self.buffer[i : i + 1] == b'"':  # a quoted field opens
                i, quoted, field_start = i + 1, True, False
            else:
                end = self.buffer.find(b"\n", i)
                opens = self.buffer.find(b',"', i)
                if opens >= 0 and (end < 0 or opens < end):
                    i, quoted = opens + 2, True
                elif end >= 0:
                    i = end + 1
                    break
                else:
                    i = len(self.buffer)
                    field_start = self.buffer.endswith(b",")
        if limit is not None:
            i = min(i, max(0, limit - self.position))
        record = bytes(self.buffer[:i])
        del self.buffer[:i]
        if record:
            self.last = record[-1]
        self.newlines += record.count(b"\n")
        self.position += len(record)
        return record


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Remove every staging table (staging_<table>, staging_rejects, leftovers of a load)."""
    run_script(con, "ingest/drop_staging")
