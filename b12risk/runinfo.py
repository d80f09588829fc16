"""What identifies one pipeline run; passed to every stage that records or reports it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from b12risk import __version__


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    as_of: date
    extract_dir: str
    extract_hash: str
    extract_id: str | None
    extracted_on: date | None
    started_at: datetime
    package_version: str = __version__
    # checksum of each cohort's definition, of the status rules and of the codelists
    rule_checksums: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # the manifest's `source`: who or what produced the extract

    @property
    def extract_date(self) -> date:
        """The date events may not be later than: the manifest's extracted_on, else the run date."""
        return self.extracted_on or self.started_at.date()


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique and free of any extract content: `20261123T215700Z-3f9a1c`."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
