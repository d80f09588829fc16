"""The cohort tests' inputs and read-back, in the common table-literal dialect (tests/tables.py).

`load(con, as_of, prescriptions=...)` creates the five extract tables and the codelist table
(the small CODELIST below unless given) from their declarations, each filled from a table
literal (typed from the table's declared columns, dates relative to as_of) or a list of row
dicts; without a patients table, everyone named in the other tables is a registered adult born
in January 1970. `flagged(con, cohort, columns)` reads a cohort's members back as typed rows,
to compare with `members(literal, as_of)`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from b12risk.codelists.load import normalise_code
from schemas.contract import TABLES
from tests.tables import Row, create_table, parse_table, table_rows

# The published columns of cohort_membership, in order (a change to them shows here).
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


def load(con: duckdb.DuckDBPyConnection, as_of: date | None = None, **tables: Any) -> None:
    """Create every extract table and `codelist` (the default literal codelist unless given),
    each filled from a table literal (str) or a list of row dicts."""
    tables.setdefault("codelist", CODELIST)
    rows = {
        name: parse_table(given, name, as_of=as_of) if isinstance(given, str) else given
        for name, given in tables.items()
    }
    if "patients" not in rows:
        rows["patients"] = default_patients(rows)
    rows["codelist"] = [
        {**row, "code_norm": normalise_code(row["code_system"], row["code"])}
        for row in rows["codelist"]
    ]
    for name in (*TABLES, "codelist"):
        create_table(con, name, rows.get(name) or [])


def default_patients(tables: dict[str, list[Row]]) -> list[Row]:
    ids = sorted(
        {row["patient_id"] for name, rows in tables.items() if name != "codelist" for row in rows}
    )
    return [{"patient_id": i, "year_of_birth": 1970, "month_of_birth": 1} for i in ids]


def flagged(con: duckdb.DuckDBPyConnection, cohort: str, columns: str) -> list[Row]:
    """The cohort's members (by patient_id), `columns` (comma-separated) as typed values."""
    return table_rows(con, "cohort_membership", columns, where={"cohort": cohort})


def members(text: str, as_of: date) -> list[Row]:
    """Expected cohort_membership rows, written as a table literal."""
    return parse_table(text, "cohort_membership", as_of=as_of)
