"""Reviewed codelists: hash-checked against their manifest, loaded into the `codelist` table.

`data/codelists/<concept>.csv` holds one reviewed list per concept (columns `code_system, code,
description, match, subtype, source`); `data/codelists/manifest.json` records each list's
version, sources, sha256 and number of codes. A list whose bytes no longer match its manifest
entry was edited after review and is refused, naming the list. The lists are rebuilt from the
clinical reference by `b12risk.codelists.build` (see docs/codelists.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from b12risk.config import DEFAULT_CODELISTS, PROJECT_ROOT, ConfigError
from b12risk.sql import run_script
from schemas.codes import CASE_SENSITIVE_SYSTEMS, CODE_SYSTEMS, DOTLESS_SYSTEMS

MANIFEST_NAME = "manifest.json"
CSV_COLUMNS = ("code_system", "code", "description", "match", "subtype", "source")
MATCH_KINDS = frozenset({"exact", "prefix"})

# The extract contract's coding systems.
CONTRACT_SYSTEMS = frozenset(CODE_SYSTEMS)
# Systems a reference list uses that the contract does not: kept for review, never matched.
OUTSIDE_CONTRACT_SYSTEMS = frozenset({"CTV3", "HCPCS"})
# What DuckDB's trim() strips: exactly the Unicode space separators (category Zs); it keeps
# tabs and line breaks. normalise_code mirrors it so both sides of the join agree.
SPACE_SEPARATORS = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)


class CodelistError(ConfigError):
    """A codelist or its manifest is missing, malformed or was edited after review."""


@dataclass(frozen=True)
class CodelistInfo:
    """One loaded list, as recorded in the `codelist_versions` table."""

    concept: str
    version: str
    sha256: str
    source: str
    n_codes: int


def normalise_code(code_system: str, code: str) -> str:
    """The matching form of a code: the rule of `cohorts/concept_events.sql`.

    Surrounding spaces go (as DuckDB's trim), letters are upper-cased except in the
    case-sensitive Read v2 and CTV3, and ICD-10, ICD-10-CM, ICD-9-CM and OPCS-4 codes lose their
    dots (`k50.0 ` -> `K500`).
    """
    norm = code.strip(SPACE_SEPARATORS)
    if code_system not in CASE_SENSITIVE_SYSTEMS:
        norm = norm.upper()
    if code_system in DOTLESS_SYSTEMS:
        norm = norm.replace(".", "")
    return norm


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_codelists(
    con: duckdb.DuckDBPyConnection,
    directory: Path = DEFAULT_CODELISTS,
    concepts: Iterable[str] | None = None,
) -> list[CodelistInfo]:
    """Verify the lists against the manifest, then (re)create `codelist` and `codelist_versions`.

    Loads every list in the manifest, or only `concepts`. Raises CodelistError naming the list
    when a list or its manifest entry is missing, or its sha256 does not match (edited after
    review). Nothing is written to the connection unless every requested list passes.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    names = _requested(directory, manifest, concepts)
    infos, rows = [], []
    for concept in names:
        info, concept_rows = _verified_list(directory, manifest, concept)
        infos.append(info)
        rows.extend(concept_rows)
    _write_tables(con, infos, rows)
    return infos


def read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    """The manifest's `codelists` entries, by concept."""
    path = Path(directory) / MANIFEST_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["codelists"]
    except FileNotFoundError as exc:
        raise CodelistError(f"codelist manifest not found: {display_path(path)}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise CodelistError(f"codelist manifest {display_path(path)} is malformed") from exc
    if not isinstance(entries, dict):
        raise CodelistError(f"codelist manifest {display_path(path)} is malformed")
    return entries


def display_path(path: Path) -> str:
    """A path as people know it: relative to the project when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _requested(
    directory: Path, manifest: dict[str, dict[str, Any]], concepts: Iterable[str] | None
) -> list[str]:
    if concepts is not None:
        return list(dict.fromkeys(concepts))
    on_disk = {p.stem for p in directory.glob("*.csv")}
    return sorted(set(manifest) | on_disk)


def _verified_list(
    directory: Path, manifest: dict[str, dict[str, Any]], concept: str
) -> tuple[CodelistInfo, list[dict[str, Any]]]:
    manifest_path = display_path(directory / MANIFEST_NAME)
    csv_path = directory / f"{concept}.csv"
    entry = manifest.get(concept)
    if entry is None:
        raise CodelistError(f"codelist '{concept}' has no entry in {manifest_path}")
    try:
        data = csv_path.read_bytes()
    except FileNotFoundError as exc:
        raise CodelistError(f"codelist '{concept}' not found: {display_path(csv_path)}") from exc
    try:
        expected_sha, version = str(entry["sha256"]), str(entry["version"])
        n_codes, source = int(entry["n_codes"]), _source_text(entry["source"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CodelistError(
            f"codelist '{concept}' has a malformed entry in {manifest_path}"
        ) from exc
    if sha256_hex(data) != expected_sha:
        raise CodelistError(
            f"codelist '{concept}' was edited after review: sha256 does not match {manifest_path}"
        )
    rows = parse_codelist(concept, data, version)
    if len(rows) != n_codes:
        raise CodelistError(
            f"codelist '{concept}' has {len(rows)} codes but {manifest_path} says {n_codes}"
        )
    info = CodelistInfo(concept, version, expected_sha, source, n_codes)
    return info, rows


def _source_text(source: Any) -> str:
    if isinstance(source, str):
        return source
    return "; ".join(str(s) for s in source)


def parse_codelist(concept: str, data: bytes, version: str) -> list[dict[str, Any]]:
    """Rows of one codelist CSV as `codelist` table rows (with code_norm, concept, version)."""
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        header = next(reader, None)
        records = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CodelistError(f"codelist '{concept}' is not a readable UTF-8 CSV") from exc
    if header is None or tuple(header) != CSV_COLUMNS:
        raise CodelistError(f"codelist '{concept}' must have the columns {', '.join(CSV_COLUMNS)}")
    rows = []
    for line, record in enumerate(records, start=2):
        if len(record) != len(CSV_COLUMNS):
            raise CodelistError(f"codelist '{concept}' line {line} has {len(record)} fields")
        row = dict(zip(CSV_COLUMNS, record, strict=True))
        _check_row(concept, line, row)
        rows.append(
            {
                "concept": concept,
                "code_system": row["code_system"],
                "code": row["code"],
                "code_norm": normalise_code(row["code_system"], row["code"]),
                "match": row["match"],
                "subtype": row["subtype"] or None,
                "description": row["description"],
                "version": version,
            }
        )
    return rows


def _check_row(concept: str, line: int, row: dict[str, str]) -> None:
    where = f"codelist '{concept}' line {line}"
    if row["code_system"] not in CONTRACT_SYSTEMS | OUTSIDE_CONTRACT_SYSTEMS:
        raise CodelistError(f"{where}: unknown code_system")
    if not row["code"] or row["code"] != row["code"].strip():
        raise CodelistError(f"{where}: code is empty or padded")
    if row["match"] not in MATCH_KINDS:
        raise CodelistError(f"{where}: match must be 'exact' or 'prefix'")


def _write_tables(
    con: duckdb.DuckDBPyConnection, infos: list[CodelistInfo], rows: list[dict[str, Any]]
) -> None:
    codes = pa.Table.from_pylist(rows, schema=_CODE_SCHEMA)
    versions = pa.Table.from_pylist([vars(i) for i in infos], schema=_VERSION_SCHEMA)
    con.register("codelist_rows_in", codes)
    con.register("codelist_versions_in", versions)
    try:
        con.begin()
        try:
            run_script(con, "codelists/load_codelists")
        except duckdb.Error:
            con.rollback()
            raise
        con.commit()
    finally:
        con.unregister("codelist_rows_in")
        con.unregister("codelist_versions_in")


_CODE_SCHEMA = pa.schema(
    [
        (name, pa.string())
        for name in (
            "concept", "code_system", "code", "code_norm", "match", "subtype", "description",
            "version",
        )
    ]
)  # fmt: skip
_VERSION_SCHEMA = pa.schema(
    [
        ("concept", pa.string()),
        ("version", pa.string()),
        ("sha256", pa.string()),
        ("source", pa.string()),
        ("n_codes", pa.int64()),
    ]
)
