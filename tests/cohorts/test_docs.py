"""docs/cohorts.md names every configured cohort with its title, citation and parameters."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "cohorts.md"


def test_every_cohort_is_documented_with_its_citation_and_parameters(config):
    text = DOC.read_text(encoding="utf-8")
    for cohort in config.cohorts:
        assert f"`{cohort.name}`" in text, cohort.name
        assert cohort.title in text, cohort.name
        assert cohort.citation in text, cohort.name
        for name, value in cohort.params.items():
            assert f"`{name} = {value}`" in text, (cohort.name, name)
        for concept in cohort.codelists:
            assert f"`{concept}`" in text, (cohort.name, concept)
    assert config.population["citation"] in text
