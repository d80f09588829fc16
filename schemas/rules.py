"""The row rules of extract contract v1: one registry, stable names, one description each.

A rule is a Polars expression that is True where a row passes. The pandera models in
`schemas.extract` run every rule of a table as a named check (lazy: all failures of every row
in one pass); the data dictionary prints each rule's name and description.

The rules read a *validation batch*: the table's columns already parsed to their types in
DuckDB (`b12risk/ingest/sql/stage_<table>.sql`, `batch_<table>.sql`), plus helper columns:
- `<column>_unparsed` (for every INTEGER, DOUBLE and DATE column): the file had a value that
  is not a valid number/date (a missing value is simply null, not unparsed);
- patients: `patient_id_count`, how many rows of the file carry the row's patient_id;
- events: `patient_known` (the patient_id is a patient loaded from this extract),
  `patient_year_of_birth` (that patient's year of birth) and `code_format_ok` (the code has
  its system's format: checked once per distinct (code_system, code) by the codes model).

Rule names are part of the interface (quarantine, reports, the runs table): never rename one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from schemas.codes import CODE_FORMATS, CODE_SYSTEMS
from schemas.contract import (
    DAYS_SUPPLY_MAX,
    EARLIEST_BIRTH_YEAR,
    EVENT_TABLES,
    PATIENT_ID_PATTERN,
    PRACTICE_ID_PATTERN,
    SEXES,
    TABLE_NAMES,
    TABLES,
    TableSpec,
)

MALFORMED_LINE = "malformed_line"


@dataclass(frozen=True)
class RuleContext:
    """What a rule may depend on besides the row: the extract date."""

    extract_date: date


Check = Callable[[TableSpec, RuleContext], pl.Expr]


EVENT_DATE = "<event date>"  # stands for the event table's date column


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    tables: tuple[str, ...]
    check: Check | None  # None: enforced while staging (malformed_line)
    column: str | None = None  # the column the rule is about; default: the name's prefix
    # A rule of the same table that every row breaking this one also breaks: the one-pass
    # screen (schemas.extract.batch_screen) may leave this rule to the model.
    implied_by: str | None = None

    def column_for(self, table: str) -> str:
        """The contract column this rule is attached to in `table`'s model."""
        spec = TABLES[table]
        if self.column == EVENT_DATE:
            return spec.event_date or ""
        if self.column:
            return self.column
        prefixes = [c for c in spec.column_names if self.name.startswith(f"{c}_")]
        if not prefixes:
            raise ValueError(f"rule {self.name} names no column of {table}")
        return max(prefixes, key=len)

    def expr(self, table: str, context: RuleContext) -> pl.Expr:
        """The rule for `table` as a Polars expression: True passes, never null."""
        if self.check is None:
            raise ValueError(f"rule {self.name} is enforced while staging, not on rows")
        return self.check(TABLES[table], context).fill_null(False)


def col(name: str) -> pl.Expr:
    return pl.col(name)


def _missing_or(name: str, condition: pl.Expr) -> pl.Expr:
    return col(name).is_null() | condition


def _required(name: str, typed: bool) -> Check:
    if typed:
        return lambda t, c: col(name).is_not_null() | col(f"{name}_unparsed")
    return lambda t, c: col(name).is_not_null()


def _parsed(name: str) -> Check:
    return lambda t, c: ~col(f"{name}_unparsed")


def _date_in_life(name: str) -> Check:
    """Not before 1 January of the year of birth and not after the extract date."""

    def check(t: TableSpec, c: RuleContext) -> pl.Expr:
        birth_year = "year_of_birth" if t.name == "patients" else "patient_year_of_birth"
        after_birth = col(birth_year).is_null() | (col(name).dt.year() >= col(birth_year))
        return _missing_or(name, after_birth & (col(name) <= pl.lit(c.extract_date)))

    return check


def _event_date(t: TableSpec) -> pl.Expr:
    return col(t.event_date or "")


_EVENTS = EVENT_TABLES
_PATIENT_DATES = ("registered_on", "deregistered_on", "died_on")


