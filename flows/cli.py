"""The `b12risk` command.

Exit codes: 0 done; 2 input refused (an extract, config or argument the user must fix: one line
naming the file and column, no traceback); 1 unexpected failure (details written to a log file,
never patient-level values on the terminal).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from datetime import date, timedelta
from pathlib import Path

from flows.settings import apply_defaults

apply_defaults()  # before numpy or Prefect is imported

from b12risk import __version__  # noqa: E402
from b12risk.config import PROJECT_ROOT, ConfigError  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2

DEMO_SAMPLE = PROJECT_ROOT / "data" / "sample"
DEMO_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
DEMO_REPORTS = PROJECT_ROOT / "reports"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"b12risk: config refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("b12risk: interrupted; the published warehouse is unchanged", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        return report_unexpected(exc, getattr(args, "debug", False))


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
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--reports", type=Path, default=Path("reports"))
    parser.add_argument("--config", type=Path, default=None, help="cohort/screening config TOML")
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
        )
    except (ValueError, TypeError) as exc:
        print(f"b12risk: generate refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    total = sum(summary.rows.values())
    print(f"wrote {summary.out_dir} ({total:,} rows in {summary.seconds:.1f}s)")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    outcome = run_pipeline(
        extract=args.extract,
        as_of=args.as_of,
        warehouse=args.warehouse,
        reports=args.reports,
        config=args.config,
        worklists=args.worklists,
        disclosure=args.disclosure,
    )
    return print_outcome(outcome)


def cmd_demo(args: argparse.Namespace) -> int:
    from b12risk.synthetic.generate import generate_extract

    as_of = date.today()
    print(f"generating a {args.patients:,}-patient sample extract in {DEMO_SAMPLE} ...")
    generate_extract(DEMO_SAMPLE, patients=args.patients, seed=args.seed, as_of=as_of, fmt="csv")
    if not DEMO_WAREHOUSE.exists():
        # A first run a quarter earlier, so the report can show change since the previous run.
        print(f"first run as of {as_of - timedelta(days=91)}, to compare the report against ...")
        earlier = run_pipeline(
            extract=DEMO_SAMPLE,
            as_of=as_of - timedelta(days=91),
            warehouse=DEMO_WAREHOUSE,
            reports=DEMO_REPORTS,
        )
        if earlier.status != "published":
            return print_outcome(earlier)
    return print_outcome(
        run_pipeline(
            extract=DEMO_SAMPLE, as_of=as_of, warehouse=DEMO_WAREHOUSE, reports=DEMO_REPORTS
        )
    )


def cmd_import(args: argparse.Namespace) -> int:
    from b12risk.adapters import omop_to_extract, synthea_to_extract
    from b12risk.adapters.extract import SourceMissing

    convert = synthea_to_extract if args.kind == "synthea" else omop_to_extract
    try:
        rows = convert(args.source, args.out, extracted_on=args.extracted_on)
    except SourceMissing as exc:
        print(f"b12risk: import refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"wrote {args.out} ({sum(rows.values()):,} rows)")
    return EXIT_OK


def cmd_datadict(args: argparse.Namespace) -> int:
    from schemas.datadict import render_data_dictionary

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_data_dictionary(), encoding="utf-8")
    print(f"wrote {args.out}")
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
    print(f"wrote {args.out}")
    return EXIT_OK


def run_pipeline(**kwargs):
    """Run the Prefect flow in this process, showing stage progress."""
    from flows.local_api import start_local_api

    api = start_local_api()  # first: Prefect's API starts while the flow and library import
    from flows.display import progress_display
    from flows.run import run_pipeline as run_flow

    with progress_display():
        return run_flow(api=api, **kwargs)


def print_outcome(outcome) -> int:
    if outcome.status == "refused":
        print(f"b12risk: {outcome.message}", file=sys.stderr)
        return EXIT_REFUSED
    unknown = outcome.not_judged.get("n_unknown_unit")
    if unknown != 0 and outcome.not_judged:
        shown = "[suppressed]" if unknown is None else unknown
        print(
            f"b12risk: B12 results in a unit that cannot be converted (counted as tests, "
            f"not judged): {shown}",
            file=sys.stderr,
        )
    for warning in outcome.warnings:  # names of files, columns and keys only, never values
        print(f"b12risk: warning: {warning}", file=sys.stderr)
    print(f"report: {outcome.report_html}")
    return EXIT_OK


def report_unexpected(exc: BaseException, debug: bool) -> int:
    """One line on the terminal; the traceback goes to a local log file, not the screen."""
    log_path = DEMO_REPORTS / "last-error.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        where = f"details in {log_path}"
    except OSError:
        where = "details could not be written"
    print(f"b12risk: unexpected failure ({type(exc).__name__}); {where}", file=sys.stderr)
    if debug:
        traceback.print_exception(exc)
    return EXIT_FAILED


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from exc


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
