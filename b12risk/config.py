"""Run configuration: the population, the cohorts (as data, with citations), screening policy
and disclosure control. Loaded from TOML (`data/config/cohorts.toml` by default)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "data" / "config" / "cohorts.toml"
DEFAULT_CODELISTS = PROJECT_ROOT / "data" / "codelists"


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Cohort:
    name: str
    title: str
    sql: str
    codelists: tuple[str, ...]
    params: dict[str, Any]
    interval_days: int
    citation: str
    enabled: bool = True


@dataclass(frozen=True)
class Config:
    population: dict[str, Any]
    eras: dict[str, Any]
    screening: dict[str, Any]
    disclosure: dict[str, Any]
    cohorts: tuple[Cohort, ...]
    source: str = "default"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def enabled_cohorts(self) -> tuple[Cohort, ...]:
        return tuple(c for c in self.cohorts if c.enabled)

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
        )
    except KeyError as exc:
        raise ConfigError(f"config file {path} lacks the key {exc}") from exc
    names = [c.name for c in cohorts]
    if len(set(names)) != len(names):
        raise ConfigError(f"config file {path} names a cohort twice")
    return config


def _cohort(raw: dict[str, Any]) -> Cohort:
    return Cohort(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        sql=raw.get("sql", raw["name"]),
        codelists=tuple(raw.get("codelists", ())),
        params=dict(raw.get("params", {})),
        interval_days=int(raw.get("interval_days", 365)),
        citation=raw["citation"],
        enabled=bool(raw.get("enabled", True)),
    )
