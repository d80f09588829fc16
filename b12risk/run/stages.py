"""The pipeline's stages as plain functions over the run's private warehouse file.

Each stage opens its own connection to the next warehouse state (a path), so the Prefect
tasks in `flows/` stay thin wrappers and every stage is callable and testable without Prefect.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from b12risk import storage
from b12risk.access import Access, public_folder
from b12risk.codelists.load import load_codelists, read_manifest
from b12risk.cohorts.definitions import checksum, cohort_definitions
from b12risk.cohorts.flag import flag_cohorts
from b12risk.config import (
    DEFAULT_CODELISTS,
    DEFAULT_MAX_GZIP_EXPANSION,
    MEMORY_LIMIT,
    Config,
    load_config,
)
from b12risk.ingest.stage import ExtractFiles, ExtractRefused, inspect_extract, stage_extract
from b12risk.ingest.validate import judge_quarantine, validate_extract
from b12risk.report import write_reports
from b12risk.report.disclosure import DisclosurePolicy, suppress
from b12risk.report.release import PRIVATE_DIRS, RESTRICTED_DIR, checked_config, published_document
from b12risk.run import folder as run_folder
from b12risk.run import warehouse
from b12risk.runinfo import RunInfo, new_run_id
from b12risk.sql import run_sql
from b12risk.status.screen import record_status_history, screening_status, status_checksum
from schemas.dates import future_as_of_problem


@dataclass
class RunRequest:
    """What the user asked for: where the extract is and where the answers go."""

    extract_dir: Path
    warehouse: Path
    reports_dir: Path
    as_of: date | None = None
    worklists: bool = False
    disclosure: bool = True
    codelists_dir: Path = DEFAULT_CODELISTS
    allow_future_as_of: bool = False  # an as-of after the extract's date: outputs are marked
    wait_seconds: float = 0.0  # how long to queue behind another run of the warehouse
    run_id: str | None = None  # given by the caller (its error log is named after it)
    access: Access = Access()  # who may read the private files ([security], b12risk.access)


@dataclass
class RunOutcome:
    run_id: str
    status: str  # "published" | "refused"
    message: str = ""
    report_html: str | None = None
    reports_dir: str | None = None
    warehouse: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    not_judged: dict[str, Any] = field(default_factory=dict)


def preflight(
    config_path: Path | None,
    codelists_dir: Path = DEFAULT_CODELISTS,
    *,
    disclosure: bool = True,
) -> Config:
    """Check the configuration (thresholds weaker than the published disclosure policy among
    it) and the reviewed codelists before a run starts, so a user's mistake there is a
    one-line refusal rather than a failed flow."""
    config = checked_config(config_path, disclosure=disclosure)
    with duckdb.connect() as con:
        load_codelists(con, codelists_dir)
    return config


def inspect(
    extract_dir: Path, max_gzip_expansion: float = DEFAULT_MAX_GZIP_EXPANSION
) -> ExtractFiles:
    """The inspect stage: the extract's files, headers and manifest (b12risk.ingest)."""
    return inspect_extract(Path(extract_dir), max_gzip_expansion)


