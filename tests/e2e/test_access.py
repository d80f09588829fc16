"""Issue 9.9: sensitive files are not world-readable.

`sensitive/worklist_*.csv`, `restricted/` and the warehouse (whose quarantine keeps raw values)
were created 0644 under umask 022. Now 0600 (folders 0700), or 0640/0750 owned by the group of
`[security] group`; the published folder stays readable."""

from __future__ import annotations

import grp
import os
from pathlib import Path

import pytest

from b12risk.access import Access, mode
from b12risk.config import ConfigError
from tests.e2e.test_cli import b12risk, run_args

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run_under_umask_022(extract: Path, home: Path, *extra: str) -> Path:
    previous = os.umask(0o022)  # the common default the issue reproduced under
    try:
        result = b12risk(*run_args(extract, home, "--worklists", *extra))
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    (folder,) = (home / "reports").iterdir()
    return folder


def private_paths(run_dir: Path, home: Path):
    restricted, sensitive = run_dir / "restricted", run_dir / "sensitive"
    files = [*restricted.iterdir(), *sensitive.iterdir(), home / "wh.duckdb"]
    assert len(files) > 3
    return (restricted, sensitive), files


def test_private_files_are_created_private_and_the_published_folder_stays_readable(
    sample_extract, tmp_path
):
    run_dir = run_under_umask_022(sample_extract, tmp_path)
    folders, files = private_paths(run_dir, tmp_path)
    assert {p.name: mode(p) for p in folders} == {"restricted": 0o700, "sensitive": 0o700}
    assert {mode(p) for p in files} == {0o600}, [(p.name, oct(mode(p))) for p in files]
    assert mode(run_dir) == 0o755 and mode(tmp_path / "reports") == 0o755
    published = [p for p in run_dir.iterdir() if p.is_file()]
    assert published and {mode(p) for p in published} == {0o644}


def test_a_configured_group_shares_the_private_files(sample_extract, tmp_path):
    group = grp.getgrgid(os.getegid()).gr_name
    config = (ROOT / "data" / "config" / "cohorts.toml").read_text()
    (tmp_path / "group.toml").write_text(
        config.replace("[security]\n", f'[security]\ngroup = "{group}"\n', 1)
    )
    run_dir = run_under_umask_022(
        sample_extract, tmp_path, "--config", str(tmp_path / "group.toml")
    )
    folders, files = private_paths(run_dir, tmp_path)
    assert {mode(p) for p in folders} == {0o750}
    assert {mode(p) for p in files} == {0o640}
    assert {os.stat(p).st_gid for p in (*folders, *files)} == {os.getegid()}


def test_an_unknown_group_is_refused_before_the_run(sample_extract, tmp_path):
    config = (ROOT / "data" / "config" / "cohorts.toml").read_text()
    (tmp_path / "bad.toml").write_text(
        config.replace("[security]\n", '[security]\ngroup = "no-such-group-b12"\n', 1)
    )
    result = b12risk(*run_args(sample_extract, tmp_path, "--config", str(tmp_path / "bad.toml")))
    assert result.returncode == 2
    assert "no-such-group-b12" in result.stderr and "does not exist" in result.stderr
    with pytest.raises(ConfigError):
        Access.from_settings({"group": 7})
    assert Access.from_settings({}).file_mode == 0o600
