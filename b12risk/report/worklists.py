"""Practice worklists (SENSITIVE, patient-level): written only when asked for.

`out_dir/sensitive/worklist_<practice>.csv`, one file per practice, listing its patients with a
screening gap (abnormal_untreated first: they need clinical review, then never_tested, overdue)
and those due soon (so one recall can invite them too), by pseudonymous patient_id, with the
evidence that put them at risk. Not disclosure-controlled: they are for the practice's own care,
never for publication. Nothing here is logged but counts.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import duckdb
import pandas as pd

from b12risk.report.spreadsheet import write_csv
from b12risk.sql import run_sql

log = logging.getLogger(__name__)

SENSITIVE_DIR = "sensitive"
WORKLIST_STATUSES = ("abnormal_untreated", "never_tested", "overdue", "due_soon")
WORKLIST_COLUMNS = (
    "patient_id",
    "status",
    "cohorts",
    "evidence",
    "last_test_on",
    "last_test_code",
    "last_result_pmol_l",
    "last_result_judged",
    "last_treatment_on",
    "interval_days",
    "due_on",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def write_worklists(con: duckdb.DuckDBPyConnection, out_dir: Path) -> tuple[Path, ...]:
    """Write one worklist per practice that has anyone to list; return the paths written."""
    result = run_sql(con, "report/worklist", statuses=list(WORKLIST_STATUSES))
    names = [d[0] for d in result.description]
    rows = pd.DataFrame(result.fetchall(), columns=names)
    folder = Path(out_dir) / SENSITIVE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for practice_id, patients in rows.groupby("practice_id", sort=True, dropna=False):
        path = folder / f"worklist_{practice_file_name(practice_id)}.csv"
        write_csv(patients[list(WORKLIST_COLUMNS)], path)
        paths.append(path)
    log.info("worklists: %d practices, %d patients listed", len(paths), len(rows))
    return tuple(paths)


def practice_file_name(practice_id: str | None) -> str:
    """A file-name-safe, collision-free form of a practice id: letters, digits, '_' and '-'
    are kept; any other id gets its unsafe characters replaced and a short hash of the original
    appended (so 'A/B' and 'A_B' never share a file)."""
    if practice_id is None or (isinstance(practice_id, float) and pd.isna(practice_id)):
        return "unknown-practice"
    text = str(practice_id)
    safe = _UNSAFE.sub("_", text)[:64]
    if safe == text and safe:
        return safe
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{digest}" if safe else digest
