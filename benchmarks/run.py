"""`make bench`: generate 100k and 1M-patient extracts (cached in data/bench/), then measure
each stage's wall time and peak RSS beside the floor: a bare DuckDB process loading the same CSV
files with declared types. Prints a markdown table to paste into docs/benchmarks.md.

Each measurement runs in its own process so peak RSS is the stage's, not the harness's.
Usage: python -m benchmarks.run [--sizes 100000 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "data" / "bench"
AS_OF = date(2026, 11, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    print(machine_line())
    rows = []
    for n in args.sizes:
        rows.extend(bench_size(n, args.seed, args.repeat))
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


def bench_size(n: int, seed: int, repeat: int) -> list[dict]:
    """`repeat` rounds of (floor, pipeline), interleaved so that a machine getting busier or
    quieter moves both alike (this machine is shared and noisy). Seconds are medians over the
    rounds; the two targets' ratios are medians of each round's own ratio; peak RSS is the
    largest seen."""
    extract = BENCH / f"extract_{n}"
    rows: list[dict] = []
    if not (extract / "manifest.json").exists():
        secs, rss = measure(
            [sys.executable, "-m", "flows.cli", "generate", "--patients", str(n)]
            + ["--seed", str(seed), "--out", str(extract), "--as-of", str(AS_OF)]
        )
        rows.append(row(n, "generate", secs, rss))
    floors, runs = [], []
    for _ in range(repeat):
        floors.append(measure([sys.executable, "-m", "benchmarks.floor", str(extract)]))
        runs.append(run_pipeline_once(n, extract))
    floor_s = median(s for s, _ in floors)
    rows.append(
        row(n, "floor: bare DuckDB typed CSV load", floor_s, max(r for _, r in floors), 1.0)
    )
    stage_names = list(runs[0][2])
    for name in stage_names:
        secs = median(stages[name]["seconds"] for _, _, stages in runs)
        rss = max(stages[name]["rss_mb"] for _, _, stages in runs)
        rows.append(row(n, f"stage: {name}", secs, rss, secs / floor_s))
    parts = ("inspect ahead", "inspect", "ingest", "validate")
    ingest = [sum(stages[p]["seconds"] for p in parts) for _, _, stages in runs]
    rss = max(stages[p]["rss_mb"] for _, _, stages in runs for p in parts)
    ratio = median(s / f for s, (f, _) in zip(ingest, floors, strict=True))
    rows.append(row(n, "ingest + validate", median(ingest), rss, ratio))
    whole = [total for total, _, _ in runs]
    rss = max(peak for _, peak, _ in runs)
    ratio = median(s / f for s, (f, _) in zip(whole, floors, strict=True))
    name = "whole pipeline (b12risk run, incl. Prefect start-up)"
    rows.append(row(n, name, median(whole), rss, ratio))
    for (f, _), i, w in zip(floors, ingest, whole, strict=True):
        print(f"round: floor {f:.2f} s, ingest + validate {i / f:.2f}x, whole {w / f:.2f}x")
    return rows


def run_pipeline_once(n: int, extract: Path) -> tuple[float, float, dict]:
    """One `b12risk run`-equivalent process: total wall, peak RSS, per-stage seconds and RSS."""
    stage_file = BENCH / f"stages_{n}.json"
    wh = BENCH / f"warehouse_{n}.duckdb"
    for leftover in (wh, wh.with_name(wh.name + ".new")):
        leftover.unlink(missing_ok=True)
    secs, _ = measure(
        [sys.executable, "-m", "benchmarks.stages", str(extract), str(wh)]
        + [str(BENCH / "reports"), str(stage_file), str(AS_OF)]
    )
    stages = json.loads(stage_file.read_text())
    # Resetting VmHWM per stage also resets what ru_maxrss reports: take the stages' maximum.
    return secs, max(info["rss_mb"] for info in stages.values()), stages


def row(n, step, seconds, rss_mb, ratio=None) -> dict:
    return {"n": n, "step": step, "seconds": seconds, "rss_mb": rss_mb, "ratio": ratio}


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (its own rusage, via wait4)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed ({proc.returncode}): {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024


def machine_line() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
