"""The b12risk pipeline as a Prefect flow: thin tasks over `b12risk.run.stages`, composed here.

ingest → validate → cohorts → status → report → publish → manifest. The business logic is in
the library; this module only orders the stages, reports progress and records artifacts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from b12risk.config import load_config
from b12risk.ingest.stage import ExtractRefused
from b12risk.run import progress, stages, warehouse


def _task(name: str):
    return task(name=name, cache_policy=NO_CACHE, persist_result=False, retries=0)


def _refusable(fn):
    """Return a refusal as a value: a user's mistake is not a task crash with a traceback."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ExtractRefused as refusal:
            return refusal

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _raise_refusal(result):
    if isinstance(result, ExtractRefused):
        raise result
    return result


inspect_task = _task("inspect")(_refusable(stages.inspect))
ingest_task = _task("ingest")(_refusable(stages.ingest))
validate_task = _task("validate")(stages.validate)
cohorts_task = _task("flag-cohorts")(stages.cohorts)
status_task = _task("screening-status")(stages.status)
report_task = _task("report")(stages.report)
publish_task = _task("publish")(stages.publish)
manifest_task = _task("manifest")(stages.write_manifest)


@flow(name="b12risk-pipeline", persist_result=False, validate_parameters=False)
def pipeline(
    extract_dir: str,
    as_of: date | None = None,
    warehouse_path: str = "data/warehouse.duckdb",
    reports_dir: str = "reports",
    config_path: str | None = None,
    worklists: bool = False,
    disclosure: bool = True,
) -> stages.RunOutcome | Failed:
    """Ingest one extract, flag cohorts, work out screening status, report and publish."""
    config = load_config(config_path)
    request = stages.RunRequest(
        extract_dir=Path(extract_dir),
        warehouse=Path(warehouse_path),
        reports_dir=Path(reports_dir),
        as_of=as_of,
        worklists=worklists,
        disclosure=disclosure,
    )
    timings: dict[str, float] = {}
    with warehouse.run_lock(request.warehouse):
        try:
            with progress.stage("inspect", timings):
                files = _raise_refusal(inspect_task(request.extract_dir))
            run = stages.begin_run(files, request, config)
            with progress.stage("ingest", timings):
                staged = _raise_refusal(ingest_task(request, files))
            with progress.stage("validate", timings):
                validation = validate_task(request, staged, run)
            with progress.stage("cohorts", timings):
                cohorts_task(request, config, run)
            with progress.stage("status", timings):
                screened = status_task(request, config, run)
            with progress.stage("report", timings):
                reported = report_task(request, config, run, validation)
            with progress.stage("publish", timings):
                publish_task(request, run)
        except ExtractRefused as refusal:
            warehouse.discard_next(request.warehouse)
            # A Failed flow run (visible as such on a dashboard), with no traceback: the
            # refusal is the user's to fix, and its one line names the file and column.
            outcome = stages.RunOutcome(run_id="", status="refused", message=str(refusal))
            return Failed(message=str(refusal), data=outcome)
        except BaseException:
            warehouse.discard_next(request.warehouse)
            raise
    manifest = manifest_task(request, config, run, files, validation, timings, screened)
    _artifacts(reported)
    return stages.RunOutcome(
        run_id=run.run_id,
        status="published",
        report_html=str(reported.report_html),
        reports_dir=str(stages.run_reports_dir(request, run)),
        warehouse=str(request.warehouse),
        timings=timings,
        warnings=validation.to_dict().get("warnings", []),
        not_judged=manifest["lab_results_not_judged"],
    )


def _artifacts(reported) -> None:
    create_markdown_artifact(
        markdown=reported.summary_markdown,
        key="b12risk-summary",
        description="Screening-gap headline numbers (disclosure-controlled)",
    )
    if reported.published_rows:
        create_table_artifact(
            table=reported.published_rows,
            key="b12risk-gap-summary",
            description="Published aggregates (disclosure-controlled)",
        )
