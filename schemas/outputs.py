"""One declaration per published table: every warehouse table and view the pipeline builds
(besides the five extract tables of `schemas.contract`) and every report file of counts.

Each table states its columns (name, type, whether always present, description, and whether
it is an exact count of people or rows that may only be published through disclosure control),
its primary key and its kind. Everything else is generated from here: the DDL of the tables
created empty (`create_statement`), the `COMMENT ON` texts (`comment_statements`), the
pandera models (`output_schema`), the data dictionary (`schemas.datadict`) and test fixtures.
As OHDSI's CohortGenerator keeps a results data model spec, the small-cell columns are marked.

Kinds: `history` tables are carried from run to run; `result` tables are rebuilt by every run
from the extract; `view` is a view over them; `reference` holds the run's codelists;
`internal` is working data an analyst may read but should not build on; `report` is a file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from schemas.contract import TABLE_NAMES, TABLES
from schemas.extract import POLARS_TYPES
from schemas.statuses import GAP_STATUSES, SCREENING_STATUSES, STATUSES

KINDS = ("history", "result", "view", "reference", "internal", "report")


@dataclass(frozen=True)
class OutputColumn:
    name: str
    sql_type: str
    required: bool
    description: str
    count: bool = False  # an exact count: published only through disclosure control


@dataclass(frozen=True)
class OutputTable:
    name: str
    description: str
    columns: tuple[OutputColumn, ...]
    kind: str = "result"
    primary_key: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def count_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.count)

    def column(self, name: str) -> OutputColumn:
        return next(c for c in self.columns if c.name == name)


def _col(name: str, sql_type: str, description: str, *, required: bool = False, count=False):
    return OutputColumn(name, sql_type, required, description, count)


_RUN_ID = _col("run_id", "VARCHAR", "The run that computed the row.", required=True)
_PATIENT = _col("patient_id", "VARCHAR", "The patient (pseudonymous token).", required=True)
_PRACTICE = _col("practice_id", "VARCHAR", "The patient's practice.", required=True)
_EXTRACT_HASH = _col(
    "extract_hash",
    "VARCHAR",
    "BLAKE3 over the extract's five files and manifest, in name order: each one's name, size "
    "and BLAKE3 digest (as b3sum prints it). Versions before 2026-11-24 used sha256, so an "
    "extract loaded by one of them has a different hash once.",
    required=True,
)
_STATUS_TEXT = (
    "One of "
    + ", ".join(SCREENING_STATUSES)
    + " (the first that applies, in this order; schemas/statuses.py). Gaps: "
    + ", ".join(GAP_STATUSES)
    + "."
)


def _reconciliation_columns() -> tuple[OutputColumn, ...]:
    """Per extract table: rows read, loaded and quarantined (read = loaded + quarantined)."""
    words = {
        "read": "rows (or malformed lines) read from the file",
        "loaded": "rows loaded into the table",
        "quarantined": "rows quarantined",
    }
    return tuple(
        _col(f"{table}_{measure}", "BIGINT", f"{table}: {text}.", count=True)
        for table in TABLE_NAMES
        for measure, text in words.items()
    )


# The report's count columns: everyone at risk, the gaps, then each status (gaps by clinical
# priority first, then the others in precedence order).
_GAPS_BY_PRIORITY = tuple(s.name for s in sorted(STATUSES, key=lambda s: s.priority or 0) if s.gap)
SUMMARY_COUNT_COLUMNS: tuple[str, ...] = (
    "n_at_risk",
    "n_gap",
    *(f"n_{s}" for s in _GAPS_BY_PRIORITY),
    *(f"n_{s.name}" for s in STATUSES if not s.gap),
)


def _summary_counts() -> tuple[OutputColumn, ...]:
    labels = {s.name: s.label for s in STATUSES}
    words = {"n_at_risk": "People in the cohort and group.", "n_gap": "Of them, with a gap."}
    words |= {f"n_{name}": f"Of them: {label}." for name, label in labels.items()}
    return tuple(_col(c, "BIGINT", words[c], count=True) for c in SUMMARY_COUNT_COLUMNS)


OUTPUT_TABLES: dict[str, OutputTable] = {
    t.name: t
    for t in (
        OutputTable(
            "runs",
            "One row per pipeline run that reached the warehouse, with the reconciliation of "
            "every extract table (read = loaded + quarantined).",
            (
                _RUN_ID,
                _col("extract_id", "VARCHAR", "The supplier's identifier of the extract."),
                _EXTRACT_HASH,
                _col("as_of", "DATE", "The analysis date of the run.", required=True),
                _col("started_at", "TIMESTAMP", "When the run started (UTC).", required=True),
                _col("finished_at", "TIMESTAMP", "When it was published (UTC)."),
                _col("status", "VARCHAR", "running, then published.", required=True),
                _col("package_version", "VARCHAR", "The b12risk version.", required=True),
                _col("config_source", "VARCHAR", "The configuration file the run used."),
                _col(
                    "source",
                    "VARCHAR",
                    "The manifest's `source`: which supplier's extracts a run belongs to (runs of "
                    "one source are compared with each other).",
                ),
                _col(
                    "rule_checksums",
                    "MAP(VARCHAR, VARCHAR)",
                    "Checksum of each cohort's definition (rule SQL, parameters, codelists; key: "
                    "the cohort), of the status rules (key screening_status) and of every "
                    "codelist (key codelists), as in docs/rules.md: a changed checksum means a "
                    "changed rule.",
                ),
                *_reconciliation_columns(),
            ),
            kind="history",
            primary_key=("run_id",),
        ),
        OutputTable(
            "quarantine",
            "Rows of an extract that broke a rule, with every rule they broke.",
            (
                _RUN_ID,
                _EXTRACT_HASH,
                _col(
                    "source_table", "VARCHAR", "The table (file) the row came from.", required=True
                ),
                _col(
                    "source_row",
                    "BIGINT",
                    "Where the row is in its file. Rows the reader could parse: the 1-based "
                    "number of the data row among the parsed rows (the header does not count, "
                    "nor do lines quarantined as malformed_line; in Parquet, the row number). "
                    "malformed_line: the physical line number in the file, header = line 1.",
                    required=True,
                ),
                _col(
                    "rules",
                    "VARCHAR[]",
                    "Every rule the row broke, in the order of the rule list.",
                    required=True,
                ),
                _col(
                    "raw_values",
                    "VARCHAR",
                    "A JSON object of contract columns only (no value of a column outside "
                    "the contract is ever stored): column -> text, the file's text for text "
                    "columns and for values that could not be read as their type; values that "
                    "could be read appear in canonical form (07 as 7, 500 as 500.0). A "
                    "malformed_line whose fields do not align with the header keeps only its "
                    "shape: line_length, line_count, fields, semicolon, tab, pipe. Rows carried "
                    "from a warehouse written before this rule are scrubbed to it on the next "
                    "run (validation.json: quarantine_scrubbed).",
                    required=True,
                ),
            ),
            kind="history",
            primary_key=("extract_hash", "source_table", "source_row", "run_id"),
        ),
        OutputTable(
            "codelist",
            "The reviewed codelists this run matched against (data/codelists/).",
            (
                _col("concept", "VARCHAR", "The codelist (concept) name.", required=True),
                _col("code_system", "VARCHAR", "The code's system.", required=True),
                _col("code", "VARCHAR", "The code as listed.", required=True),
                _col(
                    "code_norm",
                    "VARCHAR",
                    "The code as matched: trimmed, upper-cased except in case-sensitive systems, "
                    "without dots in ICD and OPCS.",
                    required=True,
                ),
                _col("match", "VARCHAR", "exact, or prefix (the code and below).", required=True),
                _col("subtype", "VARCHAR", "A finer grouping within the concept, if any."),
                _col("description", "VARCHAR", "The code's description.", required=True),
                _col("version", "VARCHAR", "The codelist's reviewed version.", required=True),
            ),
            kind="reference",
            primary_key=("concept", "code_system", "code"),
        ),
        OutputTable(
            "codelist_versions",
            "One row per codelist: its version, hash and source.",
            (
                _col("concept", "VARCHAR", "The codelist (concept) name.", required=True),
                _col("version", "VARCHAR", "The reviewed version.", required=True),
                _col("sha256", "VARCHAR", "sha256 of the codelist file.", required=True),
                _col("source", "VARCHAR", "Where its codes come from.", required=True),
                _col("n_codes", "INTEGER", "Codes in the list.", required=True),
            ),
            kind="reference",
            primary_key=("concept",),
        ),
        OutputTable(
            "concept_events",
            "Every extract event whose code is in a codelist, on or before the as-of date: "
            "one row per event and concept (working data of the cohort and status stages).",
            (
                _PATIENT,
                _col("concept", "VARCHAR", "The codelist the code is in.", required=True),
                _col("subtype", "VARCHAR", "The codelist row's subtype, if any."),
                _col("source_table", "VARCHAR", "The extract table of the event.", required=True),
                _col("code_system", "VARCHAR", "The event's code system.", required=True),
                _col("code", "VARCHAR", "The event's code as written.", required=True),
                _col("event_date", "DATE", "The event's date.", required=True),
                _col("days_supply", "INTEGER", "Prescriptions: days the issue covers."),
                _col("value", "DOUBLE", "Lab results: the numeric result."),
                _col("unit", "VARCHAR", "Lab results: the unit as written."),
            ),
            kind="internal",
        ),
        OutputTable(
            "population",
            "The people the run looks at: alive, registered and aged at least the minimum "
            "age at the as-of date.",
            (
                _PATIENT,
                _PRACTICE,
                _col("sex", "VARCHAR", "F, M, I or U, as in the extract.", required=True),
                _col("year_of_birth", "INTEGER", "Year of birth.", required=True),
                _col("month_of_birth", "INTEGER", "Month of birth, if known."),
                _col("age", "INTEGER", "Age in whole years at the as-of date.", required=True),
            ),
            primary_key=("patient_id",),
        ),
        OutputTable(
            "cohort_membership",
            "One row per patient per risk cohort they are in at the as-of date, with the "
            "evidence: the code that put them there, or the drug era for medicine cohorts.",
            (
                _PATIENT,
                _col(
                    "cohort",
                    "VARCHAR",
                    "The cohort's name (data/config/cohorts.toml).",
                    required=True,
                ),
                _col(
                    "rule",
                    "VARCHAR",
                    "The rule that admitted the patient, in words.",
                    required=True,
                ),
                _col(
                    "evidence_code_system",
                    "VARCHAR",
                    "code_system of the evidence event; empty for rules without one (age).",
                ),
                _col("evidence_code", "VARCHAR", "Code of the evidence event."),
                _col("evidence_date", "DATE", "Date of the evidence event (latest first)."),
                _col("era_start", "DATE", "Medicine cohorts: first day of the drug era."),
                _col(
                    "era_end",
                    "DATE",
                    "Medicine cohorts: last covered day of the era (may be after the as-of date).",
                ),
                _col(
                    "era_days",
                    "INTEGER",
                    "Medicine cohorts: days the era covers up to the as-of date.",
                ),
                _col("era_prescriptions", "INTEGER", "Medicine cohorts: prescriptions in the era."),
                _RUN_ID,
            ),
            primary_key=("patient_id", "cohort"),
        ),
        OutputTable(
            "patient_cohorts",
            "One row per patient of the population, with one BOOLEAN column per enabled cohort "
            "(named as the cohort, between practice_id and any_cohort).",
            (
                _PATIENT,
                _PRACTICE,
                _col("any_cohort", "BOOLEAN", "In at least one cohort.", required=True),
            ),
            kind="view",
            primary_key=("patient_id",),
        ),
        OutputTable(
            "cohort_attrition",
            "How many people each step keeps: the population, each enabled cohort in config "
            "order, then anyone in any cohort.",
            (
                _col("step", "INTEGER", "0 for the population, then 1, 2, ...", required=True),
                _col(
                    "label", "VARCHAR", "population, a cohort's name, or any_cohort.", required=True
                ),
                _col("n_patients", "BIGINT", "People at that step.", required=True, count=True),
                _RUN_ID,
            ),
            primary_key=("step",),
        ),
        OutputTable(
            "screening_status",
            "One row per patient in at least one cohort: their B12 screening status at the "
            "as-of date, and the facts it rests on.",
            (
                _PATIENT,
                _PRACTICE,
                _col("sex", "VARCHAR", "F, M, I or U, as in the extract.", required=True),
                _col("age", "INTEGER", "Age in whole years at the as-of date.", required=True),
                _col("status", "VARCHAR", _STATUS_TEXT, required=True),
                _col(
                    "cohorts", "VARCHAR[]", "Every cohort the patient is in (names).", required=True
                ),
                _col("last_test_on", "DATE", "Date of the latest B12 test, if any."),
                _col("last_test_code", "VARCHAR", "Code of that test."),
                _col(
                    "last_result_pmol_l",
                    "DOUBLE",
                    "Its result in pmol/L (converted from ng/L where needed), if numeric.",
                ),
                _col(
                    "last_result_judged",
                    "BOOLEAN",
                    "True when the result could be judged against a cut-off (known unit).",
                    required=True,
                ),
                _col(
                    "interval_days",
                    "INTEGER",
                    "Screening interval: the shortest of the patient's cohorts.",
                    required=True,
                ),
                _col("due_on", "DATE", "When the next test is due (empty if never tested)."),
                _col("last_treatment_on", "DATE", "Date of the latest B12 treatment, if any."),
                _RUN_ID,
            ),
            primary_key=("patient_id",),
        ),
        OutputTable(
            "screening_status_history",
            "Every recorded run's screening status per patient (a rerun of one extract for one "
            "as-of date replaces its rows).",
            (
                _RUN_ID,
                _col("as_of", "DATE", "The run's as-of date.", required=True),
                _EXTRACT_HASH,
                _PATIENT,
                _PRACTICE,
                _col("status", "VARCHAR", _STATUS_TEXT, required=True),
            ),
            kind="history",
            primary_key=("run_id", "patient_id"),
        ),
        OutputTable(
            "disclosure_cells",
            "Every published run's gap summary cells as released (suppressed ones NULL), one "
            "row per cohort x breakdown x group x count: the next run of the same source keeps "
            "its suppression pattern stable against them, and its disclosure audit checks "
            "that the two releases together recover no suppressed cell.",
            (
                _RUN_ID,
                _col("as_of", "DATE", "The run's as-of date.", required=True),
                _col(
                    "source",
                    "VARCHAR",
                    "The extract's source (manifest.json): runs of one source are compared.",
                ),
                _col("cohort", "VARCHAR", "A cohort's name, or any_cohort.", required=True),
                _col("breakdown", "VARCHAR", "overall, age_band, sex or practice.", required=True),
                _col("group", "VARCHAR", "The group within the breakdown.", required=True),
                _col("count_column", "VARCHAR", "The count: n_at_risk, n_gap, ...", required=True),
                _col(
                    "published",
                    "BIGINT",
                    "The count as released (rounded); NULL where it was suppressed.",
                ),
            ),
            kind="history",
            primary_key=("run_id", "cohort", "breakdown", "group", "count_column"),
        ),
        OutputTable(
            "gap_summary",
            "reports/<run_id>/gap_summary.csv and .parquet: the report's aggregates, one row "
            "per cohort x breakdown x group, every count through disclosure control.",
            (
                _RUN_ID,
                _col("as_of", "DATE", "The run's as-of date.", required=True),
                _col("cohort", "VARCHAR", "A cohort's name, or any_cohort.", required=True),
                _col("cohort_title", "VARCHAR", "The cohort's title.", required=True),
                _col(
                    "breakdown",
                    "VARCHAR",
                    "overall, age_band, sex, practice or status.",
                    required=True,
                ),
                _col("group", "VARCHAR", "The group within the breakdown.", required=True),
                *_summary_counts(),
                _col("gap_rate", "DOUBLE", "n_gap / n_at_risk, from the published counts."),
                _col("ci_low", "DOUBLE", "Wilson 95% interval of gap_rate: lower end."),
                _col("ci_high", "DOUBLE", "Wilson 95% interval of gap_rate: upper end."),
                _col(
                    "disclosure_control",
                    "BOOLEAN",
                    "True when the counts passed disclosure control.",
                    required=True,
                ),
                _col("release_note", "VARCHAR", "How the counts were controlled.", required=True),
            ),
            kind="report",
            primary_key=("cohort", "breakdown", "group"),
        ),
    )
}

WAREHOUSE_TABLES: tuple[str, ...] = tuple(n for n, t in OUTPUT_TABLES.items() if t.kind != "report")
HISTORY_TABLES: tuple[str, ...] = tuple(n for n, t in OUTPUT_TABLES.items() if t.kind == "history")


def _polars_type(sql_type: str) -> pl.DataType | type[pl.DataType]:
    if sql_type.startswith("MAP("):
        key, value = (POLARS_TYPES[t.strip()] for t in sql_type[4:-1].split(","))
        return pl.List(pl.Struct({"key": key, "value": value}))
    if sql_type.endswith("[]"):
        return pl.List(POLARS_TYPES[sql_type[:-2]])
    return POLARS_TYPES[sql_type]


def output_schema(table: str) -> pa.DataFrameSchema:
    """The model of one output table (e.g. `output_schema("screening_status")`)."""
    spec = OUTPUT_TABLES[table]
    checks = {"status": [pa.Check.isin(SCREENING_STATUSES)]}
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                _polars_type(c.sql_type),
                nullable=not c.required,
                description=c.description,
                checks=checks.get(c.name) if c.sql_type == "VARCHAR" else None,
            )
            for c in spec.columns
        },
        name=table,
        description=spec.description,
        strict=spec.kind != "view",
        ordered=spec.kind != "view",
    )


# ---------------------------------------------------------------- generated SQL
# The statements below are rendered from the declarations above (names and descriptions
# written in this file), never from data: identifiers are checked, texts quoted.


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _declared(table: str) -> tuple[str, str, tuple]:
    """name, description and (name, type, description) columns of any declared table."""
    if table in TABLES:
        spec = TABLES[table]
        return (
            spec.name,
            spec.description,
            tuple((c.name, c.sql_type, c.description) for c in spec.columns),
        )
    spec = OUTPUT_TABLES[table]
    return (
        spec.name,
        spec.description,
        tuple((c.name, c.sql_type, c.description) for c in spec.columns),
    )


def create_statement(table: str, *, replace: bool = False, temporary: bool = False) -> str:
    """`CREATE TABLE` of a declared table, empty, with its declared columns and types."""
    name, _, columns = _declared(table)
    verb = "CREATE OR REPLACE" if replace else "CREATE"
    kind = " TEMP TABLE" if temporary else " TABLE"
    exists = "" if replace else " IF NOT EXISTS"
    body = ",\n    ".join(f"{_identifier(c)} {t}" for c, t, _ in columns)
    return f"{verb}{kind}{exists} {_identifier(name)} (\n    {body}\n)"


def comment_statements(table: str, present: tuple[str, ...] | None = None) -> list[str]:
    """`COMMENT ON` the table (or view) and each of its declared columns (only those in
    `present`, when given: a view's cohort columns are not declared)."""
    name, description, columns = _declared(table)
    kind = "VIEW" if table in OUTPUT_TABLES and OUTPUT_TABLES[table].kind == "view" else "TABLE"
    statements = [f"COMMENT ON {kind} {_identifier(name)} IS {_literal(description)}"]
    statements += [
        f"COMMENT ON COLUMN {_identifier(name)}.{_identifier(c)} IS {_literal(text)}"
        for c, _, text in columns
        if present is None or c in present
    ]
    return statements
