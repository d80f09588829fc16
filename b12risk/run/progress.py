"""Stage progress: the library reports, the front end (CLI) decides how to show it.

Only stage names, durations and counts pass through here: never patient-level values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, str, dict], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def emit(stage: str, event: str, **info: object) -> None:
    for listener in list(_listeners):
        listener(stage, event, info)


def mute() -> None:
    """Tell no listener of anything from now on (an interrupted command says one line only)."""
    _listeners.clear()


@contextmanager
def stage(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Announce a stage, time it, and record its wall time in `timings`."""
    emit(name, "start")
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        emit(name, "failed", seconds=round(time.perf_counter() - started, 3))
        raise
    seconds = round(time.perf_counter() - started, 3)
    if timings is not None:
        timings[name] = seconds
    emit(name, "done", seconds=seconds)
