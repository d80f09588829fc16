"""One pipeline run in this process through the Prefect flow, recording per stage the wall time
and the peak RSS reached during that stage (Linux: VmHWM, reset through /proc/self/clear_refs).

As `b12risk run` does (b12risk/cli.py), Prefect's local API is started before the library and
the flow are imported."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from flows.local_api import start_local_api


def rss_peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def main(extract: str, warehouse: str, reports: str, out: str, as_of: str) -> None:
    api = start_local_api()
    from b12risk.run import progress
    from flows.run import run_pipeline

    stages: dict[str, dict] = {}

    def listener(stage: str, event: str, info: dict) -> None:
        if event == "start":
            reset_peak()
        else:
            stages[stage] = {"seconds": info.get("seconds", 0.0), "rss_mb": rss_peak_mb()}

    progress.subscribe(listener)
    outcome = run_pipeline(
        extract=Path(extract),
        as_of=date.fromisoformat(as_of),
        warehouse=Path(warehouse),
        reports=Path(reports),
        api=api,
    )
    if outcome.status != "published":
        raise SystemExit(f"benchmark run was {outcome.status}: {outcome.message}")
    # The inspection (structure, content hash) ran inside 'prepare', ahead of the flow while
    # Prefect's API started; the manifest says what it took: counted as part of ingest.
    manifest = json.loads((Path(outcome.reports_dir) / "manifest.json").read_text())
    stages["inspect ahead"] = {
        "seconds": manifest["extract"]["inspection_seconds"],
        "rss_mb": stages["prepare"]["rss_mb"],
    }
    Path(out).write_text(json.dumps(stages, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:6])
