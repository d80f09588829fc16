"""Signals: the command's exit codes, and the one stretch a signal waits for."""

from __future__ import annotations

import argparse
import os
import signal

import pytest

from b12risk.config import ConfigError
from b12risk.home import NoHome
from b12risk.ingest.stage import ExtractRefused
from b12risk.run.warehouse import WarehouseBusy
from b12risk.storage import StorageFailure
from flows import cli, interruptions
from flows.local_api import LocalApiUnavailable


def test_a_signal_during_publication_is_held_then_delivered():
    received = []
    previous = signal.signal(signal.SIGTERM, lambda s, f: received.append(s))
    try:
        with interruptions.uninterruptible():
            os.kill(os.getpid(), signal.SIGTERM)
            held_inside = list(received)
        assert held_inside == []  # nothing ran inside the stretch
        assert received == [signal.SIGTERM]  # delivered to the handler in place once it ended
    finally:
        signal.signal(signal.SIGTERM, previous)


# (what was raised, exit code, words of the one line)
FAILURES = [
    (ExtractRefused("patients.csv", "sex", "is missing"), 2, "extract refused: patients.csv"),
    (ConfigError("config file x lacks the key 'cohorts'"), 2, "config refused: config file x"),
    (NoHome("no b12risk home: give --warehouse"), 2, "no b12risk home"),
    (WarehouseBusy("warehouse busy: /w is being built by run r1"), 75, "warehouse busy"),
    (StorageFailure("no space left on device", "/w/wh.duckdb.new"), 1, "no space left on device"),
    (LocalApiUnavailable("Prefect's local API did not answer"), 1, "did not answer"),
    (RuntimeError("a bug"), 1, "unexpected failure (RuntimeError)"),
]


@pytest.mark.parametrize(("error", "code", "words"), FAILURES)
def test_every_failure_has_its_exit_code_and_one_line(tmp_path, capsys, error, code, words):
    args = argparse.Namespace(debug=False, log=[], run_id=None, paths=None)
    assert cli.report_failure(error, args) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interruption_is_128_plus_the_signal(capsys, signum, code):
    args = argparse.Namespace(published=False, paths=None, run_id=None)
    assert cli.report_interrupted([signum], args) == code
    assert capsys.readouterr().err == "b12risk: interrupted; the published warehouse is unchanged\n"
