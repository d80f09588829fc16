"""The `b12risk` command.

Exit codes (README): 0 done; 1 a failure of the environment (a full disk, a read-only folder,
Prefect's local API that does not start: one line saying what and where) or an unexpected
failure (details in the run's error log, never on the terminal); 2 input refused (an extract,
config or argument the user must fix: one line naming the file and column, no traceback);
3 the disclosure audit found a suppressed count it could recover, and no further suppression
hides it: nothing was published (the line names the table and cell families); 75 the
warehouse is busy (another run builds it, or a session holds it read-write: try again later,
or give --wait); 130 interrupted (SIGINT, Ctrl-C); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from flows.settings import apply_defaults

apply_defaults()  # before numpy or Prefect is imported

from b12risk import __version__  # noqa: E402
from b12risk.config import PROJECT_ROOT, ConfigError  # noqa: E402
from b12risk.home import project_home, run_paths  # noqa: E402
from b12risk.run import progress  # noqa: E402
from b12risk.shown import shown  # noqa: E402
from schemas.dates import plain_date  # noqa: E402


def say(text: str, file=None, **kwargs) -> None:
    """Print one line on the terminal: every message goes through `shown()`, so a file, column
    or key name from the input never reaches the terminal raw (an escape, a bidi override)."""
    print(shown(text), file=file or sys.stdout, **kwargs)


EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_AUDIT, EXIT_BUSY = 0, 1, 2, 3, 75  # 75: EX_TEMPFAIL
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.log = []  # the run's log records, kept off the terminal for its error log
    args.published = False  # set when a run of this command has published its warehouse
    with signals_interrupt() as received:
        try:
            code = args.handler(args)
        except BaseException as exc:  # noqa: BLE001 - the last line of defence: one line each
            if received or isinstance(exc, KeyboardInterrupt):
                return report_interrupted(received or [getattr(exc, "signum", signal.SIGINT)], args)
            return report_failure(exc, args)
        if received:  # a signal recorded after the run's last chance to raise it
            return report_interrupted(received, args)
        return code


def console_main() -> None:
    """The `b12risk` console script. After the command's last line, the exit handlers run
    (Prefect sends its last logs, then its local API stops) and the process ends without the
    interpreter's teardown, which prints DuckDB's leaked-object notices on the terminal."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    shutdown_threads = getattr(threading, "_shutdown", None)
    if shutdown_threads is not None:  # the interpreter's own order: threads' exit hooks first
        shutdown_threads()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextmanager
