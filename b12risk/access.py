"""Who may read what a run writes: private files for whatever holds patient-level data or
exact counts.

The warehouse (its quarantine keeps raw values), `restricted/` and `sensitive/` are created 0600
(folders 0700); with `[security] group = "<name>"` they are 0640 (folders 0750) and owned by
that group, so a team can share them. The published run folder and its files stay readable
(0755, 0644): they passed disclosure control.

How: a run creates everything under a private umask (077, or 027 with a group), so nothing is
readable by others even for an instant (DuckDB's write-ahead log and spill files included);
it then opens the published folder explicitly (`publish_folder`) and hands the private files to
the group (`share`).
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b12risk.config import ConfigError

PUBLIC_FILE, PUBLIC_DIR = 0o644, 0o755


@dataclass(frozen=True)
class Access:
    """The modes of private files; `gid` is the group they are shared with, if any."""

    group: str | None = None
    gid: int | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Access:
        """`[security]` of the configuration; ConfigError for a group this user cannot use."""
        group = settings.get("group")
        if group in (None, ""):
            return cls()
        if not isinstance(group, str):
            raise ConfigError("[security] group must be the name of a group")
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise ConfigError(f"[security] group {group!r} does not exist") from None
        if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
            raise ConfigError(f"[security] group {group!r}: this user is not a member of it")
        return cls(group, gid)

    @property
    def file_mode(self) -> int:
        return 0o640 if self.gid is not None else 0o600

    @property
    def dir_mode(self) -> int:
        return 0o750 if self.gid is not None else 0o700

    @property
    def umask(self) -> int:
        return 0o027 if self.gid is not None else 0o077

    @contextmanager
    def private(self) -> Iterator[None]:
        """Everything created inside is private (the process's umask, restored after)."""
        previous = os.umask(self.umask)
        try:
            yield
        finally:
            os.umask(previous)

    def share(self, path: Path) -> None:
        """Make `path` (a folder: with everything in it) private, owned by the group if any."""
        for item in _walk(Path(path)):
            self._set(item, self.dir_mode if item.is_dir() else self.file_mode)

    def publish_folder(self, folder: Path, private: Iterable[str]) -> None:
        """Open a run's folder to readers, except its `private` subfolders (shared instead)."""
        folder = Path(folder)
        os.chmod(folder, PUBLIC_DIR)
        for item in folder.iterdir():
            if item.name in private:
                self.share(item)
            elif item.is_dir():
                for inner in _walk(item):
                    os.chmod(inner, PUBLIC_DIR if inner.is_dir() else PUBLIC_FILE)
            else:
                os.chmod(item, PUBLIC_FILE)

    def _set(self, path: Path, mode: int) -> None:
        if self.gid is not None and os.stat(path).st_gid != self.gid:
            os.chown(path, -1, self.gid)
        os.chmod(path, mode)


def public_folder(path: Path) -> None:
    """Create a folder readers need to reach (the reports folder), readable whatever the umask."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, PUBLIC_DIR)


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(os.stat(path).st_mode)


def _walk(path: Path) -> Iterator[Path]:
    yield path
    if path.is_dir() and not path.is_symlink():
        for inner in sorted(path.rglob("*")):
            if not inner.is_symlink():
                yield inner
