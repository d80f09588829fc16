"""One dialect of table literals for every spec test, typed from the published declarations.

    parse_table('''
        patient_id | code_system | code    | issued_on | days_supply
        p1         | ATC         | A10BA02 | D-1094    | 1095
        p2         | ATC         | A10BA02 | D-10      |
    ''', "prescriptions", as_of=D)

The literal is `|`-separated, header first; rule lines (`---`, or `---|---`) are skipped,
and every row has as many cells as the header. Cells are stripped; an empty cell is
NULL; a cell in double quotes keeps its spaces (`" pmol/L "`, and `""` is the empty string).
Each cell is read as the declared type of its column in the named table (schemas/contract.py
for the five extract tables, schemas/outputs.py for the warehouse tables):

    INTEGER, BIGINT  int          DATE       `D`, `D-180`, `D+1` (relative to as_of) or ISO
    DOUBLE           float        TIMESTAMP  ISO (`2026-01-02 00:05`)
    BOOLEAN          true, false  VARCHAR[]  comma-separated (`older_adults, vegan_diet`)
    VARCHAR          the text     MAP(VARCHAR, VARCHAR)  `key=value, key=value`

A header that is not a column of the table is an error naming it, unless the caller declares
it as a test-only column (`extra={"event": "VARCHAR"}`). Without a table, the columns are
`extra`, or, with no `extra` either, any header and every cell text.

`create_table` creates a declared table from its declaration (`create_statement`) and fills it
with typed rows; `table_rows` reads a table back as typed rows to compare with a literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from schemas.contract import TABLES
from schemas.outputs import OUTPUT_TABLES, create_statement

Row = dict[str, Any]

# Every declared table's columns and their types, in declared order.
DECLARED: dict[str, dict[str, str]] = {
    **{name: {c.name: c.sql_type for c in spec.columns} for name, spec in TABLES.items()},
    **{name: {c.name: c.sql_type for c in spec.columns} for name, spec in OUTPUT_TABLES.items()},
}

ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
    "MAP(VARCHAR, VARCHAR)": pa.map_(pa.string(), pa.string()),
}

_RELATIVE = re.compile(r"D(?:([+-])(\d+))?")
_RULE = re.compile(r"[|+: ]*-{3}[-|+: ]*")


class TableLiteralError(ValueError):
    """A table literal that does not fit its table (names the column or the line)."""


def parse_table(
    text: str,
    table: str | None = None,
    *,
    as_of: date | None = None,
    extra: Mapping[str, str] | None = None,
) -> list[Row]:
    """The rows of a table literal, each cell read as its column's declared type."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return []
    header = [cell.strip() for cell in lines[0].split("|")]
    types = column_types(table, header, extra)
    rows = []
    for line in lines[1:]:
        if _RULE.fullmatch(line):
            continue
        cells = line.split("|")
        if len(cells) != len(header):
            raise TableLiteralError(
                f"{table or 'table literal'}: {len(cells)} cells but {len(header)} columns "
                f"in the line {line!r}"
            )
        rows.append(
            {
                column: read_cell(cell, types.get(column), as_of, column)
                for column, cell in zip(header, cells, strict=True)
            }
        )
    return rows


