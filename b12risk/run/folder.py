"""A run's folder under `--reports`: it appears only for a run whose warehouse was published.

The report stage writes everything of a run (reports, manifest, validation, restricted/ and
sensitive/ subfolders alike) into `<reports>/.<run_id>.partial/`; the folder is renamed to
`<reports>/<run_id>/` only after the warehouse is published, with one rename, so a run
killed or failed at any point leaves no complete-looking report of a state that never
reached the warehouse. A partial folder left by a killed run is deleted by a later run once
it is a day old (a younger one may belong to a run that is still going, on another warehouse).

A failed run writes its error log to `<reports>/<run_id>/error.log` (the only file then in
that folder) and a copy to `<reports>/last-error.log`.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

STALE_PARTIAL_SECONDS = 24 * 3600
ERROR_LOG = "error.log"
LAST_ERROR_LOG = "last-error.log"


def partial_dir(reports_dir: Path, run_id: str) -> Path:
    return Path(reports_dir) / f".{run_id}.partial"


def published_dir(reports_dir: Path, run_id: str) -> Path:
    return Path(reports_dir) / run_id


def reveal(reports_dir: Path, run_id: str) -> Path:
    """Rename the run's partial folder to its published name (atomic on POSIX)."""
    target = published_dir(reports_dir, run_id)
    os.replace(partial_dir(reports_dir, run_id), target)
    _fsync_dir(target.parent)
    return target


def discard(reports_dir: Path, run_id: str) -> None:
    """Remove the partial folder of a run that was not published."""
    shutil.rmtree(partial_dir(reports_dir, run_id), ignore_errors=True)


def discard_stale(reports_dir: Path, now: float | None = None) -> list[Path]:
    """Remove partial folders older than a day (left by killed runs); return them."""
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(reports_dir))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".partial")):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age > STALE_PARTIAL_SECONDS:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def error_log_paths(reports_dir: Path, run_id: str | None) -> list[Path]:
    """Where a failed run's error log goes: its own folder's error.log (when the run has an
    id), then last-error.log beside the run folders."""
    reports_dir = Path(reports_dir)
    paths = [published_dir(reports_dir, run_id) / ERROR_LOG] if run_id else []
    return [*paths, reports_dir / LAST_ERROR_LOG]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
