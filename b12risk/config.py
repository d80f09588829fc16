"""Run configuration: the population, the cohorts (as data, with citations), screening policy,
disclosure control and the limits an extract must keep to. Loaded from TOML
(`data/config/cohorts.toml` by default)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.contract import EVENT_TABLES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "data" / "config" / "cohorts.toml"
DEFAULT_CODELISTS = PROJECT_ROOT / "data" / "codelists"


# DuckDB's memory cap for a run's connections (and the generator's): spills to disk beyond it.
MEMORY_LIMIT = os.environ.get("B12RISK_MEMORY_LIMIT", "1GB")
# Era settings when [eras] leaves one out (data/config/cohorts.toml states them).
ERA_DEFAULTS: dict[str, int] = {"default_days_supply": 28, "max_gap_days": 30}
DEFAULT_INTERVAL_DAYS = 365  # local policy default: NICE sets no screening interval


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or inconsistent."""

    refuses_input = True  # never a storage failure (b12risk.storage)


# [extract]: a .csv.gz that expands more than this many times its size is refused unread.
DEFAULT_MAX_GZIP_EXPANSION = 200.0
# [validation]: a table with more than this share of its rows quarantined refuses the extract
# (a lower share is a warning), once it has at least QUARANTINE_SHARE_MIN_ROWS rows: more
# than half of a table quarantined is a table that is mostly broken (a date format, a
# delimiter, the wrong export), not a few bad rows, and reporting on the rest would mislead.
# Below 100 rows a handful of bad rows is a large share by chance, so the share is not judged.
DEFAULT_MAX_QUARANTINED_SHARE = 0.5
DEFAULT_QUARANTINE_SHARE_MIN_ROWS = 100


# The rule shapes a cohort may take (b12risk/cohorts/sql/rules/<rule>.sql), and whether the
# shape reads `sources` (the extract tables its codes are looked for in).
RULE_SHAPES: dict[str, bool] = {
    "age_at_least": False,
    "coded": True,
    "long_term_era": False,
    "current_use": False,
}
# Configurations written before rule shapes named a SQL file per cohort (`sql = "..."`); each
# old name is the shape (and sources) it stood for, so an old config copy still runs.
LEGACY_COHORT_SQL: dict[str, tuple[str, tuple[str, ...]]] = {
    "older_adults": ("age_at_least", ()),
    "vegan_diet": ("coded", ("diagnoses", "procedures", "prescriptions", "lab_results")),
    "gastric_surgery": ("coded", ("procedures", "diagnoses")),
    "long_term_metformin": ("long_term_era", ()),
    "long_term_acid_suppression": ("long_term_era", ()),
    "malabsorption_conditions": ("coded", ("diagnoses", "procedures")),
    "autoimmune_conditions": ("coded", ("diagnoses", "procedures")),
    "other_risk_medicines": ("current_use", ()),
    "nitrous_oxide_use": ("coded", ("diagnoses", "procedures", "prescriptions")),
}


@dataclass(frozen=True)
class Cohort:
    name: str
    title: str
    rule: str  # a rule shape: a key of RULE_SHAPES
    codelists: tuple[str, ...]
    params: dict[str, Any]
    interval_days: int | None  # None: [screening] default_interval_days applies
    citation: str
    enabled: bool = True
    sources: tuple[str, ...] = ()  # the extract tables a coded rule looks in


@dataclass(frozen=True)
class Config:
    population: dict[str, Any]
    eras: dict[str, Any]
    screening: dict[str, Any]
    disclosure: dict[str, Any]
    cohorts: tuple[Cohort, ...]
    source: str = "default"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    extract: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    security: dict[str, Any] = field(default_factory=dict)

    @property
    def max_gzip_expansion(self) -> float:
        return float(self.extract.get("max_gzip_expansion", DEFAULT_MAX_GZIP_EXPANSION))

    def max_quarantined_share(self, table: str) -> float:
        """`[validation] max_quarantined_share`: one share for every table, or a table of
        shares by table name (`{ diagnoses = 0.8 }`; the others keep the default)."""
        share = self.validation.get("max_quarantined_share", DEFAULT_MAX_QUARANTINED_SHARE)
        if isinstance(share, dict):
            share = share.get(table, DEFAULT_MAX_QUARANTINED_SHARE)
        return float(share)

    @property
    def quarantine_share_min_rows(self) -> int:
        return int(
            self.validation.get("quarantine_share_min_rows", DEFAULT_QUARANTINE_SHARE_MIN_ROWS)
        )

    @property
    def enabled_cohorts(self) -> tuple[Cohort, ...]:
        return tuple(c for c in self.cohorts if c.enabled)

    def interval_days(self, cohort: Cohort) -> int:
        """The cohort's screening interval: its own, else `[screening] default_interval_days`."""
        if cohort.interval_days is not None:
            return cohort.interval_days
        return int(self.screening.get("default_interval_days", DEFAULT_INTERVAL_DAYS))

    def cohort(self, name: str) -> Cohort:
        for c in self.cohorts:
            if c.name == name:
                return c
        raise KeyError(name)


