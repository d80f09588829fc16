"""Extract contract v1: the five tables, their columns, the manifest and the refusals.

Plain data, no behaviour: `schemas.rules` holds the row rules over these columns,
`schemas.extract` turns both into pandera models, `b12risk.ingest.stage` enforces the structural
part (files, headers, identifying column names) and `schemas.datadict` renders it all.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.codes import CODE_SYSTEMS
from schemas.identifying import vocabulary

CONTRACT_VERSION = "v1"
FORMATS = (".csv", ".csv.gz", ".parquet")
MANIFEST_FILE = "manifest.json"
PATIENT_ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
# A practice is a token too (letters, digits, '_', '-', '.', spaces): never a formula a
# spreadsheet would run (=HYPERLINK(...), +cmd|..., @SUM(...)) nor terminal control text.
PRACTICE_ID_PATTERN = r"[A-Za-z0-9_.\- ]{1,64}"
SEXES = ("F", "M", "I", "U")
EARLIEST_BIRTH_YEAR = 1900
DAYS_SUPPLY_MAX = 365


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an extract table, as loaded into the warehouse."""

    name: str
    sql_type: str  # the warehouse type: VARCHAR, INTEGER, DATE or DOUBLE
    required: bool  # a value must be present in every row
    description: str
    optional_column: bool = False  # the file may lack the column altogether


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    event_date: str | None = None  # the date column of an event table

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns the file must have (a header without one of them is refused)."""
        return tuple(c.name for c in self.columns if not c.optional_column)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


_PATIENT_ID = ColumnSpec(
    "patient_id",
    "VARCHAR",
    True,
    "Pseudonymous patient token: 1-64 characters of A-Z, a-z, 0-9, '_' and '-'. "
    "Never a name, NHS number or any other identifier.",
)
_CODE_SYSTEM = ColumnSpec(
    "code_system",
    "VARCHAR",
    True,
    "The terminology of `code`, written exactly as one of: " + ", ".join(CODE_SYSTEMS) + ".",
)
_CODE = ColumnSpec(
    "code",
    "VARCHAR",
    True,
    "The code in `code_system`, in that system's format (see the code formats below).",
)


def _event_date(name: str, what: str) -> ColumnSpec:
    return ColumnSpec(
        name,
        "DATE",
        True,
        f"Date {what} (YYYY-MM-DD): a real calendar date, not before the patient's year of "
        "birth and not after the extract date.",
    )


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "patients",
            "One row per patient in the extract.",
            (
                _PATIENT_ID,
                ColumnSpec(
                    "year_of_birth",
                    "INTEGER",
                    True,
                    f"Year of birth, {EARLIEST_BIRTH_YEAR} to the extract year.",
                ),
                ColumnSpec(
                    "month_of_birth",
                    "INTEGER",
                    False,
                    "Month of birth 1-12; may be missing (the age calculation then assumes a "
                    "configured month).",
                ),
                ColumnSpec("sex", "VARCHAR", True, "F, M, I (indeterminate) or U (unknown)."),
                ColumnSpec("practice_id", "VARCHAR", True, "The patient's practice (any token)."),
                ColumnSpec(
                    "registered_on", "DATE", False, "Date registered with the practice, if known."
                ),
                ColumnSpec(
                    "deregistered_on", "DATE", False, "Date the registration ended, if it has."
                ),
                ColumnSpec("died_on", "DATE", False, "Date of death, if the patient has died."),
            ),
        ),
        TableSpec(
            "diagnoses",
            "Coded diagnoses, conditions and findings.",
            (_PATIENT_ID, _CODE_SYSTEM, _CODE, _event_date("recorded_on", "the code was recorded")),
            event_date="recorded_on",
        ),
        TableSpec(
            "prescriptions",
            "Issued prescriptions.",
            (
                _PATIENT_ID,
                _CODE_SYSTEM,
                _CODE,
                _event_date("issued_on", "the prescription was issued"),
                ColumnSpec(
                    "days_supply",
                    "INTEGER",
                    False,
                    f"Days the issue covers, 1-{DAYS_SUPPLY_MAX}; may be missing (a configured "
                    "default then applies).",
                ),
                ColumnSpec(
                    "daily_dose_mg",
                    "DOUBLE",
                    False,
                    "Daily dose in mg, greater than 0; may be missing. The file may omit the "
                    "column: the warehouse column is then empty.",
                    optional_column=True,
                ),
            ),
            event_date="issued_on",
        ),
        TableSpec(
            "lab_results",
            "Laboratory test results.",
            (
                _PATIENT_ID,
                _CODE_SYSTEM,
                _CODE,
                _event_date("taken_on", "the sample was taken"),
                ColumnSpec(
                    "value",
                    "DOUBLE",
                    False,
                    "The numeric result, 0 or more; may be missing (a test without a number).",
                ),
                ColumnSpec("unit", "VARCHAR", False, "Unit of `value` as the laboratory wrote it."),
            ),
            event_date="taken_on",
        ),
        TableSpec(
            "procedures",
            "Procedures and operations.",
            (_PATIENT_ID, _CODE_SYSTEM, _CODE, _event_date("performed_on", "of the procedure")),
            event_date="performed_on",
        ),
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
EVENT_TABLES: tuple[str, ...] = tuple(t for t in TABLES if TABLES[t].event_date)

MANIFEST_FIELDS: dict[str, str] = {
    "extract_id": "The supplier's identifier of this extract (text).",
    "source": "Who or what produced the extract (text).",
    "extracted_on": "The date the extract was taken (YYYY-MM-DD). Events may not be later; "
    "without it the run date is used.",
}


IDENTIFYING_KINDS: tuple[str, ...] = tuple(dict.fromkeys(t.kind for t in vocabulary()))


@dataclass(frozen=True)
class Refusal:
    """A structural problem that refuses the whole extract before anything is written."""

    name: str
    description: str


REFUSALS: tuple[Refusal, ...] = (
    Refusal("folder_missing", "The extract folder does not exist or is not a folder."),
    Refusal(
        "folder_raw_source",
        "The folder holds raw Synthea or OMOP CDM CSV files instead of an extract: the refusal "
        "names the `b12risk import` command that converts it.",
    ),
    Refusal(
        "file_missing",
        "One of the five tables has no file (.csv, .csv.gz or .parquet); a spreadsheet or "
        "other export of it (patients.xlsx) is named: export it as CSV.",
    ),
    Refusal("file_ambiguous", "A table has two files (e.g. patients.csv and patients.parquet)."),
    Refusal("file_unreadable", "A file cannot be opened or read."),
    Refusal("file_empty", "A file has zero bytes."),
    Refusal(
        "file_undecodable",
        "A file cannot be decoded at all: not gzip (for .csv.gz), not Parquet (for .parquet), "
        "or a CSV header that is not UTF-8 text.",
    ),
    Refusal(
        "file_bomb",
        "A .csv.gz whose gzip trailer says it expands more than 200 times its compressed size "
        "([extract] max_gzip_expansion): refused before it is read.",
    ),
    Refusal(
        "column_missing",
        "A required column is missing from a file's header (a header another delimiter "
        "splits is named: semicolon-, tab- or pipe-separated).",
    ),
    Refusal("column_duplicated", "A column name appears twice in a file's header."),
    Refusal(
        "column_identifying",
        "A column's name identifies a person, however it is spelled (see the identifying "
        "terms below): " + ", ".join(IDENTIFYING_KINDS) + ". Remove the column; the extract "
        "must be pseudonymised.",
    ),
    Refusal(
        "values_identifying",
        "The values of patient_id or practice_id look like real identifiers rather than "
        "pseudonyms: most of them NHS numbers, or any one shaped like an e-mail address, a "
        "phone number, a US social security number or a name with a date (see the value "
        "screen below). The refusal names the file, the column and the shape, never a value.",
    ),
    Refusal(
        "column_unreadable",
        "A column's name holds a control character (an escape, a carriage return, a NUL): "
        "it cannot be judged, so the extract is refused.",
    ),
    Refusal(
        "manifest_malformed",
        "manifest.json is not a JSON object, is larger than 1 MB, is nested deeper than 4 "
        "levels or names a key twice, or extract_id/source are not text, or extracted_on is "
        "not a plain YYYY-MM-DD date (not 2026-W48-1, not 20261123).",
    ),
    Refusal(
        "extract_date_implausible",
        "extracted_on is after today or before 1990-01-01 (9999-12-31, 0001-01-01): it cannot "
        "be the date the extract was taken.",
    ),
    Refusal(
        "as_of_after_extract",
        "--as-of is after the extract's date (extracted_on, else today): events after it are "
        "not in the extract. --allow-future-as-of runs anyway and marks every output.",
    ),
    Refusal(
        "file_corrupt",
        "A file turns out to be unreadable while it is loaded (e.g. a truncated gzip stream).",
    ),
    Refusal(
        "table_mostly_quarantined",
        "More than half the rows of a table of at least 100 rows were quarantined "
        "([validation] max_quarantined_share, quarantine_share_min_rows): the refusal names "
        "the rule broken most often and, where the values share another shape, what they "
        "look like (recorded_on looks like DD/MM/YYYY). A lower share is a warning.",
    ),
)
