"""Load the library's SQL and run it with named parameters.

SQL lives in `.sql` files beside the Python of its stage, one concern each: the name
``"cohorts/engine/population"`` is the file `b12risk/cohorts/sql/engine/population.sql` (the first
part names the stage package, the rest the file under its `sql/` folder). Values are always
bound as DuckDB named parameters (`$as_of`), never pasted into the text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import duckdb

from schemas.outputs import create_statement


@cache
def sql_text(name: str) -> str:
    """Return the text of SQL file `name` (e.g. ``"cohorts/engine/population"``)."""
    return sql_path(name).read_text(encoding="utf-8")


def sql_path(name: str):
    """Where SQL file `name` lives: `b12risk/<stage>/sql/<rest>.sql`."""
    stage, _, rest = name.partition("/")
    if not stage or not rest:
        raise FileNotFoundError(f"SQL name {name!r} is not <stage>/<file>")
    return resources.files("b12risk").joinpath(stage, "sql", f"{rest}.sql")


def numbered_sql(stage: str) -> tuple[str, ...]:
    """The names of a stage's numbered SQL files (`sql/01_scope.sql`, ...), in run order."""
    folder = resources.files("b12risk").joinpath(stage, "sql")
    files = sorted(f.name for f in folder.iterdir() if _NUMBERED.fullmatch(f.name))
    return tuple(f"{stage}/{name.removesuffix('.sql')}" for name in files)


_NUMBERED = re.compile(r"\d{2}_[a-z0-9_]+\.sql")


def used_parameters(text: str, params: dict[str, Any]) -> dict[str, Any]:
    """Keep only the parameters a statement names (whole names): DuckDB refuses unused ones."""
    named = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))
    return {k: v for k, v in params.items() if k in named}


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> duckdb.DuckDBPyConnection:
    """Execute one SQL file with named parameters; returns the connection (fetch from it)."""
    text = sql_text(name)
    return con.execute(text, used_parameters(text, params))


def run_script(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Execute a SQL file holding several statements separated by `;` lines."""
    for statement in split_statements(sql_text(name)):
        con.execute(statement, used_parameters(statement, params))


def split_statements(text: str) -> list[str]:
    """Split on semicolons that end a line (our SQL files never put `;` inside strings there)."""
    parts, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current))
            current = []
    tail = "\n".join(current).strip()
    if tail and not all(ln.strip().startswith("--") for ln in tail.splitlines()):
        parts.append(tail)
    return [p for p in parts if _has_code(p)]


def _has_code(statement: str) -> bool:
    return any(ln.strip() and not ln.strip().startswith("--") for ln in statement.splitlines())


def create_table(con: duckdb.DuckDBPyConnection, table: str, *, replace: bool = False) -> None:
    """Create a declared table (schemas.outputs or the extract contract), empty; `replace`
    drops an earlier one, else an existing table is kept as it is."""
    con.execute(create_statement(table, replace=replace))
