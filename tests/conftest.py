"""Shared fixtures. Public sample data is reached through B12RISK_SHARED_DATA (default
../shared/data); tests that need it skip, saying why, when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

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
