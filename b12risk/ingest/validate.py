"""Rules over the staged extract: typed tables for the rows that pass, quarantine for the rest.

Staging (`b12risk.ingest.stage`) already typed every value (NULL where the text is not a valid
value, the row's texts then kept in `source_texts`). Per table, a DuckDB query
(`b12risk/ingest/sql/batch_<table>.sql`) adds source_row, `_unparsed` flags and the helper
columns of the cross-table rules, and streams the rows in Arrow batches. Each batch is
screened in one Polars pass with the model's own rule expressions
(`schemas.extract.batch_screen`); the rows that break any rule go through the table's pandera
(Polars) model, run lazily: every failure of every row in one pass (the first batch always
does, so columns and types are checked). Only (row index, rule name) pairs leave pandera; its
failure_case values are dropped unread. The failed rows go back to DuckDB
(`validation_failures`, with every rule they broke), are copied with their values into
`quarantine` and deleted from `staging_<table>`, which, stripped of `source_texts`, becomes
`<table>`: the good rows are never copied.

Order matters: patients first, since an event is loaded only when its patient is
(`event_patient_unknown`); code formats are checked once per distinct (code_system, code)
by the codes model before the event tables, which read the verdict as `code_format_ok`.

Logs carry table and rule names and counts only.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandera.polars as pa
import polars as pl
import pyarrow

from b12risk.ingest import value_shapes
from b12risk.ingest.stage import ExtractRefused, StageResult, drop_staging
from b12risk.sql import run_script, run_sql, sql_text
from schemas.codes import CODE_FORMATS, CODE_SYSTEMS
from schemas.contract import TABLE_NAMES, TABLES
from schemas.extract import batch_schema, batch_screen, codes_schema
from schemas.rules import MALFORMED_LINE, RULES_BY_NAME, rule_order, rules_for

log = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000


@contextmanager
def _timed(step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log.debug("%s took %.2f s", step, time.perf_counter() - started)


class ReconciliationError(RuntimeError):
    """Rows read != rows loaded + rows quarantined: a bug, never a property of the data."""


@dataclass
class TableValidation:
    read: int
    loaded: int
    quarantined: int
    rule_counts: dict[str, int] = field(default_factory=dict)
    malformed_lines: int = 0  # physical lines held by the malformed_line records

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "rule_counts": dict(self.rule_counts),
            "malformed_lines": self.malformed_lines,
        }


@dataclass
class ValidationResult:
    """Counts per table and rule, never values: safe to log, publish and share."""

    extract_date: date
    tables: dict[str, TableValidation]
    warnings: list[str] = field(default_factory=list)
    reconciled: bool = False
    quarantine_scrubbed: int = 0  # carried rows whose non-contract texts were dropped

    @property
    def rule_counts(self) -> dict[str, dict[str, int]]:
        return {t: dict(v.rule_counts) for t, v in self.tables.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "extract_date": self.extract_date.isoformat(),
            "tables": {t: v.to_dict() for t, v in self.tables.items()},
            "rule_counts": self.rule_counts,
            "warnings": list(self.warnings),
            "reconciled": self.reconciled,
            "quarantine_scrubbed": self.quarantine_scrubbed,
        }


def validate_extract(
    con: duckdb.DuckDBPyConnection,
    stage: StageResult,
    run_id: str,
    extract_hash: str,
    extract_date: date,
) -> ValidationResult:
    """Check every staged row against its table's rules; load the good, quarantine the bad.

    Leaves the five typed tables and this run's quarantine rows; drops every staging table.
    Raises ReconciliationError if read != loaded + quarantined for any table (a bug): the
    quarantine rows and tables are then rolled back and the staging tables kept.
    """
    run_script(con, "ingest/macros")
    read = {
        t: staged + rejected
        for t, staged, rejected in run_sql(con, "ingest/staged_counts").fetchall()
    }
    run_sql(con, "ingest/create_quarantine")
    run_sql(con, "ingest/create_failures")
    with _timed("codes"):
        check_code_formats(con)
    for table in TABLE_NAMES:
        with _timed(f"check {table}"):
            failed = check_rows(con, table, extract_date)
        log.info("checked %s: %d rows broke at least one rule", table, failed)
        if table == "patients":
            run_sql(con, "ingest/loaded_patients")
    con.execute("BEGIN TRANSACTION")  # quarantine and tables together, or not at all
    try:
        scrubbed = scrub_quarantine(con)
        _quarantine_and_finalize(con, run_id, extract_hash)
        result = _result(con, stage, read, run_id, extract_hash, extract_date)
        if scrubbed:
            result.quarantine_scrubbed = scrubbed
            result.warnings.append(SCRUBBED_WARNING)
        _reconcile(result)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    with _timed("drop staging and checkpoint"):
        drop_staging(con)
        con.execute("CHECKPOINT")
    return result


SCRUBBED_WARNING = (
    "quarantine: rows carried from earlier runs held the text of malformed lines or of columns "
    "outside the contract; they were scrubbed to their line number, shape and rule (how many: "
    "restricted/validation.json, quarantine_scrubbed)"
)


def scrub_quarantine(con: duckdb.DuckDBPyConnection) -> int:
    """Drop from the carried quarantine rows every text a column outside the contract could
    have put there (a warehouse written before issue 9.3): a malformed line's raw text becomes
    its shape (value_shapes.line_shape), a JSON object keeps only its table's contract keys.
    Returns how many rows were scrubbed. No value is logged."""
    tables = list(TABLE_NAMES)
    shape_keys = list(value_shapes.line_shape("", 1))
    allowed = [[*TABLES[t].column_names, *shape_keys] for t in tables]
    rows = run_sql(
        con, "ingest/quarantine_scrub_candidates", tables=tables, allowed=allowed
    ).fetchall()
    if not rows:
        return 0
    keys = dict(zip(tables, allowed, strict=True))
    scrubbed = [_scrubbed(raw, keys.get(table, [])) for _, table, raw in rows]
    frame = pyarrow.table({"row_id": [r[0] for r in rows], "raw_values": scrubbed})
    con.register("quarantine_scrubbed", frame)
    try:
        run_sql(con, "ingest/quarantine_scrub")
    finally:
        con.unregister("quarantine_scrubbed")
    log.info("scrubbed %d carried quarantine rows of texts outside the contract", len(rows))
    return len(rows)


def _scrubbed(raw: str, keys: list[str]) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):  # an old malformed line: its text
        return json.dumps(value_shapes.line_shape(raw, raw.count("\n") + 1))
    return json.dumps({k: v for k, v in value.items() if k in keys})


def _quarantine_and_finalize(con: duckdb.DuckDBPyConnection, run_id: str, extract_hash: str):
    """This extract's quarantine rows replaced; the checked tables become the extract tables."""
    run_sql(con, "ingest/quarantine_forget_extract", extract_hash=extract_hash)
    with _timed("quarantine"):
        run_sql(con, "ingest/quarantine_failures", run_id=run_id, extract_hash=extract_hash)
        run_sql(con, "ingest/quarantine_rejects", run_id=run_id, extract_hash=extract_hash)
    with _timed("finalize"):
        run_script(con, "ingest/finalize_tables")


