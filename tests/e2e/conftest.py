"""End-to-end fixtures: small generated extracts shared by the CLI and flow tests."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="session")
def sample_extract(tmp_path_factory):
    """A clean 2,000-patient extract (CSV), generated once per session. Do not modify it."""
    from b12risk.synthetic.generate import generate_extract

    out = tmp_path_factory.mktemp("extract") / "sample"
    generate_extract(out, patients=2_000, seed=11, as_of=AS_OF, fmt="csv")
    return out


@pytest.fixture
def extract_copy(sample_extract, tmp_path):
    """A private copy of the sample extract that a test may damage."""
    target = tmp_path / "extract"
    shutil.copytree(sample_extract, target)
    return target