def signals_interrupt() -> Iterator[list[int]]:
    """SIGINT and SIGTERM interrupt the command (KeyboardInterrupt in the main thread), once:
    a second signal while it cleans up is only recorded (one during publication waits for
    it to end: flows.interruptions). Installed explicitly: a command started in the
    background by a shell may have inherited SIGINT ignored."""
    received: list[int] = []

    def handler(signum, frame):
        first = not received
        received.append(signum)
        if first:
            progress.mute()
            raise KeyboardInterrupt

    previous = {}
    for signum in EXIT_SIGNAL:
        try:
            previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread (a test calling main in a thread)
            pass
    try:
        yield received
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="b12risk",
        description="Find people at risk of vitamin B12 deficiency and report screening gaps.",
    )
    parser.add_argument("--version", action="version", version=f"b12risk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic extract (deterministic for a seed)")
    gen.add_argument("--patients", type=positive_int, required=True)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--as-of", type=iso_date, default=None, help="extract date (default: today)")
    gen.add_argument("--format", choices=("csv", "parquet"), default="csv")
    gen.add_argument("--bad-rows", type=float, default=0.0, help="share of corrupted event rows")
    gen.add_argument(
        "--practices", type=positive_int, default=None, help="GP practices (default: by size)"
    )
    gen.set_defaults(handler=cmd_generate)

    run = sub.add_parser("run", help="run the pipeline on an extract folder")
    run.add_argument("extract", type=Path, help="folder holding the five extract files")
    add_run_options(run)
    run.set_defaults(handler=cmd_run)

    demo = sub.add_parser("demo", help="generate a 10,000-patient sample and run the pipeline")
    demo.add_argument("--patients", type=positive_int, default=10_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(handler=cmd_demo)

    imp = sub.add_parser("import", help="convert Synthea CSV or OMOP CDM CSV into an extract")
    imp.add_argument("kind", choices=("synthea", "omop"))
    imp.add_argument("source", type=Path, help="the Synthea or OMOP CSV folder")
    imp.add_argument("--out", type=Path, required=True)
    imp.add_argument(
        "--extracted-on",
        type=iso_date,
        default=None,
        help="extract date (default: the latest event date in the source)",
    )
    imp.set_defaults(handler=cmd_import)

    aud = sub.add_parser(
        "audit-disclosure",
        help="prove no suppressed count of a published run can be recovered (HiGHS bounds)",
    )
    aud.add_argument("run_dir", type=Path, help="a run's published folder: reports/<run_id>")
    aud.add_argument("--previous", type=Path, help="the previous run's folder, to audit both")
    aud.add_argument("--k", type=positive_int, default=1, help="people changed between runs")
    aud.add_argument("--config", type=Path, default=None, help="the run's configuration")
    aud.add_argument("--out", type=Path, default=None, help="write every bound (JSON; exact)")
    aud.set_defaults(handler=cmd_audit_disclosure)

    dd = sub.add_parser("datadict", help="write the data dictionary (extract contract) as markdown")
    dd.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "extract-format.md")
    dd.set_defaults(handler=cmd_datadict)

    rules = sub.add_parser(
        "rules",
        help="print the rule index (every cohort and status: SQL, codelists, parameters, tests)",
    )
    rules.add_argument("--config", type=Path, default=None, help="cohort/screening config TOML")
    rules.add_argument("--out", type=Path, default=None, help="write it here (docs/rules.md)")
    rules.set_defaults(handler=cmd_rules)
    return parser


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="analysis date (default: the manifest's extracted_on, else today)",
    )
    parser.add_argument(
        "--allow-future-as-of",
        action="store_true",
        help="accept an --as-of after the extract's date; every output is marked",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="the DuckDB warehouse (default: data/warehouse.duckdb in the b12risk home)",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=None,
        help="run folders go here (default: reports/ in the b12risk home, else beside the "
        "warehouse)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="cohort/screening config TOML (default: the home's data/config/cohorts.toml)",
    )
    parser.add_argument(
        "--wait",
        type=non_negative_seconds,
        default=0.0,
        metavar="SECONDS",
        help="queue behind another run of the same warehouse for up to SECONDS (default: 0, "
        "exit 75 at once)",
    )
    parser.add_argument(
        "--worklists",
        action="store_true",
        help="also write patient-level worklists to reports/<run_id>/sensitive/",
    )
    parser.add_argument(
        "--no-disclosure-control",
        dest="disclosure",
        action="store_false",
        help="publish unsuppressed counts; every output is marked NOT FOR RELEASE",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks of unexpected failures"
    )


def cmd_generate(args: argparse.Namespace) -> int:
    from b12risk.synthetic.generate import generate_extract

    try:
        summary = generate_extract(
            args.out,
            patients=args.patients,
            seed=args.seed,
            as_of=args.as_of,
            fmt=args.format,
            bad_rows=args.bad_rows,
            practices=args.practices,
        )
    except (ValueError, TypeError) as exc:
        say(f"b12risk: generate refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    total = sum(summary.rows.values())
    say(f"wrote {summary.out_dir} ({total:,} rows in {summary.seconds:.1f}s)")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    paths = run_paths(args.warehouse, args.reports, args.config, project_home())
    args.paths = paths
    args.run_id = new_run_id()
    check_inputs(args, paths)  # in well under a second, before anything heavy starts
    outcome = run_pipeline(
        extract=args.extract,
        as_of=args.as_of,
        warehouse=paths.warehouse,
        reports=paths.reports,
        config=paths.config,
        worklists=args.worklists,
        disclosure=args.disclosure,
        allow_future_as_of=args.allow_future_as_of,
        wait_seconds=args.wait,
        args=args,
    )
    return print_outcome(outcome)


def check_inputs(args: argparse.Namespace, paths) -> None:
    """The inputs a run cannot do without, checked before Prefect's local API starts: the
    configuration, the extract folder (its five files, headers and manifest, without reading
    the data), the as-of date, and whether the warehouse is free. Raises what the run would."""
    from b12risk.ingest.stage import ExtractRefused, inspect_extract
    from b12risk.report.release import checked_config
    from b12risk.run import warehouse
    from schemas.dates import future_as_of_problem

    config = checked_config(paths.config, disclosure=getattr(args, "disclosure", True))
    files = inspect_extract(args.extract, config.max_gzip_expansion, hash_content=False)
    as_of = args.as_of or files.extracted_on
    problem = None
    if as_of and not args.allow_future_as_of:
        problem = future_as_of_problem(as_of, files.extracted_on, date.today())
    if problem:
        raise ExtractRefused(problem[0], None, problem[1])
    if args.wait == 0:
        target = warehouse.resolve(paths.warehouse)
        holder = warehouse.lock_holder(target)
        if holder is not None:
            raise warehouse.WarehouseBusy(warehouse.busy_message(target, holder))
        warehouse.refuse_read_write_session(target)


def cmd_demo(args: argparse.Namespace) -> int:
    from b12risk.synthetic.generate import generate_extract

    home = project_home() or PROJECT_ROOT
    sample = home / "data" / "sample"
    paths = run_paths(None, None, None, home)
    args.paths = paths
    as_of = date.today()
    say(f"generating a {args.patients:,}-patient sample extract in {sample} ...")
    generate_extract(sample, patients=args.patients, seed=args.seed, as_of=as_of, fmt="csv")
    if not paths.warehouse.exists():
        # A first run a quarter earlier, so the report can show change since the previous run.
        say(f"first run as of {as_of - timedelta(days=91)}, to compare the report against ...")
        args.run_id = new_run_id()
        earlier = run_pipeline(
            extract=sample,
            as_of=as_of - timedelta(days=91),
            warehouse=paths.warehouse,
            reports=paths.reports,
            config=paths.config,
            args=args,
        )
        if earlier.status != "published":
            return print_outcome(earlier)
    args.run_id = new_run_id()
    return print_outcome(
        run_pipeline(
            extract=sample,
            as_of=as_of,
            warehouse=paths.warehouse,
            reports=paths.reports,
            config=paths.config,
            args=args,
        )
    )


def cmd_import(args: argparse.Namespace) -> int:
    from b12risk.adapters import omop_to_extract, synthea_to_extract
    from b12risk.adapters.extract import SourceMissing

    convert = synthea_to_extract if args.kind == "synthea" else omop_to_extract
    try:
        rows = convert(args.source, args.out, extracted_on=args.extracted_on)
    except SourceMissing as exc:
        say(f"b12risk: import refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    say(f"wrote {args.out} ({sum(rows.values()):,} rows)")
    return EXIT_OK


def cmd_audit_disclosure(args: argparse.Namespace) -> int:
    """Exit 0 when every suppressed cell is safe, 3 when one can be recovered."""
    import json

    from b12risk.report.release import audit_release, checked_config

    result = audit_release(args.run_dir, checked_config(args.config), args.previous, args.k)
    if args.out:
        args.out.write_text(json.dumps(result.to_dict(), indent=1) + "\n", encoding="utf-8")
    for line in result.summary_lines():
        say(line, file=sys.stdout if result.passed else sys.stderr)
    return EXIT_OK if result.passed else EXIT_AUDIT


def cmd_datadict(args: argparse.Namespace) -> int:
    from schemas.datadict import render_data_dictionary

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_data_dictionary(), encoding="utf-8")
    say(f"wrote {args.out}")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from b12risk.config import load_config
    from b12risk.run.catalogue import render_rules_index

    text = render_rules_index(load_config(args.config))
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    say(f"wrote {args.out}")
    return EXIT_OK


def new_run_id() -> str:
    from b12risk.runinfo import new_run_id as make

    return make()


def run_pipeline(**kwargs):
    """Run the Prefect flow in this process, showing stage progress. Prefect's local API is
    stopped when the process exits (after Prefect has sent it its last logs)."""
    from flows.local_api import start_local_api

    api = start_local_api()  # first: Prefect's API starts while the flow and library import
    args = kwargs.pop("args")

    def note_publication(stage: str, event: str, info: dict) -> None:
        if (stage, event) == ("publish", "done"):
            args.published = True

    progress.subscribe(note_publication)
    try:
        from flows.display import progress_display
        from flows.run import run_pipeline as run_flow

        with progress_display():
            return run_flow(api=api, log=args.log, run_id=args.run_id, **kwargs)
    finally:
        progress.unsubscribe(note_publication)


def print_outcome(outcome) -> int:
    if outcome.status == "refused":
        say(f"b12risk: {outcome.message}", file=sys.stderr)
        return EXIT_REFUSED
    unknown = outcome.not_judged.get("n_unknown_unit")
    if unknown != 0 and outcome.not_judged:
        shown = "[suppressed]" if unknown is None else unknown
        say(
            f"b12risk: B12 results in a unit that cannot be converted (counted as tests, "
            f"not judged): {shown}",
            file=sys.stderr,
        )
    for warning in outcome.warnings:  # names of files, columns and keys only, never values
        say(f"b12risk: warning: {warning}", file=sys.stderr)
    say(f"warehouse: {outcome.warehouse}")
    say(f"reports: {outcome.reports_dir}")
    say(f"report: {outcome.report_html}")
    return EXIT_OK


def report_interrupted(received: list[int], args: argparse.Namespace) -> int:
    """The one line of an interrupted command (the run's next state is discarded by the
    flow; Prefect's local API is stopped by run_pipeline)."""
    from flows.display import stop_live_status

    stop_live_status()
    if args.published:
        folder = args.paths.reports / args.run_id
        say(
            f"b12risk: interrupted after the run was published (reports: {folder})", file=sys.stderr
        )
    else:
        say("b12risk: interrupted; the published warehouse is unchanged", file=sys.stderr)
    return EXIT_SIGNAL.get(received[0], EXIT_SIGNAL[signal.SIGINT])


def report_failure(exc: BaseException, args: argparse.Namespace) -> int:
    """One line on the terminal for every failure; tracebacks go to the run's error log."""
    from b12risk.storage import raised_storage_failure
    from flows.local_api import LocalApiUnavailable

    if isinstance(exc, ConfigError):
        say(f"b12risk: config refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if getattr(exc, "audit_failed", False):  # DisclosureAuditFailed: nothing published
        say(f"b12risk: nothing published: {exc}", file=sys.stderr)
        return EXIT_AUDIT
    if getattr(exc, "refuses_input", False):  # ExtractRefused, NoHome: one line each
        say(f"b12risk: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if type(exc).__name__ == "WarehouseBusy":  # not imported here: it brings in DuckDB
        say(f"b12risk: {exc}", file=sys.stderr)
        return EXIT_BUSY
    storage = raised_storage_failure(exc)
    if storage is not None or isinstance(exc, LocalApiUnavailable):
        where = write_error_log(exc, args)
        unchanged = "; the published warehouse is unchanged" if storage is not None else ""
        say(f"b12risk: {storage or exc}{unchanged} ({where})", file=sys.stderr)
        if getattr(args, "debug", False):
            traceback.print_exception(exc)
        return EXIT_FAILED
    where = write_error_log(exc, args)
    say(f"b12risk: unexpected failure ({type(exc).__name__}); {where}", file=sys.stderr)
    if getattr(args, "debug", False):
        traceback.print_exception(exc)
    return EXIT_FAILED


def write_error_log(exc: BaseException | None, args: argparse.Namespace, note: str = "") -> str:
    """Write the failure's traceback and the run's log records to `<reports>/<run_id>/
    error.log` and `<reports>/last-error.log` (the system's temporary folder when the reports
    folder cannot be written); return "details in <path>" for the one line."""
    from b12risk.run import folder as run_folder

    parts = [note] if note else []
    if exc is not None:
        parts.append("".join(traceback.format_exception(exc)))
    if getattr(args, "log", None):
        parts += ["log records of the run:", *args.log]
    text = "\n".join(parts) + "\n"
    paths = getattr(args, "paths", None)
    reports = paths.reports if paths is not None else None
    candidates = (
        run_folder.error_log_paths(reports, getattr(args, "run_id", None)) if reports else []
    )
    written = []
    for path in [*candidates, Path(tempfile.gettempdir()) / "b12risk-last-error.log"]:
        if written and path.name != run_folder.LAST_ERROR_LOG:
            continue  # one copy besides the run's own log is enough
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        except OSError:
            continue
    return f"details in {written[0]}" if written else "details could not be written"


def iso_date(text: str) -> date:
    try:
        return plain_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from exc


def non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from exc
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


if __name__ == "__main__":
    console_main()
