"""Run the pipeline flow in this process on embedded defaults (nothing for the user to start).

Prefect's local API starts first, as its own process (`flows.local_api`); the library and the
flow are imported, the configuration and codelists checked and the extract inspected while it
starts up, so a run does not wait for each in turn.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from flows.settings import apply_defaults

apply_defaults()

from prefect.settings import (  # noqa: E402
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)

from b12risk.run import progress  # noqa: E402
from flows.local_api import LocalApi, start_local_api  # noqa: E402

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
    api: LocalApi | None = None,
):
    """Run the flow; `api`: Prefect's local API if the caller started it already (first
    thing, see flows.cli), else it is started here."""
    with progress.stage("prepare"):
        if api is None:  # a configured API (a real server, the test harness): none to start
            api = LocalApi() if PREFECT_API_URL.value() else start_local_api()
        try:
            from b12risk.run import stages
            from flows.pipeline import pipeline

            stages.preflight(config)  # a bad config or edited codelist: ConfigError, no flow
            stages.inspect_ahead(extract)
        except BaseException:
            api.stop()
            raise
        api_url = api.wait()
    settings = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if api_url:
        settings[PREFECT_API_URL] = api_url
    with temporary_settings(updates=settings):
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