def check_code_formats(con: duckdb.DuckDBPyConnection) -> int:
    """Run the codes model over the distinct (code_system, code) pairs of the event tables;
    write the failing pairs to code_format_failures. Returns how many pairs failed."""
    codes = pl.from_arrow(
        con.sql(
            sql_text("ingest/distinct_codes"), params={"code_systems": list(CODE_SYSTEMS)}
        ).to_arrow_table()
    )
    systems = [CODE_FORMATS[s].rule for s in CODE_SYSTEMS]
    failing = _failing_rows(codes_schema(), codes, systems).select("index").unique()
    frame = (
        codes.with_row_index("index")
        .with_columns(pl.col("index").cast(pl.Int64))
        .join(failing, on="index", how="semi")
        .select("code_system", "code")
    )
    con.register("code_failure_frame", frame.to_arrow())
    try:
        run_sql(con, "ingest/code_format_failures")
    finally:
        con.unregister("code_failure_frame")
    log.info("checked %d distinct codes: %d have a wrong format", codes.height, frame.height)
    return frame.height


def check_rows(con: duckdb.DuckDBPyConnection, table: str, extract_date: date) -> int:
    """Stream batch_<table> through its model; append failed rows to validation_failures."""
    schema = batch_schema(table, extract_date)
    screen = batch_screen(table, extract_date)
    names = [r.name for r in rules_for(table)]
    stream = con.cursor()  # a second connection: the stream stays open while failures are written
    try:
        reader = stream.sql(sql_text(f"ingest/batch_{table}")).to_arrow_reader(BATCH_ROWS)
        failed = _check_batches(con, table, schema, screen, names, reader)
    finally:
        stream.close()
    return failed


