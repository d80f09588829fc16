"""Run the pipeline flow in this process on embedded defaults (nothing for the user to start).

Prefect's local API starts first, as its own process (`flows.local_api`); the library and the
flow are imported, the configuration and codelists checked and the extract inspected while it
starts up, so a run does not wait for each in turn.

While the flow runs, no log record reaches the terminal: the command that called this owns
the terminal (progress and one line per outcome). Records of WARNING and above, Prefect's
flow- and task-run errors with their tracebacks among them, are kept in `log` for the run's
error log instead.
"""

from __future__ import annotations

import copy
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from flows.settings import apply_defaults

apply_defaults()

from prefect.exceptions import TerminationSignal  # noqa: E402
from prefect.settings import (  # noqa: E402
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)

from b12risk.run import progress  # noqa: E402
from flows.interruptions import Interrupted  # noqa: E402
from flows.local_api import LocalApi, start_local_api  # noqa: E402

# At exit Prefect's client drains its event queue and says so at WARNING: noise for users.
logging.getLogger("EventsWorker").setLevel(logging.ERROR)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run_pipeline(
    *,
    extract: Path,
    as_of: date | None,
    warehouse: Path,
    reports: Path,
    config: Path | None = None,
    worklists: bool = False,
    disclosure: bool = True,
    allow_future_as_of: bool = False,
    wait_seconds: float = 0.0,
    run_id: str | None = None,
    api: LocalApi | None = None,
    log: list[str] | None = None,
):
    """Run the flow; `api`: Prefect's local API if the caller started it already (first
    thing, see flows.cli), else it is started here. `log` collects the log records of the
    run (formatted lines), kept off the terminal."""
    with progress.stage("prepare"):
        if api is None:  # a configured API (a real server, the test harness): none to start
            api = LocalApi() if PREFECT_API_URL.value() else start_local_api()
        try:
            from b12risk.run import stages
            from flows.pipeline import pipeline

            # A bad config or edited codelist: ConfigError, no flow.
            checked = stages.preflight(config, disclosure=disclosure)
            inspect_ahead(extract, checked.max_gzip_expansion)
            api_url = api.wait()
        except BaseException:
            api.stop()
            raise
    settings = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if api_url:
        settings[PREFECT_API_URL] = api_url
    with (
        temporary_settings(updates=settings),
        logs_kept_off_the_terminal(log),
        signals_named(),
    ):
        state = pipeline(
            return_state=True,
            extract_dir=str(extract),
            as_of=as_of,
            warehouse_path=str(warehouse),
            reports_dir=str(reports),
            config_path=str(config) if config else None,
            worklists=worklists,
            disclosure=disclosure,
            allow_future_as_of=allow_future_as_of,
            wait_seconds=wait_seconds,
            run_id=run_id,
        )
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException):  # an unexpected failure: the CLI reports it
        signum = interrupting_signal(outcome)
        if signum is not None:
            raise Interrupted(signum) from outcome
        raise outcome
    return outcome


# Inspections made ahead of a run (`inspect_ahead`, while Prefect's API starts), each taken once
# by the run's inspect stage (`inspect`, flows.pipeline): the flow's business, not the library's.
_AHEAD: dict[Path, tuple[tuple, object]] = {}


def inspect(extract_dir: Path, max_gzip_expansion: float | None = None):
    """Inspect the extract, or take the inspection `inspect_ahead` made of it, if no entry of
    the folder has changed since (names, sizes, modification and change times, inodes)."""
    from b12risk.run import stages

    directory = Path(extract_dir)
    ahead = _AHEAD.pop(directory.resolve(), None)
    if ahead is not None and ahead[0] and ahead[0] == stages.folder_fingerprint(directory):
        return ahead[1]
    return stages.inspect(directory, *_limits(max_gzip_expansion))


def inspect_ahead(extract_dir: Path, max_gzip_expansion: float | None = None) -> None:
    """Inspect the extract before the flow starts, for the run's inspect stage to take. A
    refusal, or any other error, is left for that stage to raise and record in the flow run."""
    from b12risk.run import stages

    directory = Path(extract_dir)
    before = stages.folder_fingerprint(directory)
    try:
        files = stages.inspect(directory, *_limits(max_gzip_expansion))
    except Exception:  # noqa: BLE001 - the inspect stage meets it again and reports it
        return
    if before and before == stages.folder_fingerprint(directory):
        _AHEAD[directory.resolve()] = (before, copy.deepcopy(files))


def _limits(max_gzip_expansion: float | None) -> tuple[float, ...]:
    return () if max_gzip_expansion is None else (max_gzip_expansion,)


@contextmanager
def signals_named() -> Iterator[None]:
    """A signal that stopped the flow leaves it as Interrupted, however Prefect raised it."""
    try:
        yield
    except Interrupted:
        raise
    except BaseException as exc:
        signum = interrupting_signal(exc)
        if signum is None:
            raise
        raise Interrupted(signum) from exc


def interrupting_signal(exc: BaseException) -> int | None:
    """The signal behind a failure, if a signal caused it: a SIGTERM that Prefect turned into
    TerminationSignal, or a Ctrl-C (KeyboardInterrupt), possibly under an error Prefect's
    engine raised while it handled the crash."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, TerminationSignal):
            return link.signal
        if isinstance(link, KeyboardInterrupt):
            return getattr(link, "signum", signal.SIGINT)
        link = link.__cause__ or link.__context__
    return None


@contextmanager
def logs_kept_off_the_terminal(kept: list[str] | None) -> Iterator[None]:
    """Every logging handler that writes to a stream other than a file (Prefect's console
    handler among them) drops every record while this holds; records of WARNING and above
    that reach the root logger are formatted into `kept` instead."""
    root = logging.getLogger()
    loggers = [
        root,
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    muted = {
        id(h): h
        for logger in loggers
        for h in logger.handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    }.values()
    collector = _Collector(kept if kept is not None else [])
    silence = _DropAll()
    for handler in muted:
        handler.addFilter(silence)
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
        for handler in muted:
            handler.removeFilter(silence)


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


class _Collector(logging.Handler):
    def __init__(self, lines: list[str]):
        super().__init__(level=logging.WARNING)
        self.lines = lines
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is dropped
            pass
