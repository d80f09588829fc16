"""Prefect's local API for one command, started first so that its start-up overlaps the run's.

With no PREFECT_API_URL, Prefect starts an ephemeral API server when the first flow run needs
it: it imports the server in this process (~1.7 s), then starts it in a subprocess and waits
for it (~2.2 s), while the run waits. `start_local_api()` starts the same server (Prefect's
own app factory, run by uvicorn with the flags Prefect's `SubprocessASGIServer` sets) first
thing, without importing it here, and the run prepares (imports, configuration, codelists,
inspection of the extract) while it starts. The flow then runs against it through
PREFECT_API_URL and it is stopped when this process exits (on Linux, also if it is killed).

If it does not answer in time, it is stopped and nothing is set: Prefect starts its own
ephemeral server as before. With PREFECT_API_URL in the environment (a real server), nothing
is started; when Prefect's settings name an API otherwise (a profile, the test harness), the
server is stopped again at `wait()`. Its database is Prefect's usual one (PREFECT_HOME).
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from flows.settings import apply_defaults

SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}


class LocalApi:
    """A Prefect API server process owned by this process (or none)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> LocalApi:
        """Start the server unless PREFECT_API_URL is in the environment. Prefect is not
        imported here (it takes ~0.7 s), so a command can call this first thing."""
        apply_defaults()  # the server reads them too: analytics off, services, log level
        if os.environ.get("PREFECT_API_URL"):
            return self
        self._spawn()
        atexit.register(self.stop)
        return self

    def _spawn(self) -> None:
        """The listening socket is bound here and handed to the server (uvicorn --fd): no
        other process can take the port between choosing it and the server starting."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            self.port = sock.getsockname()[1]
            self.process = subprocess.Popen(
                _command(sock.fileno()),
                env=_environment(),
                pass_fds=(sock.fileno(),),
                preexec_fn=functools.partial(_die_with_parent, os.getpid()),
            )

    def wait(self) -> str | None:
        """The API's URL once it answers; None (server stopped) if it did not in time, or if
        Prefect's settings (a profile) name an API already."""
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        )

        if self.process is None:
            return None
        if PREFECT_API_URL.value():
            self.stop()
            return None
        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # it could not start: Prefect's own may
                break
            elif _healthy(self.url):
                return self.url
            time.sleep(0.05)
        self.stop()
        return None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_started: list[LocalApi] = []  # the one this process started, reused by later runs


def start_local_api() -> LocalApi:
    """This process's local API: started on the first call, the same one after that."""
    if _started and _started[0].process is not None and _started[0].process.poll() is None:
        return _started[0]
    _started[:] = [LocalApi().start()]
    return _started[0]


def _command(fd: int) -> list[str]:
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(spec.origin).parent.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--fd",
        str(fd),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def _environment() -> dict[str, str]:
    """The server reads Prefect's settings as this process does (environment, profile)."""
    return {**os.environ, **SERVER_ENV}


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310 - local
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# Resolved here, in the parent: the child, between fork and exec, only calls it.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: ask Linux to terminate it when its parent dies, and exit at
    once if the parent has died already (before the request was made)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)
