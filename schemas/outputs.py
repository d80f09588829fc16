"""Pandera (Polars) models of the warehouse outputs other stages build and readers rely on:
`cohort_membership` and `screening_status` (docs/architecture.md). Each column carries its
description, which the data dictionary prints under "Warehouse outputs"."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from schemas.extract import POLARS_TYPES
from schemas.statuses import GAP_STATUSES, SCREENING_STATUSES


@dataclass(frozen=True)
class OutputColumn:
    name: str
    sql_type: str
    required: bool
    description: str


@dataclass(frozen=True)
class OutputTable:
    name: str
    description: str
    columns: tuple[OutputColumn, ...]


OUTPUT_TABLES: dict[str, OutputTable] = {
    t.name: t
    for t in (
        OutputTable(
            "cohort_membership",
            "One row per patient per risk cohort they are in at the as-of date, with the "
            "evidence: the code that put them there, or the drug era for medicine cohorts.",
            (
                OutputColumn("patient_id", "VARCHAR", True, "The patient (pseudonymous token)."),
                OutputColumn(
                    "cohort", "VARCHAR", True, "The cohort's name (data/config/cohorts.toml)."
                ),
                OutputColumn(
                    "rule", "VARCHAR", True, "The rule that admitted the patient, in words."
                ),
                OutputColumn(
                    "evidence_code_system",
                    "VARCHAR",
                    False,
                    "code_system of the evidence event; empty for rules without one (age).",
                ),
                OutputColumn("evidence_code", "VARCHAR", False, "Code of the evidence event."),
                OutputColumn(
                    "evidence_date", "DATE", False, "Date of the evidence event (latest first)."
                ),
                OutputColumn(
                    "era_start", "DATE", False, "Medicine cohorts: first day of the drug era."
                ),
                OutputColumn(
                    "era_end",
                    "DATE",
                    False,
                    "Medicine cohorts: last covered day of the era (may be after the as-of date).",
                ),
                OutputColumn(
                    "era_days",
                    "INTEGER",
                    False,
                    "Medicine cohorts: days the era covers up to the as-of date.",
                ),
                OutputColumn(
                    "era_prescriptions",
                    "INTEGER",
                    False,
                    "Medicine cohorts: prescriptions in the era.",
                ),
                OutputColumn("run_id", "VARCHAR", True, "The run that computed the row."),
            ),
        ),
        OutputTable(
            "screening_status",
            "One row per patient in at least one cohort: their B12 screening status at the "
            "as-of date, and the facts it rests on.",
            (
                OutputColumn("patient_id", "VARCHAR", True, "The patient (pseudonymous token)."),
                OutputColumn("practice_id", "VARCHAR", True, "The patient's practice."),
                OutputColumn("sex", "VARCHAR", True, "F, M, I or U, as in the extract."),
                OutputColumn("age", "INTEGER", True, "Age in whole years at the as-of date."),
                OutputColumn(
                    "status",
                    "VARCHAR",
                    True,
                    "One of "
                    + ", ".join(SCREENING_STATUSES)
                    + " (the first that applies, in this order). Gaps: "
                    + ", ".join(GAP_STATUSES)
                    + ".",
                ),
                OutputColumn(
                    "cohorts", "VARCHAR[]", True, "Every cohort the patient is in (names)."
                ),
                OutputColumn("last_test_on", "DATE", False, "Date of the latest B12 test, if any."),
                OutputColumn("last_test_code", "VARCHAR", False, "Code of that test."),
                OutputColumn(
                    "last_result_pmol_l",
                    "DOUBLE",
                    False,
                    "Its result in pmol/L (converted from ng/L where needed), if numeric.",
                ),
                OutputColumn(
                    "last_result_judged",
                    "BOOLEAN",
                    True,
                    "True when the result could be judged against a cut-off (known unit).",
                ),
                OutputColumn(
                    "interval_days",
                    "INTEGER",
                    True,
                    "Screening interval: the shortest of the patient's cohorts.",
                ),
                OutputColumn(
                    "due_on", "DATE", False, "When the next test is due (empty if never tested)."
                ),
                OutputColumn(
                    "last_treatment_on", "DATE", False, "Date of the latest B12 treatment, if any."
                ),
                OutputColumn("run_id", "VARCHAR", True, "The run that computed the row."),
            ),
        ),
    )
}


def _polars_type(sql_type: str) -> pl.DataType | type[pl.DataType]:
    if sql_type.endswith("[]"):
        return pl.List(POLARS_TYPES[sql_type[:-2]])
    return POLARS_TYPES[sql_type]


def output_schema(table: str) -> pa.DataFrameSchema:
    """The model of one output table (e.g. `output_schema("screening_status")`)."""
    spec = OUTPUT_TABLES[table]
    checks = {"status": [pa.Check.isin(SCREENING_STATUSES)]} if table == "screening_status" else {}
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                _polars_type(c.sql_type),
                nullable=not c.required,
                description=c.description,
                checks=checks.get(c.name),
            )
            for c in spec.columns
        },
        name=table,
        description=spec.description,
        strict=True,
        ordered=True,
    )
