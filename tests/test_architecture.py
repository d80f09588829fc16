"""The project's structural rules, checked so that they cannot quietly erode."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from b12risk.config import DEFAULT_CODELISTS, load_config
from b12risk.sqlfiles import split_statements, sql_text, used_parameters

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "b12risk").rglob("*.py")), ids=str)
def test_the_library_never_imports_prefect(path):
    assert "prefect" not in imported_modules(path)


def test_every_configured_cohort_has_its_sql_file_and_codelists():
    config = load_config()
    for cohort in config.cohorts:
        assert sql_text(f"cohorts/{cohort.sql}").strip(), cohort.name
        assert cohort.citation.strip(), cohort.name
        for concept in cohort.codelists:
            assert (DEFAULT_CODELISTS / f"{concept}.csv").is_file(), (cohort.name, concept)


SQL_WORDS = ("SELECT ", "INSERT ", "CREATE ", "UPDATE ", "DELETE ", " WHERE ")


@pytest.mark.parametrize("path", sorted((ROOT / "b12risk").rglob("*.py")), ids=str)
def test_the_library_never_formats_sql_text(path):
    """SQL lives in .sql files with named parameters: no f-string builds a statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(
                part.value for part in node.values if isinstance(part, ast.Constant)
            ).upper()
            assert not any(word in literal for word in SQL_WORDS), f"{path}:{node.lineno}"


def test_statements_split_on_line_ending_semicolons():
    text = "-- a comment\nSELECT 1;\nSELECT ';' AS x\nFROM t;\n-- trailing comment\n"
    assert split_statements(text) == ["-- a comment\nSELECT 1;", "SELECT ';' AS x\nFROM t;"]


def test_only_named_parameters_a_statement_uses_are_bound():
    assert used_parameters("SELECT $as_of, $min_age", {"as_of": 1, "min_age": 2, "x": 3}) == {
        "as_of": 1,
        "min_age": 2,
    }
    assert used_parameters("SELECT $concepts", {"concept": 1, "concepts": 2}) == {"concepts": 2}