def column_types(
    table: str | None, header: Sequence[str], extra: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The type of each header column (None: untyped text); unknown columns are an error."""
    if len(set(header)) != len(header):
        raise TableLiteralError(f"{table or 'table literal'}: a column is named twice: {header}")
    if table is None and extra is None:
        return dict.fromkeys(header)
    if table is not None and table not in DECLARED:
        raise TableLiteralError(f"{table!r} is not a declared table")
    known = {**(DECLARED[table] if table else {}), **(extra or {})}
    unknown = [column for column in header if column not in known]
    if unknown:
        where = f"a column of {table}" if table else "a declared column"
        raise TableLiteralError(f"{', '.join(unknown)}: not {where} (columns: {', '.join(known)})")
    return {column: known[column] for column in header}


def read_cell(cell: str, sql_type: str | None, as_of: date | None = None, column: str = "") -> Any:
    """One cell of a literal as a value of `sql_type` (None: the text)."""
    cell = cell.strip()
    if cell == "":
        return None
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1]
        if sql_type in (None, "VARCHAR"):
            return cell
    try:
        return _typed(cell, sql_type, as_of)
    except ValueError as error:
        raise TableLiteralError(f"{column}: {cell!r} is not a {sql_type} ({error})") from None


def _typed(cell: str, sql_type: str | None, as_of: date | None) -> Any:
    if sql_type in (None, "VARCHAR"):
        return cell
    if sql_type in ("INTEGER", "BIGINT"):
        return int(cell)
    if sql_type == "DOUBLE":
        return float(cell)
    if sql_type == "BOOLEAN":
        if cell.lower() not in ("true", "false"):
            raise ValueError("write true or false")
        return cell.lower() == "true"
    if sql_type == "DATE":
        return read_date(cell, as_of)
    if sql_type == "TIMESTAMP":
        return datetime.fromisoformat(cell)
    if sql_type == "VARCHAR[]":
        return [item.strip() for item in cell.split(",") if item.strip()]
    if sql_type == "MAP(VARCHAR, VARCHAR)":
        pairs = [item.split("=", 1) for item in cell.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("write key=value, key=value")
        return {key.strip(): value.strip() for key, value in pairs}
    raise ValueError(f"no literal form for the type {sql_type}")


def read_date(cell: str, as_of: date | None) -> date:
    """`D`, `D-180` or `D+1` relative to as_of, or an ISO date."""
    match = _RELATIVE.fullmatch(cell)
    if match is None:
        return date.fromisoformat(cell)
    if as_of is None:
        raise ValueError("a relative date needs as_of")
    sign, days = match.groups()
    return as_of + timedelta(days=int(days or 0) * (-1 if sign == "-" else 1))


def relative(day: date, as_of: date) -> str:
    """`D-180` for a date 180 days before as_of (for readable assertion messages)."""
    offset = (day - as_of).days
    return "D" if offset == 0 else f"D{offset:+d}"


def create_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: str | Iterable[Mapping[str, Any]] = (),
    *,
    as_of: date | None = None,
) -> None:
    """Create (or replace) a declared table from its declaration and insert rows: a table
    literal, or dicts of typed values (missing columns are NULL)."""
    con.execute(create_statement(table, replace=True))
    insert_rows(
        con, table, parse_table(rows, table, as_of=as_of) if isinstance(rows, str) else rows
    )


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Append dicts of typed values to a declared table (missing columns are NULL)."""
    rows = list(rows)
    if not rows:
        return
    types = DECLARED[table]
    unknown = sorted({column for row in rows for column in row} - set(types))
    if unknown:
        raise TableLiteralError(f"{', '.join(unknown)}: not a column of {table}")
    columns = {
        column: pa.array([row.get(column) for row in rows], type=ARROW_TYPES[sql_type])
        for column, sql_type in types.items()
    }
    con.from_arrow(pa.table(columns)).insert_into(table)


def table_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: str | Sequence[str] | None = None,
    *,
    where: Mapping[str, Any] | None = None,
    order_by: str | Sequence[str] | None = "patient_id",
) -> list[Row]:
    """Rows of a table as dicts of typed values (the types DuckDB gives back are the ones the
    literal's cells are read as), `columns` (comma-separated or a list) only, ordered."""
    relation = con.table(table)
    for column, value in (where or {}).items():
        relation = relation.filter(
            duckdb.ColumnExpression(column) == duckdb.ConstantExpression(value)
        )
    if order_by:
        relation = relation.order(order_by if isinstance(order_by, str) else ", ".join(order_by))
    names = _names(columns) if columns is not None else relation.columns
    relation = relation.select(*names)
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _names(columns: str | Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        return [c.strip() for c in columns.split(",")]
    return list(columns)
