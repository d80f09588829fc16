"""The [extract] and [validation] limits of the configuration: defaults, overrides, refusals."""

from __future__ import annotations

import pytest

from b12risk.config import DEFAULT_CONFIG, ConfigError, load_config


def config_with(tmp_path, extra: str):
    text = DEFAULT_CONFIG.read_text()
    start, end = text.index("[extract]"), text.index("[[cohorts]]")
    path = tmp_path / "cohorts.toml"
    path.write_text(text[:start] + extra + "\n" + text[end:])
    return load_config(path)


def test_the_defaults():
    config = load_config()
    assert config.max_gzip_expansion == 200
    assert config.max_quarantined_share("diagnoses") == 0.5
    assert config.quarantine_share_min_rows == 100


def test_the_defaults_hold_when_the_sections_are_absent(tmp_path):
    config = config_with(tmp_path, "")
    assert config.max_gzip_expansion == 200
    assert config.max_quarantined_share("patients") == 0.5
    assert config.quarantine_share_min_rows == 100


def test_a_share_per_table(tmp_path):
    config = config_with(tmp_path, "[validation]\nmax_quarantined_share = { diagnoses = 0.9 }\n")
    assert config.max_quarantined_share("diagnoses") == 0.9
    assert config.max_quarantined_share("patients") == 0.5


# (section text, words of the refusal)
BAD_LIMITS = [
    ("[extract]\nmax_gzip_expansion = 0.5", "max_gzip_expansion must be a number at least 1"),
    ("[extract]\nmax_gzip_expansion = 'big'", "max_gzip_expansion must be a number"),
    ("[validation]\nmax_quarantined_share = 1.5", "max_quarantined_share must be a number 0 to 1"),
    ("[validation]\nmax_quarantined_share = -0.1", "max_quarantined_share must be a number"),
    ("[validation]\nmax_quarantined_share = true", "max_quarantined_share must be a number"),
    ("[validation]\nmax_quarantined_share = { diagnosis = 0.9 }", "names no table 'diagnosis'"),
    ("[validation]\nquarantine_share_min_rows = 0", "quarantine_share_min_rows must be a whole"),
    ("[validation]\nquarantine_share_min_rows = 1.5", "quarantine_share_min_rows must be a whole"),
]


@pytest.mark.parametrize(("section", "words"), BAD_LIMITS)
def test_a_limit_out_of_range_is_refused(tmp_path, section, words):
    with pytest.raises(ConfigError) as caught:
        config_with(tmp_path, section)
    assert words in str(caught.value)


# (share, accepted): the range is inclusive
@pytest.mark.parametrize(("share", "accepted"), [(0, True), (1, True), (0.0001, True)])
def test_share_boundaries(tmp_path, share, accepted):
    config = config_with(tmp_path, f"[validation]\nmax_quarantined_share = {share}\n")
    assert config.max_quarantined_share("labs_any") == share
