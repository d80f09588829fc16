"""Serve the pipeline on a schedule: `python -m flows.serve EXTRACT --cron "0 2 * * *"`.

Schedules need a real Prefect server (the ephemeral API cannot schedule): start one with
`PREFECT_UI_ENABLED=false .venv/bin/prefect server start` and set
`PREFECT_API_URL=http://127.0.0.1:4200/api` for this process. Each scheduled run analyses the
extract folder as of its manifest's `extracted_on` (else the run date).
"""

from __future__ import annotations

import argparse

from flows.pipeline import pipeline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve")
    parser.add_argument("extract", help="the folder the nightly extract is delivered to")
    parser.add_argument("--cron", default="0 2 * * *")
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--reports", default="reports")
    parser.add_argument("--config", default=None)
    parser.add_argument("--name", default="b12risk-nightly")
    args = parser.parse_args(argv)
    pipeline.serve(
        name=args.name,
        cron=args.cron,
        parameters={
            "extract_dir": args.extract,
            "warehouse_path": args.warehouse,
            "reports_dir": args.reports,
            "config_path": args.config,
        },
    )


if __name__ == "__main__":
    main()
