"""The cohort engine: who is in the population at the as-of date and which risk cohorts they
belong to, with the evidence for each.

`flag_cohorts` builds, in order (SQL in `sql/engine/`): `concept_events`, `population`,
`cohort_membership` (each enabled cohort through the file of its rule shape, `sql/rules/<rule>.sql`,
with the cohort's own parameters and sources), the view `patient_cohorts` and
`cohort_attrition`. The rule files are composed from the table macros in `sql/engine/macros.sql`;
every value reaches SQL as a DuckDB named parameter. The only text composed here is the view's
column list, from cohort names validated as plain identifiers. Logs carry counts and cohort
names only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from b12risk.config import ERA_DEFAULTS, RULE_SHAPES, Cohort, Config, ConfigError
from b12risk.sql import create_table, run_script, run_sql, sql_text
from schemas.codes import CASE_SENSITIVE_SYSTEMS, DOTLESS_SYSTEMS
from schemas.contract import EVENT_TABLES, TABLES
from schemas.outputs import OUTPUT_TABLES

log = logging.getLogger(__name__)

POPULATION_DEFAULTS: dict[str, Any] = {"min_age": 16, "default_birth_month": 7}

# Columns of patient_cohorts that are not cohorts.
VIEW_COLUMNS = frozenset({"patient_id", "practice_id", "any_cohort"})

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COLUMNS_MARKER = "/* cohort_columns */"


@dataclass(frozen=True)
class CohortResult:
    """Counts of one flagging run: population size, members per enabled cohort (config
    order), and patients in any cohort."""

    run_id: str
    as_of: date
    population: int
    counts: dict[str, int]
    any_cohort: int


def flag_cohorts(
    con: duckdb.DuckDBPyConnection, config: Config, as_of: date, run_id: str
) -> CohortResult:
    """Flag every enabled cohort of `config` at `as_of`; events after `as_of` never count."""
    cohorts = config.enabled_cohorts
    check_cohorts(cohorts)
    plans = [
        (cohort_file(c), cohort_statement_parameters(config, c, as_of, run_id)) for c in cohorts
    ]
    population = population_settings(config)
    build_concept_events(con, as_of)
    run_sql(
        con,
        "cohorts/engine/population",
        as_of=as_of,
        min_age=population["min_age"],
        default_birth_month=population["default_birth_month"],
    )
    install_macros(con)
    create_table(con, "cohort_membership", replace=True)
    for name, params in plans:
        run_sql(con, name, **params)
    con.execute(patient_cohorts_sql(cohorts))
    run_sql(
        con, "cohorts/engine/cohort_attrition", cohorts=[c.name for c in cohorts], run_id=run_id
    )
    result = read_result(con, run_id, as_of)
    log.info("population: %d patients", result.population)
    for cohort_name, n in result.counts.items():
        log.info("cohort %s: %d patients", cohort_name, n)
    log.info("any cohort: %d patients", result.any_cohort)
    return result


def build_concept_events(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Table `concept_events`: every event of the extract's event tables (each one in turn,
    by its date column in the contract) whose code is in a loaded codelist, up to `as_of`."""
    run_sql(
        con,
        "cohorts/engine/code_matches",
        event_tables=list(EVENT_TABLES),
        case_sensitive_systems=sorted(CASE_SENSITIVE_SYSTEMS),
        dotless_systems=sorted(DOTLESS_SYSTEMS),
    )
    create_table(con, "concept_events", replace=True)
    carried = [c for c in OUTPUT_TABLES["concept_events"].column_names if c not in _DERIVED]
    for table in EVENT_TABLES:
        run_sql(
            con,
            "cohorts/engine/concept_events",
            table=table,
            date_column=TABLES[table].event_date,
            carried=carried,
            as_of=as_of,
        )


# concept_events columns the SQL computes; the others are the event's own (when it has them).
_DERIVED = frozenset({"concept", "subtype", "source_table", "event_date"})


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary table macros the cohort files compose (cohorts/macros.sql)."""
    run_script(con, "cohorts/engine/macros")


def check_cohorts(cohorts: Iterable[Cohort]) -> None:
    """Refuse cohorts whose names cannot be view columns or whose rule is not a shape."""
    for cohort in cohorts:
        if not _IDENTIFIER.fullmatch(cohort.name) or cohort.name in VIEW_COLUMNS:
            raise ConfigError(
                f"cohort name {cohort.name!r} must be a lower-case identifier "
                f"(a-z, 0-9, _) other than {', '.join(sorted(VIEW_COLUMNS))}"
            )
        if cohort.rule not in RULE_SHAPES:
            raise ConfigError(f"cohort {cohort.name}: rule {cohort.rule!r} is not a rule shape")


def population_settings(config: Config) -> dict[str, Any]:
    return {**POPULATION_DEFAULTS, **config.population}


def cohort_file(cohort: Cohort) -> str:
    """The SQL file of the cohort's rule shape."""
    return f"cohorts/rules/{cohort.rule}"


def cohort_parameters(config: Config, cohort: Cohort, as_of: date, run_id: str) -> dict[str, Any]:
    """Everything a cohort file may name: the run, the cohort's codelists (`$concepts`), the
    era settings and default_birth_month, then the cohort's own params (which win on a
    clash). The population's min_age is deliberately absent: a cohort states its own."""
    return {
        "default_birth_month": population_settings(config)["default_birth_month"],
        **ERA_DEFAULTS,
        **config.eras,
        "as_of": as_of,
        "run_id": run_id,
        "cohort": cohort.name,
        "concepts": list(cohort.codelists),
        "sources": list(cohort.sources),
        **cohort.params,
    }


def cohort_statement_parameters(
    config: Config, cohort: Cohort, as_of: date, run_id: str
) -> dict[str, Any]:
    """The parameters the cohort's SQL file names, checked before any SQL runs."""
    params = cohort_parameters(config, cohort, as_of, run_id)
    return bound_parameters(cohort, sql_text(cohort_file(cohort)), params)


def bound_parameters(cohort: Cohort, text: str, params: dict[str, Any]) -> dict[str, Any]:
    """Exactly the parameters the statement names (whole names: `$min_age` is not
    `$min_age_days`); a name the config does not provide is a config error."""
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    names = set(_PARAMETER.findall(code))
    missing = sorted(names - params.keys())
    if missing:
        raise ConfigError(
            f"cohort {cohort.name}: rule {cohort.rule} needs the parameter(s) "
            f"{', '.join(missing)} (add them to the cohort's params)"
        )
    return {k: params[k] for k in names}


def patient_cohorts_sql(cohorts: Iterable[Cohort]) -> str:
    """The view statement with one BOOLEAN column per cohort (names checked by check_cohorts:
    a view cannot take parameters)."""
    columns = "".join(
        f"coalesce(list_contains(m.cohorts, '{c.name}'), false) AS \"{c.name}\",\n       "
        for c in cohorts
    )
    return sql_text("cohorts/engine/patient_cohorts").replace(_COLUMNS_MARKER, columns)


def read_result(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date) -> CohortResult:
    steps = con.table("cohort_attrition").order("step").select("step, label, n_patients").fetchall()
    return CohortResult(
        run_id=run_id,
        as_of=as_of,
        population=int(steps[0][2]),
        counts={label: int(n) for _, label, n in steps[1:-1]},
        any_cohort=int(steps[-1][2]),
    )
