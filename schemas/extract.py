"""Pandera (Polars) models of the extract: one per table over its validation batch, one over
the distinct codes, and one per warehouse table as loaded.

- `batch_schema(table, extract_date)`: the model `b12risk.ingest.validate` runs (lazily) on each
  batch streamed from DuckDB: typed columns, `<column>_unparsed` flags and helper columns
  (see `schemas.rules`), one named check per rule of the table. Columns are nullable at the
  pandera level on purpose: "required" is a rule of ours (`<column>_required`) with a stable
  name, not pandera's anonymous `not_nullable`.
- `codes_schema()`: the distinct (code_system, code) pairs of the event tables, one check per
  code system (`code_format_<system>`). Formats are checked once per distinct pair: a code
  repeated 10 million times is checked once; the row model reads the answer as
  `code_format_ok`.
- `warehouse_schema(table)`: the typed table as loaded (exactly the contract's columns).
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from schemas.codes import CODE_FORMATS, CODE_SYSTEMS, code_format_expr
from schemas.contract import TABLES
from schemas.rules import RuleContext, rules_for

POLARS_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "VARCHAR": pl.String,
    "INTEGER": pl.Int32,
    "DATE": pl.Date,
    "DOUBLE": pl.Float64,
    "BIGINT": pl.Int64,
    "BOOLEAN": pl.Boolean,
    "TIMESTAMP": pl.Datetime("us"),
}

_HELPERS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "patients": (
        ("patient_id_count", "BIGINT", "Rows of the patients file with this patient_id."),
    ),
    "events": (
        ("patient_known", "BOOLEAN", "The patient_id is a patient loaded from this extract."),
        ("patient_year_of_birth", "INTEGER", "The loaded patient's year of birth."),
        ("code_format_ok", "BOOLEAN", "The code has the format of its code_system."),
    ),
}


def batch_columns(table: str) -> dict[str, tuple[str, str]]:
    """Column -> (DuckDB type, description) of a validation batch, in the order of
    `b12risk/ingest/sql/batch_<table>.sql`: contract columns, source_row, flags, helpers."""
    spec = TABLES[table]
    columns = {c.name: (c.sql_type, c.description) for c in spec.columns}
    columns["source_row"] = ("BIGINT", "1-based data row of the file.")
    for c in spec.columns:
        if c.sql_type != "VARCHAR":
            columns[f"{c.name}_unparsed"] = ("BOOLEAN", f"{c.name} had a value that is not valid.")
    for name, sql_type, description in _HELPERS["patients" if table == "patients" else "events"]:
        columns[name] = (sql_type, description)
    return columns


def _named_check(name: str, description: str, expr: pl.Expr) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.alias("passes"))

    return pa.Check(check, name=name, description=description)


def batch_schema(table: str, extract_date: date) -> pa.DataFrameSchema:
    """The rules of `table` over one validation batch, each a check named after its rule on
    the column it is about (it may read others: flags, helpers). Column-level checks keep
    pandera's failure cases small (one value, not the whole row): ~3x faster with failures."""
    context = RuleContext(extract_date=extract_date)
    checks: dict[str, list[pa.Check]] = {}
    for rule in rules_for(table):
        check = _named_check(rule.name, rule.description, rule.expr(table, context))
        checks.setdefault(rule.column_for(table), []).append(check)
    columns = {
        name: pa.Column(
            POLARS_TYPES[sql_type],
            nullable=True,
            description=description,
            checks=checks.get(name, []),
        )
        for name, (sql_type, description) in batch_columns(table).items()
    }
    return pa.DataFrameSchema(
        columns,
        name=f"{table}_batch",
        description=TABLES[table].description,
        strict=True,
        ordered=True,
    )


def batch_screen(table: str, extract_date: date) -> pl.Expr:
    """True where a row passes every check of `batch_schema(table, extract_date)`: the same
    rule expressions (never null) in one Polars pass, less those a rule of the table implies
    (`Rule.implied_by`). Validation runs the model only on the rows this rejects (and on the
    batch's structure), so the model stays the one that names the failures while clean rows
    cost one vectorised pass instead of one per check."""
    context = RuleContext(extract_date=extract_date)
    rules = rules_for(table)
    names = {rule.name for rule in rules}
    return pl.all_horizontal(
        [rule.expr(table, context) for rule in rules if rule.implied_by not in names]
    )


def codes_schema() -> pa.DataFrameSchema:
    """Distinct (code_system, code) pairs of supported systems, one check per system."""
    checks = [
        _named_check(
            CODE_FORMATS[system].rule,
            CODE_FORMATS[system].description,
            (pl.col("code_system") != system) | code_format_expr(system, pl.col("code")),
        )
        for system in CODE_SYSTEMS
    ]
    return pa.DataFrameSchema(
        {
            "code_system": pa.Column(pl.String, nullable=False, description="A code system."),
            "code": pa.Column(
                pl.String, nullable=False, description="A code of that system.", checks=checks
            ),
        },
        name="codes",
        strict=True,
    )


def warehouse_schema(table: str) -> pa.DataFrameSchema:
    """The typed warehouse table: exactly the contract's columns with their descriptions."""
    spec = TABLES[table]
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                POLARS_TYPES[c.sql_type], nullable=not c.required, description=c.description
            )
            for c in spec.columns
        },
        name=table,
        description=spec.description,
        strict=True,
        ordered=True,
    )