def _code_format_rule(system: str) -> Rule:
    fmt = CODE_FORMATS[system]
    return Rule(
        fmt.rule,
        f"A code of code_system {system} ({fmt.title}) has its format: {fmt.description}.",
        _EVENTS,
        lambda t, c: (col("code_system") != system) | col("code_format_ok"),
        column="code",
    )


RULES: tuple[Rule, ...] = (
    Rule(
        MALFORMED_LINE,
        "The line could not be read as a CSV row: too many or too few fields, an unterminated "
        "quote (which can swallow the lines after it: they are quarantined with it, as one "
        "entry holding every line, however many) or bytes that are not UTF-8. Its raw_values "
        "never hold a column outside the contract: a line whose fields align with the header "
        "keeps its contract columns' texts; any other keeps only its shape (line_length, "
        "line_count, fields and the count of each other delimiter), not its text. source_row "
        "is the file's line number of its first line (header = line 1), and the table's "
        "malformed_lines counts every line they hold.",
        TABLE_NAMES,
        None,
    ),
    Rule(
        "patient_id_required", "patient_id is present.", TABLE_NAMES, _required("patient_id", False)
    ),
    Rule(
        "patient_id_pattern",
        f"patient_id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-' ({PATIENT_ID_PATTERN}).",
        TABLE_NAMES,
        lambda t, c: _missing_or(
            "patient_id", col("patient_id").str.contains(f"^{PATIENT_ID_PATTERN}$")
        ),
        # In an event table: only patients that passed this rule are loaded, so an event whose
        # patient_id breaks it also breaks event_patient_unknown (and the regex over tens of
        # millions of event rows is the screen's costliest check).
        implied_by="event_patient_unknown",
    ),
    Rule(
        "patient_id_duplicated",
        "patient_id appears on one row of patients only. When it appears on several, ALL the "
        "copies are quarantined (there is no telling which one is right), and so are the "
        "patient's events (event_patient_unknown).",
        ("patients",),
        lambda t, c: _missing_or("patient_id", col("patient_id_count") == 1),
    ),
    Rule(
        "year_of_birth_required",
        "year_of_birth is present.",
        ("patients",),
        _required("year_of_birth", True),
    ),
    Rule(
        "year_of_birth_integer",
        "year_of_birth is a whole number (digits only).",
        ("patients",),
        _parsed("year_of_birth"),
    ),
    Rule(
        "year_of_birth_range",
        f"year_of_birth is between {EARLIEST_BIRTH_YEAR} and the year of the extract date.",
        ("patients",),
        lambda t, c: _missing_or(
            "year_of_birth",
            col("year_of_birth").is_between(EARLIEST_BIRTH_YEAR, c.extract_date.year),
        ),
    ),
    Rule(
        "month_of_birth_integer",
        "month_of_birth, when present, is a whole number.",
        ("patients",),
        _parsed("month_of_birth"),
    ),
    Rule(
        "month_of_birth_range",
        "month_of_birth, when present, is 1 to 12.",
        ("patients",),
        lambda t, c: _missing_or("month_of_birth", col("month_of_birth").is_between(1, 12)),
    ),
    Rule("sex_required", "sex is present.", ("patients",), _required("sex", False)),
    Rule(
        "sex_allowed",
        "sex is one of " + ", ".join(SEXES) + " (upper case).",
        ("patients",),
        lambda t, c: _missing_or("sex", col("sex").is_in(SEXES)),
    ),
    Rule(
        "practice_id_required",
        "practice_id is present.",
        ("patients",),
        _required("practice_id", False),
    ),
    Rule(
        "practice_id_pattern",
        "practice_id is 1-64 characters of A-Z, a-z, 0-9, '_', '-', '.' and spaces "
        f"({PRACTICE_ID_PATTERN}): never a spreadsheet formula or control text.",
        ("patients",),
        lambda t, c: _missing_or(
            "practice_id", col("practice_id").str.contains(f"^{PRACTICE_ID_PATTERN}$")
        ),
    ),
    *(
        Rule(
            f"{name}_date",
            f"{name}, when present, is a real calendar date written YYYY-MM-DD.",
            ("patients",),
            _parsed(name),
        )
        for name in _PATIENT_DATES
    ),
    *(
        Rule(
            f"{name}_range",
            f"{name}, when present, is not before 1 January of the year of birth and not "
            "after the extract date.",
            ("patients",),
            _date_in_life(name),
        )
        for name in _PATIENT_DATES
    ),
    Rule(
        "event_patient_unknown",
        "The event's patient_id is a patient loaded from this extract's patients file. Events "
        "of a patient who is missing from it, or who was quarantined there (for any rule, "
        "including patient_id_duplicated), are quarantined too, so every loaded event has its "
        "loaded patient.",
        _EVENTS,
        lambda t, c: _missing_or("patient_id", col("patient_known")),
        column="patient_id",
    ),
    Rule(
        "code_system_required", "code_system is present.", _EVENTS, _required("code_system", False)
    ),
    Rule(
        "code_system_supported",
        "code_system is one of the supported systems, written exactly: "
        + ", ".join(CODE_SYSTEMS)
        + ".",
        _EVENTS,
        lambda t, c: _missing_or("code_system", col("code_system").is_in(CODE_SYSTEMS)),
    ),
    Rule("code_required", "code is present.", _EVENTS, _required("code", False)),
    *(_code_format_rule(system) for system in CODE_SYSTEMS),
    *(
        Rule(
            f"{TABLES[t].event_date}_required",
            f"{TABLES[t].event_date} is present.",
            (t,),
            _required(TABLES[t].event_date or "", True),
        )
        for t in _EVENTS
    ),
    *(
        Rule(
            f"{TABLES[t].event_date}_date",
            f"{TABLES[t].event_date} is a real calendar date written YYYY-MM-DD "
            "(2023-02-30, 2023-2-3 and 'yesterday' are not).",
            (t,),
            _parsed(TABLES[t].event_date or ""),
        )
        for t in _EVENTS
    ),
    Rule(
        "event_before_birth",
        "The event is not dated before the patient's year of birth.",
        _EVENTS,
        lambda t, c: (
            _event_date(t).is_null()
            | col("patient_year_of_birth").is_null()
            | (_event_date(t).dt.year() >= col("patient_year_of_birth"))
        ),
        column=EVENT_DATE,
    ),
    Rule(
        "event_after_extract_date",
        "The event is not dated after the extract date (the manifest's extracted_on, else the "
        "run date).",
        _EVENTS,
        lambda t, c: _event_date(t).is_null() | (_event_date(t) <= pl.lit(c.extract_date)),
        column=EVENT_DATE,
    ),
    Rule(
        "days_supply_integer",
        "days_supply, when present, is a whole number.",
        ("prescriptions",),
        _parsed("days_supply"),
    ),
    Rule(
        "days_supply_range",
        f"days_supply, when present, is 1 to {DAYS_SUPPLY_MAX}.",
        ("prescriptions",),
        lambda t, c: _missing_or("days_supply", col("days_supply").is_between(1, DAYS_SUPPLY_MAX)),
    ),
    Rule(
        "daily_dose_mg_number",
        "daily_dose_mg, when present, is a finite number.",
        ("prescriptions",),
        _parsed("daily_dose_mg"),
    ),
    Rule(
        "daily_dose_mg_positive",
        "daily_dose_mg, when present, is greater than 0.",
        ("prescriptions",),
        lambda t, c: _missing_or("daily_dose_mg", col("daily_dose_mg") > 0),
    ),
    Rule(
        "value_number",
        "value, when present, is a finite number (digits, optional sign, decimal point and "
        "exponent; no units, commas or '<5').",
        ("lab_results",),
        _parsed("value"),
    ),
    Rule(
        "value_non_negative",
        "value, when present, is 0 or more.",
        ("lab_results",),
        lambda t, c: _missing_or("value", col("value") >= 0),
    ),
)

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
if len(RULES_BY_NAME) != len(RULES):  # pragma: no cover - a registry mistake
    raise RuntimeError("two rules share a name")


def rules_for(table: str) -> tuple[Rule, ...]:
    """The row rules of `table` (malformed_line excluded), in registry order."""
    return tuple(r for r in RULES if table in r.tables and r.check is not None)


def rule_order(name: str) -> int:
    """Registry position: quarantine lists a row's rules in this order."""
    return list(RULES_BY_NAME).index(name)