def load_config(path: Path | str | None = None) -> Config:
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        cohorts = tuple(_cohort(c) for c in raw["cohorts"])
        config = Config(
            population=dict(raw["population"]),
            eras=dict(raw["eras"]),
            screening=dict(raw["screening"]),
            disclosure=dict(raw.get("disclosure", {})),
            cohorts=cohorts,
            source=str(path),
            raw=raw,
            extract=dict(raw.get("extract", {})),
            validation=dict(raw.get("validation", {})),
            security=dict(raw.get("security", {})),
        )
    except KeyError as exc:
        raise ConfigError(f"config file {path} lacks the key {exc}") from exc
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config file {path} has a section that is not a table") from exc
    _check_limits(config, path)
    names = [c.name for c in cohorts]
    if len(set(names)) != len(names):
        raise ConfigError(f"config file {path} names a cohort twice")
    return config


def _cohort(raw: dict[str, Any]) -> Cohort:
    name = raw["name"]
    rule, sources = raw.get("rule"), raw.get("sources")
    if rule is None:  # an older config: the SQL file it names stands for a shape
        legacy = raw.get("sql", name)
        if legacy not in LEGACY_COHORT_SQL:
            raise ConfigError(
                f"cohort {name}: give its rule shape (rule = one of {', '.join(RULE_SHAPES)})"
            )
        rule, legacy_sources = LEGACY_COHORT_SQL[legacy]
        sources = legacy_sources if sources is None else sources
    if rule not in RULE_SHAPES:
        raise ConfigError(f"cohort {name}: rule {rule!r} is not one of {', '.join(RULE_SHAPES)}")
    sources = tuple(sources or ())
    unknown = sorted(set(sources) - set(EVENT_TABLES))
    if unknown:
        raise ConfigError(
            f"cohort {name}: sources {', '.join(unknown)} are not event tables "
            f"({', '.join(EVENT_TABLES)})"
        )
    if RULE_SHAPES[rule] and not sources:
        raise ConfigError(f"cohort {name}: a {rule} rule needs sources (the tables to look in)")
    if sources and not RULE_SHAPES[rule]:
        raise ConfigError(f"cohort {name}: a {rule} rule takes no sources")
    interval = raw.get("interval_days")
    return Cohort(
        name=name,
        title=raw.get("title", name),
        rule=rule,
        sources=sources,
        codelists=tuple(raw.get("codelists", ())),
        params=dict(raw.get("params", {})),
        interval_days=None if interval is None else int(interval),
        citation=raw["citation"],
        enabled=bool(raw.get("enabled", True)),
    )


def _check_limits(config: Config, path: Path) -> None:
    """The [extract] and [validation] limits are numbers in their ranges."""
    from schemas.contract import TABLE_NAMES

    def number(section: str, key: str, value: Any, low: float, high: float | None) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or value < low or (high is not None and value > high):
            bounds = f"{low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise ConfigError(f"config file {path}: [{section}] {key} must be a number {bounds}")

    expansion = config.extract.get("max_gzip_expansion", DEFAULT_MAX_GZIP_EXPANSION)
    number("extract", "max_gzip_expansion", expansion, 1, None)
    share = config.validation.get("max_quarantined_share", DEFAULT_MAX_QUARANTINED_SHARE)
    shares = share if isinstance(share, dict) else {"": share}
    for table, value in shares.items():
        if table and table not in TABLE_NAMES:
            raise ConfigError(
                f"config file {path}: [validation] max_quarantined_share names no table "
                f"'{table}' (one of {', '.join(TABLE_NAMES)})"
            )
        number("validation", "max_quarantined_share", value, 0, 1)
    min_rows = config.validation.get("quarantine_share_min_rows", DEFAULT_QUARANTINE_SHARE_MIN_ROWS)
    if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 1:
        raise ConfigError(
            f"config file {path}: [validation] quarantine_share_min_rows must be a whole "
            "number of at least 1"
        )
