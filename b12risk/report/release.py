"""The two tiers of a run's folder: what may be released, and what may not.

    reports/<run_id>/             published: every count in it passed `suppress()`
    reports/<run_id>/restricted/  exact reconciliation (validation.json, manifest.json): for the
                                  data controller, NOT FOR RELEASE
    reports/<run_id>/sensitive/   patient-level worklists, only when asked for

The published validation.json and manifest.json have the same shape as their restricted
twins, with each row count (read, loaded, quarantined, per rule) as published by the data
quality table of report.html: suppressed counts are null. Exact counts live only in the
warehouse (`runs`, `quarantine`) and in restricted/.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from b12risk.access import Access
from b12risk.config import Config, load_config
from b12risk.report.disclosure import DisclosurePolicy
from b12risk.report.quality import published_quality
from b12risk.report.worklists import SENSITIVE_DIR

RESTRICTED_DIR = "restricted"
PRIVATE_DIRS = (RESTRICTED_DIR, SENSITIVE_DIR)
# Counts in the published files that are not counts of people (the size of a reviewed
# codelist): published exactly. Every other count passes disclosure control.
NOT_COUNTS_OF_PEOPLE = frozenset({"n_codes"})
_MEASURES = ("read", "loaded", "quarantined")


def checked_config(config_path: Any, *, disclosure: bool = True) -> Config:
    """The configuration, refused (ConfigError) if its disclosure thresholds are weaker than
    the published policy while control is on, or its [security] group cannot be used."""
    config = load_config(config_path)
    DisclosurePolicy.from_settings(config.disclosure, enabled=disclosure)
    Access.from_settings(config.security)
    return config


def published_document(
    exact: Mapping[str, Any], policy: DisclosurePolicy, name: str, counts: str
) -> dict[str, Any]:
    """The published twin of restricted/<name>: its `counts` reconciliation through
    disclosure control, marked with the release note and where the exact one is."""
    return dict(exact) | {
        "disclosure_control": policy.release_note(),
        "exact_counts": f"{RESTRICTED_DIR}/{name} (not for release)",
        counts: published_reconciliation(exact[counts], policy),
    }


def published_reconciliation(
    tables: Mapping[str, Mapping[str, Any]], policy: DisclosurePolicy
) -> dict[str, dict[str, Any]]:
    """{table: {read, loaded, quarantined, rule_counts}} as they may be published."""
    frame = published_quality(tables, policy)
    published: dict[str, dict[str, Any]] = {}
    for row in frame.to_dict("records"):
        if row["level"] == "table":
            entry = {m: _count(row[f"n_{m}"]) for m in _MEASURES}
            published[row["table"]] = entry | {"rule_counts": {}}
        else:
            published[row["table"]]["rule_counts"][row["rule"]] = _count(row["n_quarantined"])
    return published


def _count(value: Any) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


class NotARelease(ValueError):
    """A folder that holds no published, disclosure-controlled gap summary."""

    refuses_input = True


def read_release(run_dir: Path, config: Config):
    """The published gap summary of a run's folder, as the disclosure audit reads it."""
    from b12risk.report.aggregates import audited_counts

    path = Path(run_dir) / "gap_summary.csv"
    if not path.is_file():
        raise NotARelease(f"{path}: no published gap summary (is it a run's reports folder?)")
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"group": str})
    if not frame["disclosure_control"].astype(str).str.lower().eq("true").all():
        raise NotARelease(f"{path}: made with disclosure control off (NOT FOR RELEASE)")
    return audited_counts(frame, config)


def audit_release(run_dir: Path, config: Config, previous: Path | None = None, k: int = 1):
    """Audit a published run folder (and, with `previous`, it with the previous run's)."""
    from b12risk.report.audit import audit

    policy = DisclosurePolicy.from_settings(config.disclosure)
    before = (read_release(previous, config),) if previous else ()
    return audit([read_release(run_dir, config)], policy, previous=before, k=k)
