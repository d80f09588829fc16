"""The b12risk home: the folder default paths are resolved against.

`B12RISK_HOME` names it; without it, the current directory is the home only when it holds the
project's configuration (`data/config/cohorts.toml`, as a checkout does). Defaults under the
home: the warehouse `data/warehouse.duckdb`, the reports `reports/`, the configuration
`data/config/cohorts.toml` (the embedded default when the home has none). Outside a home, a
run needs `--warehouse` (and its reports then go beside the warehouse, in `reports/`): no
command creates a warehouse in a folder by surprise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "B12RISK_HOME"
CONFIG_FILE = Path("data") / "config" / "cohorts.toml"
WAREHOUSE_FILE = Path("data") / "warehouse.duckdb"
REPORTS_DIR = Path("reports")


class NoHome(ValueError):
    """A default path was needed outside a b12risk home. `str()` is one line."""

    refuses_input = True


@dataclass(frozen=True)
class RunPaths:
    """Absolute paths of one run."""

    warehouse: Path
    reports: Path
    config: Path | None  # None: the embedded default configuration


def project_home(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """B12RISK_HOME, else the current directory if it holds data/config/cohorts.toml."""
    environ = os.environ if environ is None else environ
    if environ.get(HOME_ENV):
        return Path(environ[HOME_ENV]).expanduser().absolute()
    cwd = (cwd or Path.cwd()).absolute()
    return cwd if (cwd / CONFIG_FILE).is_file() else None


def run_paths(
    warehouse: Path | None,
    reports: Path | None,
    config: Path | None,
    home: Path | None,
) -> RunPaths:
    """The run's paths: the ones given (made absolute), the rest from the home."""
    if warehouse is None:
        if home is None:
            raise NoHome(
                f"no b12risk home: {Path.cwd()} holds no {CONFIG_FILE}, so there is no default "
                f"warehouse; give --warehouse PATH, run from the project folder, or set "
                f"{HOME_ENV}"
            )
        warehouse = home / WAREHOUSE_FILE
    warehouse = Path(warehouse).expanduser().absolute()
    if reports is None:
        reports = home / REPORTS_DIR if home is not None else warehouse.parent / REPORTS_DIR
    if config is None and home is not None and (home / CONFIG_FILE).is_file():
        config = home / CONFIG_FILE
    return RunPaths(
        warehouse=warehouse,
        reports=Path(reports).expanduser().absolute(),
        config=Path(config).expanduser().absolute() if config is not None else None,
    )
