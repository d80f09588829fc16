"""Headers name the contract's columns the same way in CSV and Parquet (any case, spaces
trimmed), and a column outside the contract is ignored with a warning whatever its name: the
loader's own names live where no header can reach them."""

from __future__ import annotations

import pytest

from schemas.contract import TABLES
from tests.ingest.extracts import ingest, valid_tables, write_extract, write_table

FORMATS = ["csv", "csv.gz", "parquet"]


def spelled(table: str, spelling) -> tuple[list[str], list[dict[str, str]]]:
    """The table's valid rows under header names respelled by `spelling`."""
    columns = [spelling(c) for c in TABLES[table].column_names]
    rows = [
        {spelling(c): v for c, v in row.items() if c in TABLES[table].column_names}
        for row in valid_tables()[table]
    ]
    return columns, rows


# (header spelling): each must load as the contract's own names do
SPELLINGS = [
    ("upper case", str.upper),
    ("title case", str.title),
    ("mixed case", lambda c: "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(c))),
    ("spaces around", lambda c: f"  {c} "),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("what", "spelling"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_headers_match_the_contract_in_every_format(con, tmp_path, fmt, what, spelling):
    folder = write_extract(tmp_path, fmt=fmt)
    for table in TABLES:
        columns, rows = spelled(table, spelling)
        (folder / f"{table}.{fmt}").unlink()
        write_table(folder, table, rows, fmt=fmt, columns=columns)
    result = ingest(con, folder)
    assert result.reconciled
    assert all(result.tables[t].quarantined == 0 for t in TABLES), result.rule_counts
    assert result.tables["patients"].loaded == 2
    names = [r[0] for r in con.execute("DESCRIBE patients").fetchall()]
    assert names == list(TABLES["patients"].column_names)


# Names the staging SQL computes or the loader once reserved: a file's extra column of one of
# these names is ignored like any other (it once shadowed the computed column: exit 1).
INTERNAL_NAMES = [
    ("patients", "year_of_birth_typed"),
    ("patients", "year_of_birth_cast"),
    ("patients", "died_on_typed"),
    ("patients", "source_texts"),
    ("lab_results", "value_typed"),
    ("lab_results", "value_cast"),
    ("prescriptions", "daily_dose_mg_cast"),
    ("diagnoses", "source_row"),
    ("diagnoses", "file_row_number"),
    ("procedures", "rowid"),
    ("procedures", "extra column 5"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("table", "extra"), INTERNAL_NAMES)
def test_an_extra_column_is_ignored_whatever_its_name(con, tmp_path, fmt, table, extra):
    folder = write_extract(tmp_path, fmt=fmt)
    rows = [dict(r, **{extra: "SECRET-VALUE"}) for r in valid_tables()[table]]
    (folder / f"{table}.{fmt}").unlink()
    write_table(folder, table, rows, fmt=fmt, columns=[*TABLES[table].column_names, extra])
    result = ingest(con, folder)
    assert result.reconciled and result.tables[table].quarantined == 0
    assert any(extra in w and "ignored" in w for w in result.warnings)
    assert not any("SECRET-VALUE" in w for w in result.warnings)
    columns = {
        (t, c)
        for t, c in con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall()
    }
    assert {c for t, c in columns if t in TABLES} == {
        c for t in TABLES for c in TABLES[t].column_names
    }
