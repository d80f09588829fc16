"""Cohorts are data: each names a rule shape and, for a coded rule, the tables it looks in."""

from __future__ import annotations

import pytest

from b12risk.config import DEFAULT_CONFIG, ConfigError, load_config
from tests.tables import parse_table

# The default configuration's cohorts, their rule shape and sources, as a table literal: a
# change to data/config/cohorts.toml that moves a cohort to another shape or table shows here.
DEFAULT_SHAPES = """
    cohort                     | rule          | sources
    older_adults               | age_at_least  |
    vegan_diet                 | coded         | diagnoses procedures prescriptions lab_results
    gastric_surgery            | coded         | procedures diagnoses
    long_term_metformin        | long_term_era |
    long_term_acid_suppression | long_term_era |
    malabsorption_conditions   | coded         | diagnoses procedures
    autoimmune_conditions      | coded         | diagnoses procedures
    other_risk_medicines       | current_use   |
    nitrous_oxide_use          | coded         | diagnoses procedures prescriptions
"""


def shapes(config) -> list[dict]:
    return [
        {"cohort": c.name, "rule": c.rule, "sources": " ".join(c.sources) or None}
        for c in config.cohorts
    ]


def test_the_default_cohorts_take_these_shapes():
    assert shapes(load_config()) == parse_table(DEFAULT_SHAPES)


def write(tmp_path, text: str):
    path = tmp_path / "cohorts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_written_before_rule_shapes_still_runs(tmp_path):
    """Older copies name a SQL file per cohort (`sql = "long_term_metformin"`): each old name
    stands for its shape and sources."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    old = text
    for cohort in load_config().cohorts:
        new = f'name = "{cohort.name}"\n'
        assert new in old
        old = old.replace(new, f'{new}sql = "{cohort.name}"\n')
    for line in [ln for ln in old.splitlines() if ln.startswith(("rule = ", "sources = "))]:
        old = old.replace(line + "\n", "")
    assert "rule = " not in old
    assert shapes(load_config(write(tmp_path, old))) == parse_table(DEFAULT_SHAPES)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('rule = "coded"\nsources = ["procedures", "diagnoses"]', 'rule = "coded"'),
            "needs sources",
        ),
        (('rule = "age_at_least"', 'rule = "age_at_least"\nsources = ["diagnoses"]'), "takes no"),
        (('sources = ["procedures", "diagnoses"]', 'sources = ["patients"]'), "not event tables"),
        (('rule = "age_at_least"', 'rule = "oldest"'), "not one of"),
        (
            (
                'name = "older_adults"\ntitle = "Adults aged 75 and over"\nrule = "age_at_least"\n',
                'name = "oldest"\ntitle = "Adults aged 75 and over"\n',
            ),
            "give its rule shape",
        ),
    ],
)
def test_a_cohort_the_shapes_cannot_run_is_refused_naming_the_file(tmp_path, edit, message):
    old, new = edit
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message) as refused:
        load_config(path)
    assert str(path) in str(refused.value)
