"""Prefect on embedded defaults, fast and quiet (../shared/reference/stack-notes.md).

Imported before Prefect itself, by `flows/run.py` and the test suite; a user's own environment
settings win. No Prefect import here: these must be in place before Prefect reads them.
"""

from __future__ import annotations

import os

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    # Prefect's 20 s start-up limit for its local API failed runs on a loaded machine (the
    # server imports ~1.7 s of Python and migrates its database): wait up to 3 minutes.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    # Small matrices in disclosure control ran up to 10x slower with threaded BLAS on 2 cores.
    "OPENBLAS_NUM_THREADS": "1",
}


def apply_defaults() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
