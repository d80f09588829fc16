"""Load the project's SQL from `b12risk/sql/` and run it with named parameters.

SQL lives in `.sql` files, one concern each; values are always bound as DuckDB named
parameters (`$as_of`), never pasted into the text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import duckdb


@cache
def sql_text(name: str) -> str:
    """Return the text of `b12risk/sql/<name>.sql` (e.g. ``"cohorts/population"``)."""
    path = resources.files("b12risk").joinpath("sql", f"{name}.sql")
    return path.read_text(encoding="utf-8")


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
