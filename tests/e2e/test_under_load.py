"""A run never fails because the machine is busy: the command's end-to-end tests (and those of
Prefect's local API) pass again while every core is kept busy by a CPU hog. Slow (minutes):
CI runs it with the rest (`make test`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UNDER_LOAD = "B12RISK_TESTS_UNDER_LOAD"
SUITES = ["tests/e2e/test_cli.py", "tests/e2e/test_local_api.py"]
HOG = "while True:\n    pass\n"


@pytest.mark.skipif(bool(os.environ.get(UNDER_LOAD)), reason="this is the run under load")
def test_the_command_end_to_end_tests_pass_with_every_core_busy(tmp_path):
    hogs = [
        subprocess.Popen([sys.executable, "-c", HOG], stdin=subprocess.DEVNULL)
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
             "--basetemp", str(tmp_path / "t"), *SUITES],
            cwd=ROOT, capture_output=True, text=True, timeout=5400,
            env={**os.environ, UNDER_LOAD: "1"},
        )  # fmt: skip
        assert all(h.poll() is None for h in hogs)  # the machine was busy all along
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout[-2000:]
    assert not re.search(r"\b\d+ (failed|errors?)\b", done.stdout), done.stdout[-8000:]
