"""The local Prefect API a command starts for itself (flows/local_api.py): it answers, it is
stopped at exit, and it dies with its parent even when the parent is killed (kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow

PARENT = """
import sys, time
from flows.settings import apply_defaults
apply_defaults()
from flows.local_api import start_local_api
api = start_local_api()
url = api.wait()
print(api.process.pid, url, flush=True)
if sys.argv[1] == "hang":
    time.sleep(600)
"""


def parent(mode: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True, env=env
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie (exited, not yet reaped) is not alive
        return stat.read().split(")")[-1].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_api_answers_while_the_command_runs_and_stops_when_it_exits():
    proc = parent("hang")
    try:
        pid, url = proc.stdout.readline().split()
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:  # noqa: S310
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert gone_within(int(pid), 10)


def test_the_api_stops_when_the_command_finishes():
    proc = parent("exit")
    pid, url = proc.stdout.readline().split()
    assert url.startswith("http://127.0.0.1:")
    assert proc.wait(timeout=30) == 0
    assert gone_within(int(pid), 10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_the_api_dies_with_a_killed_command():
    proc = parent("hang")
    pid, _ = proc.stdout.readline().split()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert gone_within(int(pid), 10)


def test_nothing_is_started_when_the_environment_names_an_api(monkeypatch):
    from flows.local_api import LocalApi

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    api = LocalApi().start()
    assert api.process is None
    assert api.wait() is None


def test_the_server_is_stopped_when_prefect_settings_name_an_api():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.local_api import LocalApi

    env_url = os.environ.pop("PREFECT_API_URL", None)
    try:
        api = LocalApi().start()
        process = api.process
        assert process is not None
        with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
            assert api.wait() is None
        assert process.poll() is not None and api.process is None
    finally:
        if env_url is not None:
            os.environ["PREFECT_API_URL"] = env_url


FAILING = """
import sys, time
from flows import local_api
local_api._command = lambda fd: [sys.executable, "-c", "raise SystemExit(3)"]
started = time.monotonic()
api = local_api.start_local_api()
print(api.wait(), round(time.monotonic() - started, 1), api.process, flush=True)
"""


def test_a_server_that_cannot_start_is_given_up_at_once_for_prefect_to_start_its_own():
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [sys.executable, "-c", FAILING], capture_output=True, text=True, env=env, timeout=120
    )
    url, seconds, process = done.stdout.split()
    assert (url, process) == ("None", "None")
    assert float(seconds) < 10  # not the whole start-up timeout, not a retry loop
