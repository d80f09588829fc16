"""Run the pipeline flow in this process on Prefect's embedded defaults (no server to start)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from flows.settings import apply_defaults

apply_defaults()

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402

from b12risk.stages import preflight  # noqa: E402
from flows.pipeline import pipeline  # noqa: E402

# At exit Prefect's client drains its event queue and says so at WARNING: noise for users.
logging.getLogger("EventsWorker").setLevel(logging.ERROR)


def run_pipeline(
    *,
    extract: Path,
    as_of: date | None,
    warehouse: Path,
    reports: Path,
    config: Path | None = None,
    worklists: bool = False,
    disclosure: bool = True,
):
    preflight(config)  # a bad config or edited codelist: ConfigError before any flow starts
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        state = pipeline(
            return_state=True,
            extract_dir=str(extract),
            as_of=as_of,
            warehouse_path=str(warehouse),
            reports_dir=str(reports),
            config_path=str(config) if config else None,
            worklists=worklists,
            disclosure=disclosure,
        )
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException):  # an unexpected failure: the CLI reports it
        raise outcome
    return outcome
