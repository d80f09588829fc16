"""The project's structural rules, checked so that they cannot quietly erode."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from b12risk.config import DEFAULT_CODELISTS, load_config
from b12risk.sql import split_statements, sql_text, used_parameters

ROOT = Path(__file__).resolve().parent.parent


# Who may import whom. A package may import from the layers below it and from itself, never
# from its own layer or above: schemas (the contracts) <- the library's kernel <- its stages
# <- run <- flows. So there are no cycles. Third-party packages are free, except those a layer
# must never import.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("schemas",),
    ("b12risk",),  # the kernel: b12risk/__init__, config, sql, runinfo
    ("b12risk.codelists", "b12risk.ingest", "b12risk.adapters", "b12risk.synthetic"),
    ("b12risk.cohorts",),
    ("b12risk.status",),
    ("b12risk.report",),
    ("b12risk.run",),
    ("flows",),
)
FORBIDDEN = {"schemas": {"prefect", "prefect_dask", "dask"}, "b12risk": {"prefect", "prefect_dask"}}
FIRST_PARTY = ("schemas", "b12risk", "flows")


def component(module: str) -> str:
    """The layer component of a dotted module name: b12risk.cohorts.flag -> b12risk.cohorts."""
    parts = module.split(".")
    if parts[0] == "b12risk" and len(parts) > 1 and (ROOT / "b12risk" / parts[1]).is_dir():
        return f"b12risk.{parts[1]}"
    return parts[0]


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports, inside functions too (`from a import b`: a)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "b12risk":  # `from b12risk import x`: x may be a stage
                names.update(f"b12risk.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def layer_of(comp: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if comp in layer)


def dependency_violations(files: list[Path]) -> list[str]:
    """`module imports name (why)` for every import the layers forbid."""
    found = []
    for path in files:
        module = module_name(path)
        source = component(module)
        for name in sorted(imported_modules(path)):
            top = name.split(".")[0]
            if top in FORBIDDEN.get(source.split(".")[0], set()):
                found.append(f"{module} imports {name}")
            if top not in FIRST_PARTY or component(name) == source:
                continue
            if layer_of(component(name)) >= layer_of(source):
                found.append(f"{module} imports {name} ({component(name)} is not below {source})")
    return found


PACKAGE_FILES = sorted(p for d in FIRST_PARTY for p in (ROOT / d).rglob("*.py"))


def test_every_package_has_a_layer():
    known = {c for layer in LAYERS for c in layer}
    assert {component(module_name(p)) for p in PACKAGE_FILES} <= known


def test_no_import_runs_upwards_or_sideways():
    """Each package imports only from the layers below it, so there is no cycle."""
    assert dependency_violations(PACKAGE_FILES) == []


@pytest.mark.parametrize(
    ("module", "imports", "violation"),
    [
        ("schemas/probe.py", "b12risk.config", "b12risk is not below schemas"),
        ("b12risk/probe.py", "flows.cli", "flows is not below b12risk"),
        (
            "b12risk/report/probe.py",
            "b12risk.run.stages",
            "b12risk.run is not below b12risk.report",
        ),
        ("b12risk/ingest/probe.py", "b12risk.codelists.load", "not below b12risk.ingest"),
        ("b12risk/cohorts/probe.py", "prefect", "imports prefect"),
    ],
)
def test_the_layer_check_sees_a_forbidden_import(monkeypatch, module, imports, violation):
    monkeypatch.setitem(globals(), "imported_modules", lambda path: {imports})
    [found] = dependency_violations([ROOT / module])
    assert violation in found


def test_every_configured_cohort_has_its_sql_file_and_codelists():
    config = load_config()
    for cohort in config.cohorts:
        assert sql_text(f"cohorts/rules/{cohort.rule}").strip(), cohort.name
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
