"""Shared fixtures. Public sample data is reached through B12RISK_SHARED_DATA (default
../shared/data); tests that need it skip, saying why, when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

from flows.settings import apply_defaults

# Quiet, fast Prefect and single-threaded BLAS: set before Prefect or numpy is imported.
apply_defaults()

import duckdb  # noqa: E402
import pytest  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("B12RISK_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture
def con():
    """A fresh in-memory DuckDB connection."""
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public sample data not found at {SHARED_DATA} (set B12RISK_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def prefect_harness():
    """One ephemeral Prefect API for the whole session (~7 s once), heartbeats off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield
