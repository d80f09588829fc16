"""Readable table literals for the cohort tests.

    table('''
        patient_id | code_system | code    | issued_on | days_supply
        p1         | ATC         | A10BA02 | D-1094    | 1095
        p2         | ATC         | A10BA02 | D-10      |
    ''', as_of=D)

Cells are stripped; an empty cell is NULL; `D`, `D-180`, `D+1` are dates relative to as_of.
`load(con, as_of, prescriptions=...)` creates the five extract tables and the codelist table
(the small CODELIST below unless given) with their typed columns; without a patients table,
everyone named in the other tables is a registered adult born in January 1970.
`flagged(con, cohort, columns, as_of)` reads cohort_membership back as strings, dates again
relative to as_of, so expectations are table literals too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from b12risk.codelists.load import normalise_code
from schemas.contract import TABLES

# The extract contract's typed columns, plus the codelist table the codelists stage builds.
EXTRACT_COLUMNS: dict[str, dict[str, str]] = {
    **{name: {c.name: c.sql_type for c in spec.columns} for name, spec in TABLES.items()},
    "codelist": dict.fromkeys(
        "concept code_system code code_norm match subtype description version".split(), "VARCHAR"
    ),
}

MEMBERSHIP_COLUMNS = [
    "patient_id",
    "cohort",
    "rule",
    "evidence_code_system",
    "evidence_code",
    "evidence_date",
    "era_start",
    "era_end",
    "era_days",
    "era_prescriptions",
    "run_id",
]

# A small literal codelist with every concept the default cohorts name.
CODELIST = """
    concept                  | code_system | code      | match  | subtype
    vegan_diet               | SNOMED      | 234360003 | exact  |
    gastric_surgery          | OPCS4       | G28       | prefix |
    gastric_surgery          | ICD10       | Z90.3     | exact  |
    metformin                | ATC         | A10BA02   | exact  |
    acid_suppressants        | ATC         | A02BC     | prefix | ppi
    acid_suppressants        | ATC         | A02BA     | prefix | h2ra
    malabsorption_conditions | ICD10       | K50       | prefix |
    malabsorption_conditions | ICD10       | K90.0     | exact  |
    autoimmune_conditions    | SNOMED      | 46635009  | exact  |
    other_risk_medicines     | ATC         | M04AC01   | exact  |
    other_risk_medicines     | ATC         | N03AX11   | exact  |
    nitrous_oxide            | ATC         | N01AX13   | exact  |
    nitrous_oxide            | ICD10CM     | F18.1     | prefix |
"""

_RELATIVE = re.compile(r"D(?:([+-])(\d+))?")


def table(text: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """Rows of a `|`-separated table literal (header first; `---` lines are skipped)."""
    lines = [line.strip().strip("|") for line in text.strip().splitlines() if line.strip()]
    header = [cell.strip() for cell in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        if set(line) <= set("-|+ "):
            continue
        cells = [cell.strip() for cell in line.split("|")]
        cells += [""] * (len(header) - len(cells))
        rows.append({h: _value(c, as_of) for h, c in zip(header, cells, strict=True)})
    return rows


def _value(cell: str, as_of: date | None) -> Any:
    if cell == "":
        return None
    match = _RELATIVE.fullmatch(cell)
    if match and as_of is not None:
        sign, days = match.groups()
        offset = int(days or 0) * (-1 if sign == "-" else 1)
        return as_of + timedelta(days=offset)
    return cell


def relative(day: date, as_of: date) -> str:
    """`D-180` for a date 180 days before as_of (for readable assertion messages)."""
    offset = (day - as_of).days
    return "D" if offset == 0 else f"D{offset:+d}"


def load(con: duckdb.DuckDBPyConnection, as_of: date | None = None, **tables: Any) -> None:
    """Create every extract table and `codelist` (the default literal codelist unless given),
    each filled from a table literal (str) or a list of row dicts."""
    tables.setdefault("codelist", CODELIST)
    tables = {k: table(v, as_of) if isinstance(v, str) else v for k, v in tables.items()}
    if "patients" not in tables:
        tables["patients"] = default_patients(tables)
    for name, columns in EXTRACT_COLUMNS.items():
        ddl = ", ".join(f"{column} {kind}" for column, kind in columns.items())
        con.execute(f"CREATE OR REPLACE TABLE {name} ({ddl})")
        rows = tables.get(name) or []
        if name == "codelist":
            rows = [
                {**row, "code_norm": normalise_code(row["code_system"], row["code"])}
                for row in rows
            ]
        insert_rows(con, name, rows)


def default_patients(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    ids = sorted(
        {row["patient_id"] for name, rows in tables.items() if name != "codelist" for row in rows}
    )
    return [{"patient_id": i, "year_of_birth": 1970, "month_of_birth": 1} for i in ids]


def flagged(
    con: duckdb.DuckDBPyConnection, cohort: str, columns: str, as_of: date
) -> list[dict[str, Any]]:
    """The cohort's members, `columns` (comma-separated) as strings, dates relative to as_of."""
    names = [c.strip() for c in columns.split(",")]
    rel = con.table("cohort_membership").filter(duckdb.ColumnExpression("cohort") == cohort)
    rows = rel.order("patient_id").select(*names).fetchall()
    return [{n: _text(v, as_of) for n, v in zip(names, row, strict=True)} for row in rows]


def _text(value: Any, as_of: date) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return relative(value, as_of)
    return str(value)


def insert_rows(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows (missing columns NULL); values go in as text and DuckDB casts them to the
    column types."""
    if not rows:
        return
    columns = list(EXTRACT_COLUMNS[name])
    text = {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in columns}
    schema = pa.schema([(c, pa.string()) for c in columns])
    con.from_arrow(pa.Table.from_pydict(text, schema=schema)).insert_into(name)
