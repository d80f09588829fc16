"""Data quality counts: from the validation summary or from runs and quarantine; never values."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from b12risk.report.disclosure import DisclosurePolicy
from b12risk.report.quality import QUALITY_COLUMNS, QUALITY_TOTALS, RULE_MARGIN, data_quality

from .checks import assert_nothing_recoverable
from .conftest import AS_OF, RUN_ID, create_quarantine, create_runs

OFF = DisclosurePolicy(enabled=False)
SUMMARY = {
    "patients": {"read": 120, "loaded": 117, "quarantined": 3, "rule_counts": {"sex_code": 3}},
    "lab_results": {
        "read": 500,
        "loaded": 460,
        "quarantined": 40,
        "rule_counts": {"value_number": 30, "taken_on_date": 12},
    },
}


def by_key(frame: pd.DataFrame) -> dict:
    def plain(v):
        return None if pd.isna(v) else v

    return {
        (r.table, plain(r.rule)): tuple(plain(getattr(r, c)) for c in QUALITY_COLUMNS)
        for r in frame.itertuples()
    }


def test_counts_per_table_and_rule_from_the_validation_summary(con):
    frame = data_quality(con, RUN_ID, OFF, SUMMARY)
    assert by_key(frame) == {
        ("patients", None): (120, 117, 3),
        ("patients", "sex_code"): (None, None, 3),
        ("lab_results", None): (500, 460, 40),
        ("lab_results", "taken_on_date"): (None, None, 12),
        ("lab_results", "value_number"): (None, None, 30),
    }
    assert frame["table"].drop_duplicates().tolist() == [
        "patients",
        "lab_results",
    ]  # contract order


def test_small_quality_counts_are_suppressed_with_what_would_give_them_away(con):
    exact = data_quality(con, RUN_ID, OFF, SUMMARY)
    published = data_quality(con, RUN_ID, DisclosurePolicy(), SUMMARY)
    counts = by_key(published)
    assert counts[("patients", None)] == (120, None, None)  # 3 quarantined -> loaded goes too
    assert counts[("patients", "sex_code")] == (None, None, None)
    assert counts[("lab_results", None)] == (500, 460, 40)
    assert_nothing_recoverable(
        exact, published, list(QUALITY_COLUMNS), QUALITY_TOTALS, [RULE_MARGIN]
    )


def test_counts_are_read_from_runs_and_quarantine_when_no_summary_is_passed(con):
    create_runs(
        con,
        [
            {
                "run_id": RUN_ID,
                "extract_hash": "h",
                "as_of": AS_OF,
                "started_at": datetime(2026, 1, 2),
                "status": "running",
                "package_version": "0.1.0",
                "patients_read": 20,
                "patients_loaded": 18,
                "patients_quarantined": 2,
            }
        ],
    )
    secret = '{"patient_id": "SECRET-PATIENT-77", "sex": "Q"}'
    create_quarantine(
        con,
        [
            {"run_id": RUN_ID, "source_table": "patients", "source_row": 4,
             "rules": ["sex_code", "x"], "raw_values": secret},
            {"run_id": RUN_ID, "source_table": "patients", "source_row": 9, "rules": ["sex_code"],
             "raw_values": secret},
            {"run_id": "older-run", "source_table": "patients", "source_row": 1, "rules": ["old"],
             "raw_values": secret},
        ],
    )  # fmt: skip
    frame = data_quality(con, RUN_ID, OFF)
    assert by_key(frame) == {
        ("patients", None): (20, 18, 2),
        ("patients", "sex_code"): (None, None, 2),
        ("patients", "x"): (None, None, 1),
    }
    assert "SECRET-PATIENT-77" not in frame.to_csv()


def test_no_recorded_counts_gives_none(con):
    assert data_quality(con, RUN_ID, OFF) is None
