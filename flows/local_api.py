"""Prefect's local API for one command, started first so that its start-up overlaps the run's.

With no PREFECT_API_URL, Prefect starts an ephemeral API server when the first flow run needs
it: it imports the server in this process (~1.7 s), then starts it in a subprocess and waits
for it (~2.2 s), while the run waits. `start_local_api()` starts the same server (Prefect's
own app factory, run by uvicorn with the flags Prefect's `SubprocessASGIServer` sets) first
thing, without importing it here, and the run prepares (imports, configuration, codelists,
inspection of the extract) while it starts. The flow then runs against it through
PREFECT_API_URL and it is stopped when this process exits (on Linux, also if it is killed).

On a busy machine the start can take a while: `wait()` waits for the server to answer its
health check, for up to PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (set generously in
flows/settings.py, and the user's value wins), starts it again if it exits before answering
(up to START_ATTEMPTS times), and raises LocalApiUnavailable, whose one line says what to do,
if it never answers. The server's own output goes to a log file beside Prefect's database,
never to the terminal, and it runs in its own session, so a Ctrl-C at the terminal reaches
only the command, which stops the server itself. With PREFECT_API_URL in the environment (a
real server), nothing is started; when Prefect's settings name an API otherwise (a profile,
the test harness), the server is stopped again at `wait()`. Its database is Prefect's usual
one (PREFECT_HOME).
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


START_ATTEMPTS = 3  # a server that exits before answering is started again, this many times
HEALTH_TIMEOUT_SECONDS = 5  # one health request; a loaded server answers slowly
POLL_SECONDS = 0.05


class LocalApiUnavailable(RuntimeError):
    """Prefect's local API did not start; the message is one line saying what to do."""


class LocalApi:
    """A Prefect API server process owned by this process (or none)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.attempts = 0
        self.log_path: Path | None = None

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
        self.attempts += 1
        self.log_path = _server_log_path()
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
            open(self.log_path, "ab") as log,
        ):
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            self.port = sock.getsockname()[1]
            self.process = subprocess.Popen(
                _command(sock.fileno()),
                env=_environment(),
                pass_fds=(sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # a Ctrl-C at the terminal is the command's to handle
                preexec_fn=functools.partial(_die_with_parent, os.getpid()),
            )

    def wait(self) -> str | None:
        """The API's URL once it answers; None (server stopped) if Prefect's settings (a
        profile) name an API already. Raises LocalApiUnavailable if it never answers."""
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        )

        if self.process is None:
            return None
        if PREFECT_API_URL.value():
            self.stop()
            return None
        limit = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # it exited: start it again, a few times
                if self.attempts >= START_ATTEMPTS:
                    break
                self._spawn()
            elif _healthy(self.url):
                return self.url
            else:
                time.sleep(POLL_SECONDS)
        exited = self.process.poll() is not None
        self.stop()
        why = (
            f"exited {self.attempts} times before answering"
            if exited
            else f"did not answer within {limit} s"
        )
        raise LocalApiUnavailable(
            f"Prefect's local API {why} (server log: {self.log_path}); run again when the "
            "machine is less busy, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, "
            "or set PREFECT_API_URL to a running Prefect server"
        )

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
        with urllib.request.urlopen(  # noqa: S310 - a local URL
            f"{url}/health", timeout=HEALTH_TIMEOUT_SECONDS
        ) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _server_log_path() -> Path:
    """The server's output: beside Prefect's database (PREFECT_HOME, default ~/.prefect)."""
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home / "b12risk-local-api.log"


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