def folder_fingerprint(directory: Path) -> tuple:
    """What changes when any entry of the folder is replaced, rewritten, added or removed."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
        return tuple(
            (e.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            for e in entries
            for st in [e.stat()]
        )
    except OSError:
        return ()


def begin_run(files: ExtractFiles, request: RunRequest, config: Config) -> RunInfo:
    started = datetime.now(UTC)
    as_of = request.as_of or files.extracted_on or started.date()
    refuse_future_as_of(as_of, files.extracted_on, started.date(), request.allow_future_as_of)
    run = RunInfo(
        run_id=request.run_id or new_run_id(started),
        as_of=as_of,
        extract_dir=str(files.directory),
        extract_hash=files.content_hash,
        extract_id=files.extract_id,
        extracted_on=files.extracted_on,
        started_at=started,
        rule_checksums=rule_checksums(config, request.codelists_dir),
        source=files.manifest.get("source"),
    )
    with storage.writing(warehouse.next_path(request.warehouse)):
        warehouse.prepare_next(request.warehouse, run, config.source, request.wait_seconds)
    return run


def rule_checksums(config: Config, codelists_dir: Path = DEFAULT_CODELISTS) -> dict[str, str]:
    """What `runs.rule_checksums` records: each cohort's definition, the status rules and the
    codelists (docs/rules.md)."""
    manifest = read_manifest(codelists_dir)
    return {
        **{d.cohort.name: d.checksum for d in cohort_definitions(config, codelists_dir)},
        "screening_status": status_checksum(config, codelists_dir),
        "codelists": checksum({c: entry.get("sha256") for c, entry in manifest.items()}),
    }


def refuse_future_as_of(
    as_of: date, extracted_on: date | None, today: date, allowed: bool = False
) -> None:
    """An as-of date after the extract's date counts events the extract cannot hold: refused
    (ExtractRefused) unless `allowed` (--allow-future-as-of)."""
    problem = None if allowed else future_as_of_problem(as_of, extracted_on, today)
    if problem:
        raise ExtractRefused(problem[0], None, problem[1])


def ingest(request: RunRequest, files: ExtractFiles):
    with _open(request) as con:
        return stage_extract(con, files)


def validate(request: RunRequest, staged, run: RunInfo, config: Config | None = None):
    """Validate and quarantine; a table mostly quarantined refuses the extract (ExtractRefused),
    a lower share is a warning of the result (`[validation]` in the config)."""
    config = config or load_config()
    with _open(request) as con:
        result = validate_extract(con, staged, run.run_id, run.extract_hash, run.extract_date)
        warehouse.record_counts(con, run.run_id, result.to_dict()["tables"])
        judge_quarantine(
            con,
            result,
            staged,
            run.run_id,
            {t: config.max_quarantined_share(t) for t in result.tables},
            config.quarantine_share_min_rows,
        )
        return result


def cohorts(request: RunRequest, config: Config, run: RunInfo):
    with _open(request) as con:
        load_codelists(con, request.codelists_dir)
        return flag_cohorts(con, config, run.as_of, run.run_id)


def status(request: RunRequest, config: Config, run: RunInfo):
    with _open(request) as con:
        result = screening_status(con, config, run.as_of, run.run_id)
        record_status_history(con, run.run_id, run.as_of, run.extract_hash)
        return result


def report(request: RunRequest, config: Config, run: RunInfo, validation):
    out_dir = run_reports_dir(request, run)
    policy = DisclosurePolicy.from_settings(config.disclosure, enabled=request.disclosure)
    exact = validation_document(run, validation)
    with storage.writing(out_dir):
        public_folder(request.reports_dir)
        (out_dir / RESTRICTED_DIR).mkdir(parents=True, exist_ok=True)
        write_json(out_dir / RESTRICTED_DIR / "validation.json", exact)
        write_json(out_dir / "validation.json", published_validation(exact, policy))
    with _open(request) as con, storage.writing(out_dir):
        return write_reports(
            con,
            config,
            run,
            out_dir,
            worklists=request.worklists,
            disclosure=request.disclosure,
            data_quality=validation.to_dict()["tables"],
        )


def publish(request: RunRequest, run: RunInfo) -> Path:
    nxt = warehouse.next_path(request.warehouse)
    with storage.writing(nxt):
        request.access.share(nxt)  # created private; now the group's too, if one is set
        return warehouse.publish(request.warehouse, run.run_id, request.wait_seconds)


def reveal_reports(request: RunRequest, run: RunInfo) -> Path:
    """After publication: the run's folder under its published name (run_folder), readable
    but for its restricted/ and sensitive/ folders (b12risk.access)."""
    folder = run_reports_dir(request, run)
    with storage.writing(folder):
        request.access.publish_folder(folder, PRIVATE_DIRS)
        return run_folder.reveal(request.reports_dir, run.run_id)


def run_reports_dir(request: RunRequest, run: RunInfo) -> Path:
    """Where this run writes its files: the partial folder, renamed once published."""
    return run_folder.partial_dir(request.reports_dir, run.run_id)


def published_reports_dir(request: RunRequest, run: RunInfo) -> Path:
    return run_folder.published_dir(request.reports_dir, run.run_id)


def validation_document(run: RunInfo, validation) -> dict[str, Any]:
    """Exact counts per table and rule, never values: for restricted/ (release.py)."""
    return {"run_id": run.run_id, "extract_hash": run.extract_hash, **validation.to_dict()}


def published_validation(exact: dict[str, Any], policy: DisclosurePolicy) -> dict[str, Any]:
    """validation.json as it may be released: the same counts through disclosure control."""
    # rule_counts repeat the tables'; quarantine_scrubbed counts rows of earlier runs: exact
    # in restricted/ only
    without_repeat = {
        k: v for k, v in exact.items() if k not in ("rule_counts", "quarantine_scrubbed")
    }
    return published_document(without_repeat, policy, "validation.json", "tables")


def write_manifest(
    request: RunRequest,
    config: Config,
    run: RunInfo,
    files: ExtractFiles,
    validation,
    timings: dict[str, float],
    status_result=None,
) -> dict[str, Any]:
    """Write manifest.json into the run's folder (before publication) and return what it says."""
    with _open(request) as con:
        codelists = [
            dict(zip(("concept", "version", "sha256", "source", "n_codes"), row, strict=True))
            for row in run_sql(con, "run/codelist_versions").fetchall()
        ]
    document = {
        "run_id": run.run_id,
        "as_of": run.as_of,
        "as_of_after_extract_date": run.as_of > run.extract_date,
        "extract": {
            "directory": str(files.directory),
            "extract_id": run.extract_id,
            "content_hash": run.extract_hash,
            "extracted_on": run.extracted_on,
            "formats": files.formats,
            "warnings": files.warnings,
            # Inspection runs ahead of the flow (while Prefect's API starts), so the inspect
            # stage of stage_seconds only takes its result: this is what it cost.
            "inspection_seconds": round(files.seconds, 3),
        },
        "package_version": run.package_version,
        "config_source": config.source,
        "config": config.raw,
        "disclosure_control": request.disclosure,
        "worklists_written": request.worklists,
        "codelists": codelists,
        "reconciliation": validation.to_dict()["tables"],
        "lab_results_not_judged": results_not_judged(status_result),
        "stage_seconds": timings,
        "warehouse": str(request.warehouse),
        "started_at": run.started_at,
        "finished_at": datetime.now(UTC),
    }
    policy = DisclosurePolicy.from_settings(config.disclosure, enabled=request.disclosure)
    published = published_document(document, policy, "manifest.json", "reconciliation") | {
        "lab_results_not_judged": published_not_judged(document["lab_results_not_judged"], policy),
    }
    folder = run_reports_dir(request, run)
    for path, written in (
        (folder / RESTRICTED_DIR / "manifest.json", document),
        (folder / "manifest.json", published),
    ):
        with storage.writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json(path, written)
    return published


