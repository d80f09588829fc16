"""Screening status: for every patient in at least one risk cohort at the as-of date, whether
they are on B12 treatment, have an untreated deficient result, were never tested, are overdue,
due soon or up to date, and when their next test is due.

The rules are in `sql/NN_*.sql`, run in the order of their numbers (one concern a file, values
bound as named parameters) and explained in `docs/screening.md`. This module binds the
configuration to them, runs them and returns counts; it logs counts only, never a patient's
values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from b12risk.codelists.load import read_manifest
from b12risk.cohorts.definitions import checksum
from b12risk.config import DEFAULT_CODELISTS, Config, ConfigError
from b12risk.sql import create_table, numbered_sql, run_script, run_sql, sql_text
from schemas.statuses import GAP_STATUSES, SCREENING_STATUSES
from schemas.statuses import STATUSES as STATUSES_DECLARED

logger = logging.getLogger(__name__)

# In precedence order (the first that applies to a patient wins); the output contract owns them.
STATUSES = SCREENING_STATUSES

# Units after lower-casing and removing whitespace. ng/L and pg/mL are the same unit.
MASS_UNITS = ("ng/l", "pg/ml")
MOLAR_UNITS = ("pmol/l",)

# BOMSS 2020 (O'Kane et al., Obes Rev 2020;21:e13087, Table 3): B12 at 3, 6 and 12 months after
# bariatric surgery, then at least annually. When the option is on, it applies to members of this
# cohort with an event of the cohort's codelists whose subtype is bariatric.
BOMSS_MONTHS = (3, 6, 12)
BOMSS_COHORT = "gastric_surgery"
BOMSS_SUBTYPE = "bariatric"

SCREENING_KEYS = (
    "default_interval_days",
    "due_soon_days",
    "treatment_lookback_days",
    "count_second_line_tests",
    "bariatric_schedule",
    "total_b12_deficient_below_pmol_l",
    "active_b12_deficient_below_pmol_l",
    "ng_per_l_to_pmol_l",
)

# The status SQL runs in file order, each file building a table the next ones read.
STATUS_SQL = numbered_sql("status")


@dataclass(frozen=True)
class StatusResult:
    """What the status stage found, in counts only (safe to log and to share)."""

    counts: dict[str, int]  # patients per status, every status present, in precedence order
    n_at_risk: int
    n_gap: int
    n_unknown_unit_results: int  # B12 results with a unit we cannot convert: tests, not judged
    n_results_without_value: int  # B12 results with no value: tests, not judged

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "n_at_risk": self.n_at_risk,
            "n_gap": self.n_gap,
            "n_unknown_unit_results": self.n_unknown_unit_results,
            "n_results_without_value": self.n_results_without_value,
        }


def screening_status(
    con: duckdb.DuckDBPyConnection, config: Config, as_of: date, run_id: str
) -> StatusResult:
    """Build table `screening_status` from `population`, `cohort_membership` and
    `concept_events` as of `as_of`, and count the statuses."""
    params = status_parameters(config, as_of, run_id)
    for name in STATUS_SQL:
        run_script(con, name, **params)
    result = count_statuses(con)
    logger.info(
        "screening status: %d patients at risk, %d with a screening gap; "
        "%d B12 results with an unknown unit, %d without a value (tests, not judged)",
        result.n_at_risk,
        result.n_gap,
        result.n_unknown_unit_results,
        result.n_results_without_value,
    )
    return result


def status_parameters(config: Config, as_of: date, run_id: str) -> dict[str, Any]:
    """The named parameters of the status SQL, from the configuration's `[screening]` table and
    each cohort's `interval_days`."""
    missing = [key for key in SCREENING_KEYS if key not in config.screening]
    if missing:
        raise ConfigError(f"config [screening] lacks {', '.join(missing)}")
    screening = config.screening
    return {
        "as_of": as_of,
        "run_id": run_id,
        "cohort_names": [c.name for c in config.cohorts],
        "cohort_interval_days": [config.interval_days(c) for c in config.cohorts],
        "default_interval_days": int(screening["default_interval_days"]),
        "due_soon_days": int(screening["due_soon_days"]),
        "treatment_lookback_days": int(screening["treatment_lookback_days"]),
        "count_second_line": bool(screening["count_second_line_tests"]),
        "bariatric_schedule": bool(screening["bariatric_schedule"]),
        "bomss_cohort": BOMSS_COHORT,
        "bomss_concepts": bomss_concepts(config),
        "bomss_subtype": BOMSS_SUBTYPE,
        "bomss_months": list(BOMSS_MONTHS),
        "total_below": float(screening["total_b12_deficient_below_pmol_l"]),
        "active_below": float(screening["active_b12_deficient_below_pmol_l"]),
        "ng_per_l_to_pmol_l": float(screening["ng_per_l_to_pmol_l"]),
        "mass_units": list(MASS_UNITS),
        "molar_units": list(MOLAR_UNITS),
    }


def status_checksum(config: Config, codelists_dir: Path = DEFAULT_CODELISTS) -> str:
    """The checksum of the status rules as they run: every status SQL file, the bound
    parameters (without the run's own) and the sha256 of the codelists the statuses read."""
    params = status_parameters(config, date(2000, 1, 1), "")
    params = {k: v for k, v in params.items() if k not in ("as_of", "run_id")}
    manifest = read_manifest(codelists_dir)
    concepts = sorted({c for s in STATUSES_DECLARED for c in s.codelists})
    return checksum(
        {
            "sql": [sql_text(name) for name in (*STATUS_SQL, "status/record_history")],
            "parameters": params,
            "codelists": {c: manifest.get(c, {}).get("sha256", "missing") for c in concepts},
        }
    )


def bomss_concepts(config: Config) -> list[str]:
    """The codelists of the BOMSS cohort (none when the configuration has no such cohort)."""
    try:
        return list(config.cohort(BOMSS_COHORT).codelists)
    except KeyError:
        return []


def count_statuses(con: duckdb.DuckDBPyConnection) -> StatusResult:
    """Count `screening_status` per status and the B12 results that could not be judged."""
    found = dict(run_sql(con, "status/status_counts").fetchall())
    unknown = set(found) - set(STATUSES)
    if unknown:
        raise ValueError(f"screening_status holds {len(unknown)} status value(s) not in STATUSES")
    counts = {status: int(found.get(status, 0)) for status in STATUSES}
    [(without_value, unknown_unit)] = run_sql(con, "status/result_counts").fetchall()
    return StatusResult(
        counts=counts,
        n_at_risk=sum(counts.values()),
        n_gap=sum(counts[status] for status in GAP_STATUSES),
        n_unknown_unit_results=int(unknown_unit),
        n_results_without_value=int(without_value),
    )


def record_status_history(
    con: duckdb.DuckDBPyConnection, run_id: str, as_of: date, extract_hash: str
) -> None:
    """Append this run's `screening_status` to `screening_status_history`, replacing the rows an
    earlier run recorded for the same extract and as-of date (a rerun duplicates nothing)."""
    create_table(con, "screening_status_history")
    con.begin()
    try:
        run_script(
            con, "status/record_history", run_id=run_id, as_of=as_of, extract_hash=extract_hash
        )
    except BaseException:
        con.rollback()
        raise
    con.commit()
    logger.info("screening status history recorded for run %s", run_id)
