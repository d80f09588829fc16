"""The one stretch of a run no signal may cut: publishing the warehouse and revealing the run's
folder, which belong together.

Inside `uninterruptible()`, SIGINT and SIGTERM are held: recorded, then delivered again (to
whatever handler was in place: the command's, or Prefect's) as soon as the stretch ends. So a
Ctrl-C during publication stops the run right after it, never between the two renames.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (`signum`), wherever the signal landed."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def uninterruptible() -> Iterator[None]:
    held: list[int] = []

    def hold(signum, frame) -> None:
        held.append(signum)

    previous = {}
    try:
        for signum in SIGNALS:
            previous[signum] = signal.signal(signum, hold)
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):
            os.kill(os.getpid(), signum)
