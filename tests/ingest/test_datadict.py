"""The data dictionary is generated from the models and committed as docs/extract-format.md."""

from __future__ import annotations

from flows.cli import main
from schemas.contract import REFUSALS, TABLES
from schemas.datadict import DOCUMENT, render_data_dictionary
from schemas.outputs import OUTPUT_TABLES
from schemas.rules import RULES


def test_the_committed_document_is_the_rendered_one():
    assert DOCUMENT.read_text(encoding="utf-8") == render_data_dictionary(), (
        "docs/extract-format.md is stale: run `b12risk datadict --out docs/extract-format.md`"
    )


def test_it_names_every_table_column_rule_refusal_and_output():
    text = render_data_dictionary()
    for table in TABLES.values():
        assert f"### {table.name}" in text
        for column in table.columns:
            assert f"| {column.name} | {column.sql_type} |" in text
    for rule in RULES:
        assert f"| `{rule.name}` |" in text
        assert rule.description.split(".")[0] in text
    for refusal in REFUSALS:
        assert f"| {refusal.name} |" in text
    for output in OUTPUT_TABLES.values():
        assert f"### {output.name}" in text
    assert "## Warehouse outputs" in text
    assert "ALL the copies are quarantined" in text


def test_the_datadict_command_writes_the_file(tmp_path):
    out = tmp_path / "docs" / "format.md"
    assert main(["datadict", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_data_dictionary()