def results_not_judged(status_result) -> dict[str, Any]:
    """B12 results counted as tests but not judged (unknown unit, no value): exact."""
    if status_result is None:
        return {}
    return {
        "n_unknown_unit": status_result.n_unknown_unit_results,
        "n_without_value": status_result.n_results_without_value,
    }


def published_not_judged(exact: dict[str, Any], policy: DisclosurePolicy) -> dict[str, Any]:
    """The same counts through disclosure control, like every aggregate output."""
    if not exact:
        return {}
    published = suppress(
        pd.DataFrame({k: [v] for k, v in exact.items()}), list(exact), policy=policy
    )
    return {k: _plain(v) for k, v in published.iloc[0].items()}


def _plain(value: Any) -> Any:
    return None if pd.isna(value) else value.item() if hasattr(value, "item") else value


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, default=_json_default) + "\n", encoding="utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value):
        return asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@contextmanager
def _open(request: RunRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the run's private warehouse file for one stage; a full disk or a read-only folder
    is a StorageFailure naming the file."""
    path = warehouse.next_path(request.warehouse)
    with storage.writing(path, reading=_extract_files(request)):
        con = warehouse.connect(path, MEMORY_LIMIT)
        try:
            yield con
        finally:
            con.close()


def _extract_files(request: RunRequest) -> list[Path]:
    """The extract's files: only read (an error naming one is about reading it)."""
    try:
        return [p for p in Path(request.extract_dir).iterdir() if p.is_file()]
    except OSError:
        return []
