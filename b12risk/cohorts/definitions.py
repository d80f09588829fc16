"""Each cohort's definition as it runs, and its checksum (as OHDSI's CohortGenerator keeps a
checksum per definition): the SQL of its rule shape and of the engine files it reads, its
parameters as bound, its sources and the sha256 of each of its codelists. Two runs whose
checksums agree flagged the cohort by the same rule; `runs.rule_checksums` records them, so a
report can say which rules changed since the previous run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from b12risk.codelists.load import read_manifest
from b12risk.cohorts.flag import cohort_file, cohort_parameters, population_settings
from b12risk.config import DEFAULT_CODELISTS, Cohort, Config
from b12risk.sql import sql_text

# The engine files every cohort reads, in the order they run.
ENGINE_SQL = (
    "cohorts/engine/code_matches",
    "cohorts/engine/concept_events",
    "cohorts/engine/population",
    "cohorts/engine/macros",
)
# Parameters that name the run, not the rule: they never enter a checksum.
_RUN_PARAMETERS = frozenset({"as_of", "run_id"})
_MACRO = re.compile(r"CREATE OR REPLACE TEMP MACRO (\w+)\(", re.I)


@dataclass(frozen=True)
class CohortDefinition:
    cohort: Cohort
    sql_files: tuple[str, ...]  # the rule shape's file, then the engine's
    macros: tuple[str, ...]  # the engine macros the rule file calls
    parameters: dict[str, Any]  # as bound, without the run's own (as_of, run_id)
    codelists: dict[str, str]  # concept -> sha256 of the reviewed list
    checksum: str


def cohort_definitions(
    config: Config, codelists_dir: Path = DEFAULT_CODELISTS
) -> tuple[CohortDefinition, ...]:
    """The definition of every cohort of the config (enabled or not), in config order."""
    manifest = read_manifest(codelists_dir)
    macros = _MACRO.findall(sql_text("cohorts/engine/macros"))
    definitions = []
    for cohort in config.cohorts:
        rule_sql = sql_text(cohort_file(cohort))
        parameters = {
            k: v
            for k, v in cohort_parameters(config, cohort, date(2000, 1, 1), "").items()
            if k not in _RUN_PARAMETERS
        }
        parameters["min_population_age"] = population_settings(config)["min_age"]
        codelists = {c: manifest.get(c, {}).get("sha256", "missing") for c in cohort.codelists}
        files = (cohort_file(cohort), *ENGINE_SQL)
        definitions.append(
            CohortDefinition(
                cohort=cohort,
                sql_files=files,
                macros=tuple(m for m in macros if re.search(rf"\b{m}\(", rule_sql)),
                parameters=parameters,
                codelists=codelists,
                checksum=checksum(
                    {
                        "sql": [sql_text(f) for f in files],
                        "parameters": parameters,
                        "codelists": codelists,
                    }
                ),
            )
        )
    return tuple(definitions)


def checksum(document: Any) -> str:
    """sha256 of a JSON document in canonical form (sorted keys), first 16 hex digits."""
    text = json.dumps(document, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
