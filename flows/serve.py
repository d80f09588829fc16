"""Serve the pipeline on a schedule: `python -m flows.serve EXTRACT --cron "0 2 * * *"`.

Schedules need a real Prefect server (the ephemeral API cannot schedule): start one with
`PREFECT_UI_ENABLED=false .venv/bin/prefect server start` and set
`PREFECT_API_URL=http://127.0.0.1:4200/api` for this process. Each scheduled run analyses the
extract folder as of its manifest's `extracted_on` (else the run date).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from b12risk.home import NoHome, project_home, run_paths
from flows.pipeline import pipeline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve")
    parser.add_argument("extract", help="the folder the nightly extract is delivered to")
    parser.add_argument("--cron", default="0 2 * * *")
    parser.add_argument("--warehouse", default=None, help="default: the b12risk home's")
    parser.add_argument("--reports", default=None, help="default: the b12risk home's")
    parser.add_argument("--config", default=None)
    parser.add_argument("--name", default="b12risk-nightly")
    args = parser.parse_args(argv)
    try:  # absolute paths: the scheduled runs do not depend on where they are started
        paths = run_paths(args.warehouse, args.reports, args.config, project_home())
    except NoHome as exc:
        parser.error(str(exc))
    pipeline.serve(
        name=args.name,
        cron=args.cron,
        parameters={
            "extract_dir": str(Path(args.extract).absolute()),
            "warehouse_path": str(paths.warehouse),
            "reports_dir": str(paths.reports),
            "config_path": str(paths.config) if paths.config else None,
        },
    )


if __name__ == "__main__":
    main()
