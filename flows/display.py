"""How stage progress is shown: a rich live display on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from b12risk.run import progress


@contextmanager
def progress_display() -> Iterator[None]:
    listener = _rich_listener() if sys.stderr.isatty() else _plain_listener
    progress.subscribe(listener)
    try:
        yield
    finally:
        progress.unsubscribe(listener)
        stop_live_status()


_live_statuses: list[dict] = []


def stop_live_status() -> None:
    """Stop a spinner left running (a stage that never ended: an interrupted run)."""
    while _live_statuses:
        live = _live_statuses.pop().get("live")
        if live is not None:
            live.stop()


def _plain_listener(stage: str, event: str, info: dict) -> None:
    if event == "waiting":
        print(f"b12risk: waiting for {info.get('what')} ...", file=sys.stderr, flush=True)
    elif event == "start":
        print(f"b12risk: {stage} ...", file=sys.stderr, flush=True)
    else:
        print(
            f"b12risk: {stage} {event} in {info.get('seconds', 0):.2f}s",
            file=sys.stderr,
            flush=True,
        )


def _rich_listener():
    console = Console(stderr=True)
    status = {"live": None}
    _live_statuses.append(status)

    def listener(stage: str, event: str, info: dict) -> None:
        if event == "waiting":
            console.print(f"[yellow]…[/yellow] waiting for {info.get('what')}")
            return
        if event == "start":
            status["live"] = console.status(f"[bold]{stage}[/bold] ...")
            status["live"].start()
            return
        if status["live"] is not None:
            status["live"].stop()
        mark = "[green]✓[/green]" if event == "done" else "[red]✗[/red]"
        console.print(f"{mark} {stage} [dim]{info.get('seconds', 0):.2f}s[/dim]")

    return listener
