"""Failures of the machine to store what a run writes: a full disk, a read-only folder, a
missing permission. They are the environment's (exit 1, one line saying what and where), never
the extract's: an extract is refused only for what reading it found.

DuckDB reports them as text (`Could not write file "/w.duckdb.new": No space left on device`),
Python as OSError with an errno; `storage_failure` recognises both, anywhere in an exception's
chain, and `writing(where)` turns them into StorageFailure for a block that writes `where`.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# errno -> what the one line says; the same words DuckDB's messages carry (strerror)
STORAGE_ERRORS: dict[int, str] = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large",
    errno.EIO: "input/output error",
}
_PHRASES = tuple(
    (what, re.compile(re.escape(what), re.IGNORECASE)) for what in STORAGE_ERRORS.values()
)
_QUOTED_PATH = re.compile(r'"(/[^"]+)"')


class StorageFailure(Exception):
    """The machine could not store what the run writes. `str()` is one line: what and where."""

    def __init__(self, what: str, where: str | None = None):
        self.what = what
        self.where = where
        super().__init__(what, where)

    def __str__(self) -> str:
        return f"{self.what} writing {self.where}" if self.where else self.what

    def __reduce__(self):
        return (type(self), (self.what, self.where))


def storage_failure(
    exc: BaseException, where: Path | str | None = None, reading: Iterable[Path | str] = ()
) -> StorageFailure | None:
    """The StorageFailure `exc` stands for, or None. `where`: the path being written, when the
    error does not name one; `reading`: paths only read (an error naming one of them is a
    problem of reading that file, not of storage)."""
    read = {str(p) for p in reading}
    for link in _chain(exc):
        if getattr(link, "refuses_input", False):  # a refusal is the input's, whatever caused it
            return None
        if isinstance(link, StorageFailure):
            return link if link.where or where is None else StorageFailure(link.what, str(where))
        if isinstance(link, OSError) and link.errno in STORAGE_ERRORS:
            path = link.filename if isinstance(link.filename, str) else None
            if path in read:
                return None
            return StorageFailure(STORAGE_ERRORS[link.errno], path or _text(where))
        message = str(link)
        for what, phrase in _PHRASES:
            if phrase.search(message):
                named = _QUOTED_PATH.search(message)
                path = named.group(1) if named else None
                if path in read:
                    return None
                return StorageFailure(what, path or _text(where))
    return None


def raised_storage_failure(exc: BaseException) -> StorageFailure | None:
    """The StorageFailure a block that writes (`writing`) raised, anywhere in `exc`'s chain:
    only those, so an error reading a file is never called a failure to write it."""
    return next((link for link in _chain(exc) if isinstance(link, StorageFailure)), None)


@contextmanager
def writing(where: Path | str, reading: Iterable[Path | str] = ()) -> Iterator[None]:
    """Turn a storage error raised in the block into StorageFailure (where: `where`, unless
    the error names its own path)."""
    try:
        yield
    except StorageFailure as exc:
        if exc.where:
            raise
        raise StorageFailure(exc.what, str(where)) from exc
    except Exception as exc:
        failure = storage_failure(exc, where, reading)
        if failure is None:
            raise
        raise failure from exc


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _text(path: Path | str | None) -> str | None:
    return None if path is None else str(path)