def _check_batches(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: pa.DataFrameSchema,
    screen: pl.Expr,
    names: list[str],
    reader: pyarrow.RecordBatchReader,
) -> int:
    """The model runs on each batch's rows that break a rule (every rule of every row is
    screened first in one pass), and before that on the first batch's columns and types (no
    rows): a reader's batches all share one Arrow schema."""
    failed = 0
    structure_checked = False
    for batch in reader:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if not structure_checked:  # before the screen, which may not run on a wrong structure
            _failing_rows(schema, frame.head(0), names)
            structure_checked = True
        frame = frame.filter(~screen)
        if frame.is_empty():
            continue
        failing = _failing_rows(schema, frame, names)
        if failing.is_empty():
            continue
        rows = _rules_per_row(failing, frame.get_column("source_row"), names)
        failed += rows.height
        _append_failures(con, table, rows)
    return failed


def _failing_rows(
    schema: pa.DataFrameSchema, frame: pl.DataFrame, names: list[str]
) -> pl.DataFrame:
    """(index, rule number in `names`) of every failed check of a row. Checks are named after
    their rules; pandera's failure_case values are dropped unread."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.select("index", "check")
        del exc
        structural = cases.filter(pl.col("index").is_null() | ~pl.col("check").is_in(names))
        if structural.height:
            checks = sorted(set(structural.get_column("check").cast(pl.String).to_list()))
            raise RuntimeError(
                f"validation batch does not match the model {schema.name}: {checks}"
            ) from None
        numbers = pl.DataFrame({"check": names, "rule": range(len(names))})
        return cases.join(numbers, on="check").select(
            pl.col("index").cast(pl.Int64), pl.col("rule").cast(pl.Int64)
        )
    return pl.DataFrame(schema={"index": pl.Int64, "rule": pl.Int64})


def _rules_per_row(failing: pl.DataFrame, source_rows: pl.Series, names: list[str]) -> pl.DataFrame:
    """One row per failed source_row with the list of its rules in registry order."""
    failing = failing.unique().sort("index", "rule")
    per_row = (
        failing.with_columns(name=pl.Series(names).gather(failing.get_column("rule")))
        .group_by("index", maintain_order=True)
        .agg(pl.col("name"))
    )
    return pl.DataFrame(
        {
            "source_row": source_rows.gather(per_row.get_column("index")),
            "rules": per_row.get_column("name"),
        }
    )


def _append_failures(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    con.register("failure_frame", rows.to_arrow())
    try:
        run_sql(con, "ingest/append_failures", source_table=table)
    finally:
        con.unregister("failure_frame")


def _result(
    con: duckdb.DuckDBPyConnection,
    stage: StageResult,
    read: dict[str, int],
    run_id: str,
    extract_hash: str,
    extract_date: date,
) -> ValidationResult:
    """Counts after the split: read (as staged), loaded (tables), quarantined (this run)."""
    loaded = dict(run_sql(con, "ingest/table_counts").fetchall())
    quarantined: dict[str, int] = {}
    rule_counts: dict[str, dict[str, int]] = {t: {} for t in TABLE_NAMES}
    for table, rule, n in run_sql(
        con, "ingest/quarantine_counts", run_id=run_id, extract_hash=extract_hash
    ).fetchall():
        if rule is None:
            quarantined[table] = n
        else:
            rule_counts[table][rule] = n
    tables = {}
    for table in TABLE_NAMES:
        staged = stage.tables.get(table)
        tables[table] = TableValidation(
            read=read[table],
            loaded=loaded[table],
            quarantined=quarantined.get(table, 0),
            rule_counts=dict(sorted(rule_counts[table].items(), key=lambda kv: rule_order(kv[0]))),
            malformed_lines=staged.rejected_lines if staged else 0,
        )
    for table, v in tables.items():
        log.info(
            "validated %s: read %d, loaded %d, quarantined %d",
            table,
            v.read,
            v.loaded,
            v.quarantined,
        )
    return ValidationResult(extract_date, tables, list(stage.warnings))


def _reconcile(result: ValidationResult) -> None:
    broken = [t for t, v in result.tables.items() if v.read != v.loaded + v.quarantined]
    if broken:
        raise ReconciliationError(f"read != loaded + quarantined for {', '.join(broken)}")
    result.reconciled = True


# ---------------------------------------------------------------- quarantined shares

HINT_SAMPLE_ROWS = 1000


def judge_quarantine(
    con: duckdb.DuckDBPyConnection,
    result: ValidationResult,
    stage: StageResult,
    run_id: str,
    max_share: dict[str, float],
    min_rows: int,
) -> list[str]:
    """A table of at least `min_rows` rows with more than `max_share[table]` of them
    quarantined refuses the extract (ExtractRefused, one line naming the file, the rule
    broken most often and, when the texts have a recognisable other shape, what they look
    like); any lower share that is not zero becomes a warning, returned and added to
    `result.warnings`. Shares and rule names only: never a count of people, never a value."""
    warnings = []
    for table in TABLE_NAMES:
        counts = result.tables[table]
        if counts.read == 0 or counts.quarantined == 0:
            continue
        share = counts.quarantined / counts.read
        file = stage.tables[table].file if table in stage.tables else table
        rule = most_frequent_rule(counts.rule_counts)
        if share > max_share[table] and counts.read >= min_rows:
            hint = quarantine_hint(con, run_id, table, rule)
            raise ExtractRefused(
                file,
                None,
                f"has {share_text(share)} of its rows quarantined (more than "
                f"{share_text(max_share[table])}: [validation] max_quarantined_share), most "
                f"often for rule {rule}" + (f"; {hint}" if hint else ""),
            )
        warnings.append(
            f"{file}: {share_text(share)} of its rows quarantined, most often for rule "
            f"{rule} (see the quarantine table)"
        )
    result.warnings.extend(warnings)
    return warnings


def most_frequent_rule(rule_counts: dict[str, int]) -> str:
    """The rule broken by most rows (the earlier rule in the registry on a tie)."""
    return min(rule_counts, key=lambda rule: (-rule_counts[rule], rule_order(rule)))


def share_text(share: float) -> str:
    """A share as a percentage, rounded down (so 99.97% never reads as 100%)."""
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{math.floor(share * 1000) / 10:g}%"


def quarantine_hint(con: duckdb.DuckDBPyConnection, run_id: str, table: str, rule: str) -> str:
    """What the quarantined texts of `rule` look like instead, if most share a shape."""
    if rule == "event_patient_unknown":
        return "most of its patients are not among the patients loaded from the patients file"
    column = None if rule == MALFORMED_LINE else RULES_BY_NAME[rule].column_for(table)
    texts = [
        row[0]
        for row in run_sql(
            con,
            "ingest/quarantined_texts",
            run_id=run_id,
            source_table=table,
            rule=rule,
            json_path=None if column is None else f"$.{column}",
            sample_rows=HINT_SAMPLE_ROWS,
        ).fetchall()
    ]
    if column is None:  # malformed lines: their shapes, not their texts (stage.malformed_record)
        shapes = [json.loads(t) for t in texts]
        shape = value_shapes.delimiter_shape(shapes, len(TABLES[table].required_columns))
        return f"the file looks {shape}-separated" if shape else ""
    sql_type = TABLES[table].column(column).sql_type
    if sql_type == "DATE":
        shape = value_shapes.date_shape(texts)
    elif sql_type in ("DOUBLE", "INTEGER"):
        shape = value_shapes.number_shape(texts)
    else:
        shape = None
    return f"{column} looks like {shape}" if shape else ""
