"""The b12risk pipeline as a Prefect flow: thin tasks over `b12risk.run.stages`, composed here.

inspect → ingest → validate → cohorts → status → report (+ manifest) → publish, then the run's
folder is revealed. The business logic is in the library; this module only orders the stages,
reports progress and records artifacts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from b12risk.access import Access
from b12risk.ingest.stage import ExtractRefused
from b12risk.report.release import checked_config
from b12risk.run import folder as run_folder
from b12risk.run import progress, stages, warehouse
from b12risk.runinfo import new_run_id
from flows import interruptions
from flows import run as ahead


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


inspect_task = _task("inspect")(_refusable(ahead.inspect))
ingest_task = _task("ingest")(_refusable(stages.ingest))
validate_task = _task("validate")(_refusable(stages.validate))
cohorts_task = _task("flag-cohorts")(stages.cohorts)
status_task = _task("screening-status")(stages.status)
report_task = _task("report")(stages.report)
manifest_task = _task("manifest")(stages.write_manifest)
publish_task = _task("publish")(stages.publish)


@flow(name="b12risk-pipeline", persist_result=False, validate_parameters=False)
def pipeline(
    extract_dir: str,
    as_of: date | None = None,
    warehouse_path: str = "data/warehouse.duckdb",
    reports_dir: str = "reports",
    config_path: str | None = None,
    worklists: bool = False,
    disclosure: bool = True,
    allow_future_as_of: bool = False,
    wait_seconds: float = 0.0,
    run_id: str | None = None,
) -> stages.RunOutcome | Failed | Completed:
    """Ingest one extract, flag cohorts, work out screening status, report and publish.

    The order keeps every failure harmless: the next warehouse state is built privately, the
    run's files are written into a partial folder, the warehouse is published, and only then
    does the folder take its published name (b12risk.run.folder)."""
    # The CLI ran the full preflight (codelists too); a served run meets the same refusals.
    config = checked_config(config_path, disclosure=disclosure)
    access = Access.from_settings(config.security)
    request = stages.RunRequest(
        extract_dir=Path(extract_dir),
        warehouse=warehouse.resolve(warehouse_path),
        reports_dir=Path(reports_dir).absolute(),
        as_of=as_of,
        worklists=worklists,
        disclosure=disclosure,
        allow_future_as_of=allow_future_as_of,
        wait_seconds=wait_seconds,
        run_id=run_id or new_run_id(),
        access=access,
    )
    timings: dict[str, float] = {}
    published = False
    # Everything the run creates is private (b12risk.access); the published folder is opened.
    with (
        access.private(),
        warehouse.run_lock(request.warehouse, request.wait_seconds, request.run_id),
    ):
        run_folder.discard_stale(request.reports_dir)
        try:
            with progress.stage("inspect", timings):
                files = _raise_refusal(inspect_task(request.extract_dir, config.max_gzip_expansion))
            run = stages.begin_run(files, request, config)
            with progress.stage("ingest", timings):
                staged = _raise_refusal(ingest_task(request, files))
            with progress.stage("validate", timings):
                validation = _raise_refusal(validate_task(request, staged, run, config))
            with progress.stage("cohorts", timings):
                cohorts_task(request, config, run)
            with progress.stage("status", timings):
                screened = status_task(request, config, run)
            with progress.stage("report", timings):
                reported = report_task(request, config, run, validation)
            manifest = manifest_task(request, config, run, files, validation, timings, screened)
            # Publication and the run's folder belong together: no signal cuts between them.
            with interruptions.uninterruptible(), progress.stage("publish", timings):
                publish_task(request, run)
                published = True
                published_dir = stages.reveal_reports(request, run)
        except ExtractRefused as refusal:
            _discard(request)
            # A Failed flow run (visible as such on a dashboard), with no traceback: the
            # refusal is the user's to fix, and its one line names the file and column.
            outcome = stages.RunOutcome(run_id="", status="refused", message=str(refusal))
            return Failed(message=str(refusal), data=outcome)
        except BaseException:
            if not published:  # else its folder is all that holds the published run's reports
                _discard(request)
            raise
    _artifacts(reported)
    warnings = [*validation.to_dict().get("warnings", []), *reported.warnings]
    outcome = stages.RunOutcome(
        run_id=run.run_id,
        status="published",
        report_html=str(published_dir / reported.report_html.name),
        reports_dir=str(published_dir),
        warehouse=str(request.warehouse),
        timings=timings,
        warnings=warnings,
        not_judged=manifest["lab_results_not_judged"],
    )
    if warnings:  # Completed, and the run's state message says what to look at
        return Completed(message="published with warnings: " + "; ".join(warnings), data=outcome)
    return outcome


def _discard(request: stages.RunRequest) -> None:
    """What a run that did not publish leaves behind: its next state and its partial folder."""
    warehouse.discard_next(request.warehouse)
    if request.run_id:
        run_folder.discard(request.reports_dir, request.run_id)


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
