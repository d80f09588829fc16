"""docs/rules.md, the rule index, is generated and current, and finds rules by plain words."""

from __future__ import annotations

import re

from b12risk.config import load_config
from b12risk.run.catalogue import DOCUMENT, render_rules_index
from flows.cli import main
from schemas.statuses import STATUSES


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### ", text, flags=re.M)[1:]
    return {p.split("\n", 1)[0]: p for p in parts}


def test_the_committed_index_is_the_rendered_one():
    assert DOCUMENT.read_text(encoding="utf-8") == render_rules_index(load_config()), (
        "docs/rules.md is stale: run `b12risk rules --out docs/rules.md`"
    )


def test_every_cohort_and_status_has_its_section_with_sql_codelists_tests_and_citation():
    config = load_config()
    found = sections(render_rules_index(config))
    for cohort in config.cohorts:
        text = found[cohort.name]
        assert f"sql/rules/{cohort.rule}.sql" in text and cohort.citation in text
        for concept in cohort.codelists:
            assert f"`{concept}`" in text
        assert "- Tests: [`tests/" in text, cohort.name
    for status in STATUSES:
        assert status.citation in found[status.name] and "- Tests: [`tests/" in found[status.name]


def test_plain_words_find_the_rule():
    found = sections(render_rules_index(load_config()))
    assert [name for name, text in found.items() if "PPI" in text] == ["long_term_acid_suppression"]
    assert "metformin" in found["long_term_metformin"].lower()


def test_the_rules_command_prints_the_index_or_writes_it(tmp_path, capsys):
    assert main(["rules"]) == 0
    assert capsys.readouterr().out == render_rules_index(load_config())
    out = tmp_path / "rules.md"
    assert main(["rules", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_rules_index(load_config())
