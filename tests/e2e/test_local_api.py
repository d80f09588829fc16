"""The local Prefect API a command starts for itself (flows/local_api.py): it answers, it is
stopped at exit, and it dies with its parent even when the parent is killed (kill -9); one
that cannot start is retried, then reported in one line. No test here depends on timing: each
waits for an event (a line printed, a process ended), with a generous deadline only as a
safety net."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import urllib.request

import pytest

pytestmark = pytest.mark.slow

EVENT_DEADLINE = 300  # seconds: only a hung test ever waits this long

PARENT = """
import sys, time
from flows.settings import apply_defaults
apply_defaults()
from flows.local_api import start_local_api
api = start_local_api()
print(api.process.pid, flush=True)  # before waiting: the server exists from here on
url = api.wait()
print(url, flush=True)
if sys.argv[1] == "hang":
    time.sleep(600)
"""


def parent(mode: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True, env=env
    )


def started(proc: subprocess.Popen) -> tuple[int, str]:
    """The server's pid (printed as soon as it was spawned) and its URL (once it answers)."""
    pid = int(proc.stdout.readline())
    return pid, proc.stdout.readline().strip()


def ends(pid: int, seconds: float = EVENT_DEADLINE) -> bool:
    """Wait for the process to end (a pidfd becomes readable when it exits)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


def test_the_api_answers_while_the_command_runs_and_stops_when_it_exits():
    proc = parent("hang")
    try:
        pid, url = started(proc)
        with urllib.request.urlopen(f"{url}/health", timeout=60) as response:  # noqa: S310
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=EVENT_DEADLINE)
    assert ends(pid)


def test_the_api_stops_when_the_command_finishes():
    proc = parent("exit")
    pid, url = started(proc)
    assert url.startswith("http://127.0.0.1:")
    assert proc.wait(timeout=EVENT_DEADLINE) == 0
    assert ends(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_the_api_dies_with_a_killed_command():
    proc = parent("hang")
    pid = int(proc.stdout.readline())  # killed before it even answers, or after
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=EVENT_DEADLINE)
    assert ends(pid)


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


FAKE_SERVER = """
import sys
from flows import local_api
local_api._command = lambda fd: [sys.executable, "-c", sys.argv[1]]
api = local_api.start_local_api()
try:
    api.wait()
except local_api.LocalApiUnavailable as exc:
    print(api.attempts, api.process, flush=True)
    print(exc, flush=True)
"""


def with_fake_server(server_code: str, **settings: str) -> tuple[str, str]:
    """(attempts and process after giving up, the one line) for a server running `code`."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | settings
    done = subprocess.run(
        [sys.executable, "-c", FAKE_SERVER, server_code],
        capture_output=True,
        text=True,
        env=env,
        timeout=EVENT_DEADLINE,
    )
    attempts, message = done.stdout.splitlines()
    return attempts, message


def test_a_server_that_cannot_start_is_retried_then_reported_in_one_line():
    attempts, message = with_fake_server("raise SystemExit(3)")
    assert attempts == "3 None"  # started three times, then stopped
    assert message.startswith("Prefect's local API exited 3 times before answering")
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in message
    assert "PREFECT_API_URL" in message


def test_a_server_that_never_answers_is_waited_for_up_to_the_configured_deadline():
    attempts, message = with_fake_server(
        "import time; time.sleep(600)", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1"
    )
    assert attempts == "1 None"  # alive all along: not restarted, stopped at the deadline
    assert message.startswith("Prefect's local API did not answer within 1 s")


def test_the_default_deadline_is_generous_and_the_users_setting_wins(monkeypatch):
    from flows.settings import PREFECT_DEFAULTS, apply_defaults

    assert int(PREFECT_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 120
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "900")
    apply_defaults()
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "900"


def test_the_command_mirrors_prefects_own_ephemeral_server_start(monkeypatch):
    """flows.local_api starts the server Prefect's SubprocessASGIServer would, with the
    listening socket handed over (--fd) instead of --host/--port. If a Prefect upgrade changes
    that command or its environment, this fails: mirror the change in flows/local_api.py."""
    from prefect.server.api import server as prefect_server

    from flows import local_api

    seen = {}

    class Recorder:
        def __init__(self, args, env, **kwargs):
            seen["args"], seen["env"] = list(args), dict(env)

    monkeypatch.setattr(prefect_server.subprocess, "Popen", Recorder)
    asgi = prefect_server.SubprocessASGIServer.__new__(prefect_server.SubprocessASGIServer)
    asgi.port = 4321
    asgi._run_uvicorn_command()
    theirs = seen["args"]
    host = theirs.index("--host")
    assert theirs[host : host + 4] == ["--host", "127.0.0.1", "--port", "4321"], theirs
    theirs = theirs[:host] + theirs[host + 4 :]
    ours = local_api._command(7)
    fd = ours.index("--fd")
    assert ours[fd : fd + 2] == ["--fd", "7"]
    assert ours[:fd] + ours[fd + 2 :] == theirs
    server_env = {k: v for k, v in seen["env"].items() if os.environ.get(k) != v}
    assert {
        k: v for k, v in server_env.items() if k in local_api.SERVER_ENV
    } == local_api.SERVER_ENV
    assert set(local_api.SERVER_ENV) >= {"PREFECT_UI_ENABLED", "PREFECT__SERVER_EPHEMERAL"}
