"""Default paths come from the b12risk home, never from wherever the command happens to run."""

from __future__ import annotations

from pathlib import Path

import pytest

from b12risk.home import HOME_ENV, NoHome, project_home, run_paths


def a_home(folder: Path) -> Path:
    (folder / "data" / "config").mkdir(parents=True)
    (folder / "data" / "config" / "cohorts.toml").write_text("")
    return folder


def test_the_home_is_b12risk_home_else_a_folder_holding_the_config(tmp_path):
    checkout = a_home(tmp_path / "checkout")
    other = tmp_path / "other"
    other.mkdir()
    assert project_home(checkout, {}) == checkout
    assert project_home(other, {}) is None
    assert project_home(other, {HOME_ENV: str(tmp_path / "h")}) == tmp_path / "h"
    assert project_home(checkout, {HOME_ENV: str(other)}) == other  # the variable wins


# (warehouse given, reports given, home?, expected warehouse, expected reports) under tmp_path
PATHS = [
    (None, None, True, "home/data/warehouse.duckdb", "home/reports"),
    ("w/x.duckdb", None, True, "w/x.duckdb", "home/reports"),
    ("w/x.duckdb", None, False, "w/x.duckdb", "w/reports"),
    ("w/x.duckdb", "r", False, "w/x.duckdb", "r"),
    (None, "r", True, "home/data/warehouse.duckdb", "r"),
]


@pytest.mark.parametrize(("warehouse", "reports", "with_home", "want_wh", "want_reports"), PATHS)
def test_run_paths(tmp_path, warehouse, reports, with_home, want_wh, want_reports):
    home = a_home(tmp_path / "home") if with_home else None
    paths = run_paths(
        tmp_path / warehouse if warehouse else None,
        tmp_path / reports if reports else None,
        None,
        home,
    )
    assert paths.warehouse == tmp_path / want_wh and paths.warehouse.is_absolute()
    assert paths.reports == tmp_path / want_reports
    assert paths.config == (home / "data" / "config" / "cohorts.toml" if home else None)


def test_no_default_warehouse_outside_a_home(tmp_path):
    with pytest.raises(NoHome) as caught:
        run_paths(None, None, None, None)
    assert "--warehouse" in str(caught.value) and HOME_ENV in str(caught.value)
