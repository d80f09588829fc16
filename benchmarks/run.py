"""`make bench`: generate 100k and 1M-patient extracts (cached in data/bench/), then measure
each stage's wall time and peak RSS beside the floor: a bare DuckDB process loading the same CSV
files with declared types. Prints a markdown table to paste into docs/benchmarks.md.

Each measurement runs in its own process so peak RSS is the stage's, not the harness's.
Usage: python -m benchmarks.run [--sizes 100000 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "bench"
AS_OF = date(2026, 11, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(machine_line())
    rows = []
    for n in args.sizes:
        rows.extend(bench_size(n, args.seed))
    print()
    print("| patients | step | wall s | peak RSS MB | × floor |")
    print("|---:|---|---:|---:|---:|")
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        print(f"| {r['n']:,} | {r['step']} | {r['seconds']:.2f} | {r['rss_mb']:.0f} | {ratio} |")
    out = BENCH / "results.json"
    out.write_text(json.dumps({"machine": machine_line(), "rows": rows}, indent=2))
    print(f"\nresults: {out}")
    return 0


def bench_size(n: int, seed: int) -> list[dict]:
    extract = BENCH / f"extract_{n}"
    rows: list[dict] = []
    if not (extract / "manifest.json").exists():
        secs, rss = measure(
            [
                sys.executable,
                "-m",
                "b12risk.cli",
                "generate",
                "--patients",
                str(n),
                "--seed",
                str(seed),
                "--out",
                str(extract),
                "--as-of",
                str(AS_OF),
            ]
        )
        rows.append(row(n, "generate", secs, rss))
    floor_s, floor_rss = measure([sys.executable, "-m", "benchmarks.floor", str(extract)])
    rows.append(row(n, "floor: bare DuckDB typed CSV load", floor_s, floor_rss, ratio=1.0))
    stage_file = BENCH / f"stages_{n}.json"
    wh = BENCH / f"warehouse_{n}.duckdb"
    for leftover in (wh, wh.with_name(wh.name + ".new")):
        leftover.unlink(missing_ok=True)
    secs, rss = measure(
        [
            sys.executable,
            "-m",
            "benchmarks.stages",
            str(extract),
            str(wh),
            str(BENCH / "reports"),
            str(stage_file),
            str(AS_OF),
        ]
    )
    stages = json.loads(stage_file.read_text())
    # Resetting VmHWM per stage also resets what ru_maxrss reports: take the stages' maximum.
    rss = max(info["rss_mb"] for info in stages.values())
    for name, info in stages.items():
        rows.append(
            row(
                n,
                f"stage: {name}",
                info["seconds"],
                info["rss_mb"],
                ratio=info["seconds"] / floor_s,
            )
        )
    ingest_validate = sum(stages[s]["seconds"] for s in ("inspect", "ingest", "validate"))
    rows.append(
        row(
            n,
            "ingest + validate",
            ingest_validate,
            max(stages[s]["rss_mb"] for s in ("ingest", "validate")),
            ratio=ingest_validate / floor_s,
        )
    )
    rows.append(
        row(
            n,
            "whole pipeline (b12risk run, incl. Prefect start-up)",
            secs,
            rss,
            ratio=secs / floor_s,
        )
    )
    return rows


def row(n, step, seconds, rss_mb, ratio=None) -> dict:
    return {"n": n, "step": step, "seconds": seconds, "rss_mb": rss_mb, "ratio": ratio}


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: fine while sizes only grow.
    return seconds, max(peak, before) / 1024


def machine_line() -> str:
    import os

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
