"""The floor: a bare DuckDB process loading the extract's five CSV files with declared types."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from schemas.contract import TABLES

# The declared types are the contract's warehouse types: the floor loads what we load.
TYPES = {t.name: {c.name: c.sql_type for c in t.columns} for t in TABLES.values()}


def main(extract: str) -> None:
    folder = Path(extract)
    con = duckdb.connect(str(folder.parent / "floor.duckdb"))
    con.execute("SET preserve_insertion_order = false")
    for table, columns in TYPES.items():
        path = next(folder.glob(f"{table}.csv*"))
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv($path, header=true, "  # noqa: S608 - identifiers from the constant above
            "auto_detect=false, columns=$columns, delim=',', quote='\"')",
            {"path": str(path), "columns": columns},
        )
    con.close()
    (folder.parent / "floor.duckdb").unlink()


if __name__ == "__main__":
    main(sys.argv[1])
