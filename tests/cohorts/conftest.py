"""Fixtures for the cohort engine tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from b12risk.cohorts.flag import CohortResult, flag_cohorts
from b12risk.config import Config, load_config

from .tables import load


@pytest.fixture(scope="session")
def config() -> Config:
    """The default configuration (data/config/cohorts.toml)."""
    return load_config()


@pytest.fixture
def flag(con, config) -> Callable[..., CohortResult]:
    """flag(as_of, using=None, run_id="run-1", **tables): load the table literals (see
    tables.load) and flag every enabled cohort of `using` (default: the default config)."""

    def run(
        as_of: date, using: Config | None = None, run_id: str = "run-1", **tables: Any
    ) -> CohortResult:
        load(con, as_of, **tables)
        return flag_cohorts(con, using or config, as_of, run_id)

    return run
