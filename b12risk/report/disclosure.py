"""Statistical disclosure control: the one function every published count passes through.

The rule (OpenSAFELY's): a count from 1 to `suppress_max` (7) is suppressed; every other count
is rounded to the nearest `round_to` (5, halves up); rates are recomputed from the rounded
counts. Zero is published as zero.

Secondary suppression: a table states identities between its cells (a total equals the sum of
its parts, within a row such as n_at_risk = the six statuses, or across rows such as the age
bands of a cohort adding up to the cohort). A suppressed cell that could be worked out from the
published cells of those identities is protected by suppressing more cells:

1. by subtraction: while an identity has exactly one suppressed cell, the smallest other
   non-zero cell of it is suppressed too;
2. by elimination: a suppressed cell is still recoverable when some combination of identities
   isolates it (e.g. a 2-by-2 block of a table whose rows and columns both have totals). Each
   group of connected identities is checked by linear algebra (the cell is recoverable exactly
   when every solution of the identities over the suppressed cells agrees on it); the smallest
   published cell of the isolating combination is suppressed, and both steps repeat until
   nothing can be recovered.

Cells are chosen deterministically (smallest true value, non-zero first, then position), so the
same table always publishes the same cells.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from b12risk.config import ConfigError

log = logging.getLogger(__name__)

SUPPRESSED = "[suppressed]"
NOT_FOR_RELEASE = "NOT FOR RELEASE — disclosure control off"
FLAG_COLUMN = "disclosure_control"


@dataclass(frozen=True)
class DisclosurePolicy:
    """Thresholds of the control; `enabled=False` only through an explicit flag."""

    enabled: bool = True
    suppress_max: int = 7
    round_to: int = 5

    def __post_init__(self) -> None:
        if self.suppress_max < 0 or self.round_to < 1:
            raise ValueError("disclosure: suppress_max must be >= 0 and round_to >= 1")
        smallest_published = round_count(self.suppress_max + 1, self.round_to)
        if 1 <= smallest_published <= self.suppress_max:
            raise ValueError(
                f"disclosure: rounding to {self.round_to} would publish {smallest_published}, "
                f"a count that suppress_max = {self.suppress_max} hides"
            )

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], *, enabled: bool = True
    ) -> DisclosurePolicy:
        """Thresholds from `config.disclosure`; `enabled` is the caller's explicit flag.

        `enabled = false` in the configuration alone does not turn control off: releasing
        unrounded small numbers needs the explicit flag (`disclosure=False`). Nor can the
        configuration weaken it: thresholds below PUBLISHED_POLICY are refused (ConfigError)
        unless control is off, when every output says NOT FOR RELEASE anyway."""
        if enabled and not settings.get("enabled", True):
            log.warning(
                "config disables disclosure control, but only the explicit flag can: it stays on"
            )
        try:
            thresholds = {
                "suppress_max": int(settings.get("suppress_max", PUBLISHED_POLICY.suppress_max)),
                "round_to": int(settings.get("round_to", PUBLISHED_POLICY.round_to)),
            }
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[disclosure] thresholds must be whole numbers: {exc}") from exc
        if not enabled:  # every count exact, every output NOT FOR RELEASE: thresholds unused
            return cls(enabled=False)
        _refuse_weaker(thresholds)
        try:
            return cls(enabled=True, **thresholds)
        except ValueError as exc:
            raise ConfigError(f"[disclosure] {exc}") from exc

    def release_floor(self, k: int = 1) -> int:
        """The largest count a cell suppressed last run is still suppressed at. Published
        above it, its previous value is proven above suppress_max even to an attacker who
        knows at most `k` people changed (published p means a count within half a rounding
        step of p): so no small count is recovered by differencing the two runs."""
        half = self.round_to // 2
        return self.suppress_max + 2 * half + k

    def describe(self) -> str:
        if not self.enabled:
            return NOT_FOR_RELEASE
        return (
            f"counts from 1 to {self.suppress_max} suppressed, and further counts suppressed "
            "wherever a suppressed count could otherwise be worked out from totals; other counts "
            f"rounded to the nearest {self.round_to}; rates computed from the rounded counts"
        )

    def release_note(self) -> str:
        """The short mark every published table carries."""
        if not self.enabled:
            return NOT_FOR_RELEASE
        return (
            f"disclosure controlled: 1-{self.suppress_max} suppressed, rounded to {self.round_to}"
        )


def _refuse_weaker(thresholds: Mapping[str, int]) -> None:
    for setting, value in thresholds.items():
        published = getattr(PUBLISHED_POLICY, setting)
        if value < published:
            raise ConfigError(
                f"[disclosure] {setting} = {value} is weaker than the published policy "
                f"({setting} = {published}); only --no-disclosure-control runs without it, and "
                "marks every output NOT FOR RELEASE"
            )


@dataclass(frozen=True)
class Margin:
    """Rows that add up to a total row, column by column.

    Within each block of rows sharing the `within` columns, the row whose `split` column equals
    `total` is the total; the rows of every other `split` value add up to it (e.g. split =
    "breakdown", total = "overall", within = ("cohort",): the age bands of a cohort, its sexes and
    its practices each add up to the cohort). `columns` limits the identity to some count columns.
    """

    split: str
    total: Any
    within: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None


def round_count(n: int, round_to: int) -> int:
    """Round a non-negative count to the nearest multiple of `round_to`, halves up."""
    return (2 * n + round_to) // (2 * round_to) * round_to


# The policy every release keeps to (OpenSAFELY's): a configuration may be stricter, never weaker.
PUBLISHED_POLICY = DisclosurePolicy(suppress_max=7, round_to=5)


def suppress(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    policy: DisclosurePolicy,
    row_totals: Sequence[tuple[str, Sequence[str]]] = (),
    margins: Sequence[Margin] = (),
    equal_rows: Sequence[tuple[int, int]] = (),
    rates: Mapping[str, tuple[str, str]] | None = None,
    hidden_before: np.ndarray | None = None,
    k: int = 1,
    also_hidden: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return `table` as it may be published.

    count_columns: non-negative integer counts (a missing value means "not applicable": it
        stays missing and takes part in no identity).
    row_totals: identities within every row, as (total column, part columns).
    margins: identities across rows (see `Margin`).
    equal_rows: pairs of row positions whose counts are equal, column by column, whatever the
        table says (any cohort's 75-84 row and older adults' 75-84 row): an attacker knows
        it, so a cell hidden in one is hidden in the other.
    rates: rate column -> (numerator, denominator), recomputed from the published counts
        (missing when either is suppressed or the denominator is 0).
    hidden_before: the cells the previous run of the same source suppressed (a boolean
        matrix of the table's shape): each stays suppressed unless it moved well above the
        threshold (`release_floor`), so a differencing attack across the two runs, where at
        most `k` people changed, recovers no small count hidden once and published now.
    also_hidden: cells to suppress whatever their value (the audit's repairs, b12risk.report.
        audit): the identities are then closed around them as around any other.

    Counts become nullable integers (missing = suppressed); the column `disclosure_control`
    says whether control was applied (False: every value is exact and NOT FOR RELEASE).
    """
    columns = list(count_columns)
    values = _count_matrix(table, columns)
    if policy.enabled:
        identities = row_identities(values.shape, columns, row_totals)
        identities += margin_identities(table, columns, margins)
        identities += equality_identities(values.shape, equal_rows)
        identities = [i for i in identities if not np.isnan(values.ravel()[i]).any()]
        kept = None
        if hidden_before is not None:
            with np.errstate(invalid="ignore"):
                kept = hidden_before.ravel() & (values.ravel() <= policy.release_floor(k))
        if also_hidden is not None:
            kept = also_hidden.ravel() if kept is None else kept | also_hidden.ravel()
        hidden = _protect(values.ravel(), identities, policy.suppress_max, kept)
        hidden = hidden.reshape(values.shape)
        published = np.where(hidden, np.nan, _round_all(values, policy.round_to))
        log.info(
            "disclosure control: %d of %d cells suppressed (%d below the threshold)",
            int(hidden.sum()),
            int((~np.isnan(values)).sum()),
            int(((values >= 1) & (values <= policy.suppress_max)).sum()),
        )
    else:
        published = values
        log.warning("disclosure control is OFF: outputs are %s", NOT_FOR_RELEASE)
    out = table.copy()
    for j, column in enumerate(columns):
        out[column] = pd.array(
            [None if np.isnan(v) else int(v) for v in published[:, j]], dtype="Int64"
        )
    for rate, (numerator, denominator) in (rates or {}).items():
        out[rate] = ratio(out[numerator], out[denominator])
    out[FLAG_COLUMN] = policy.enabled
    return out


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as nullable floats; missing where either is missing or 0 below."""
    num = numerator.astype("Float64")
    den = denominator.astype("Float64")
    return (num / den.where(den != 0)).astype("Float64")


# --- the protection itself: plain arrays of cells and identities --------------------------------


def _count_matrix(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"count columns not in the table: {missing}")
    values = np.empty((len(table), len(columns)), dtype=float)
    for j, column in enumerate(columns):
        col = pd.to_numeric(table[column]).astype("Float64")
        values[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
    present = values[~np.isnan(values)]
    if (present < 0).any() or (present != np.round(present)).any():
        raise ValueError("disclosure: counts must be non-negative whole numbers")
    return values


def _round_all(values: np.ndarray, round_to: int) -> np.ndarray:
    return np.floor((2 * values + round_to) / (2 * round_to)) * round_to


def row_identities(
    shape: tuple[int, int], columns: list[str], row_totals: Sequence[tuple[str, Sequence[str]]]
) -> list[np.ndarray]:
    """Each identity is an array of flat cell indices: the total first, then its parts."""
    n_rows, n_cols = shape
    index = {c: j for j, c in enumerate(columns)}
    identities = []
    for total, parts in row_totals:
        cols = [index[total], *(index[p] for p in parts)]
        for i in range(n_rows):
            identities.append(np.array([i * n_cols + j for j in cols]))
    return identities


def equality_identities(
    shape: tuple[int, int], equal_rows: Sequence[tuple[int, int]]
) -> list[np.ndarray]:
    """Two rows equal column by column: an identity of two cells per column (one is the
    other's only part)."""
    n_cols = shape[1]
    return [
        np.array([a * n_cols + j, b * n_cols + j]) for a, b in equal_rows for j in range(n_cols)
    ]


def margin_identities(
    table: pd.DataFrame, columns: list[str], margins: Sequence[Margin]
) -> list[np.ndarray]:
    n_cols = len(columns)
    positions = pd.RangeIndex(len(table))
    identities = []
    for margin in margins:
        cols = [columns.index(c) for c in (margin.columns or columns)]
        keys = [table[c].to_numpy() for c in margin.within] or [np.zeros(len(table))]
        frame = pd.DataFrame({f"k{n}": k for n, k in enumerate(keys)}, index=positions)
        for _, block in frame.groupby(list(frame.columns), sort=False, dropna=False):
            rows = block.index.to_numpy()
            split = table[margin.split].to_numpy()[rows]
            total_rows = rows[split == margin.total]
            if len(total_rows) == 0:
                continue
            if len(total_rows) > 1:
                raise ValueError(f"disclosure: more than one {margin.total!r} row in a block")
            for value in pd.unique(split[split != margin.total]):
                part_rows = rows[split == value]
                for j in cols:
                    cells = [total_rows[0] * n_cols + j, *(r * n_cols + j for r in part_rows)]
                    identities.append(np.array(cells))
    return identities


def _protect(
    values: np.ndarray,
    identities: list[np.ndarray],
    suppress_max: int,
    kept: np.ndarray | None = None,
) -> np.ndarray:
    """Which cells to hide: primary (1..suppress_max), those `kept` from the previous run,
    plus secondary (see the module notes)."""
    with np.errstate(invalid="ignore"):
        hidden = (values >= 1) & (values <= suppress_max)
    if kept is not None:
        hidden |= kept
    groups = [_Group.of([identities[k] for k in g]) for g in _connected(identities, values.size)]
    incidence = _Incidence.of(identities, values.size)
    while True:
        _close_by_subtraction(values, hidden, identities, incidence)
        added = [group.close_by_elimination(values, hidden) for group in groups]
        if not any(added):
            return hidden


@dataclass
class _Incidence:
    """Which identities each cell is in, and the identities' cells flattened, to count the
    hidden cells of every identity at once and keep the counts as cells get hidden."""

    owners: np.ndarray  # identity of each entry of `cells`
    cells: np.ndarray
    identities_of_cell: list[list[int]]

    @classmethod
    def of(cls, identities: list[np.ndarray], n_cells: int) -> _Incidence:
        identities_of_cell: list[list[int]] = [[] for _ in range(n_cells)]
        for k, cells in enumerate(identities):
            for cell in cells:
                identities_of_cell[int(cell)].append(k)
        cells = np.concatenate(identities) if identities else np.zeros(0, dtype=int)
        owners = np.repeat(np.arange(len(identities)), [len(c) for c in identities])
        return cls(owners, cells.astype(int), identities_of_cell)

    def hidden_counts(self, hidden: np.ndarray, n_identities: int) -> list[int]:
        counts = np.bincount(self.owners, weights=hidden[self.cells], minlength=n_identities)
        return [int(n) for n in counts]


def _close_by_subtraction(
    values: np.ndarray, hidden: np.ndarray, identities: list, incidence: _Incidence
) -> None:
    """Pass over the identities in order, hiding one more cell of any identity with exactly
    one hidden cell (it could be recovered by subtraction), until a pass hides nothing. The
    per-identity hidden counts are kept up to date as cells are hidden."""
    counts = incidence.hidden_counts(hidden, len(identities))
    changed = True
    while changed:
        changed = False
        for k, cells in enumerate(identities):
            if counts[k] == 1:
                pick = _smallest_published(values, hidden, cells)
                if pick is not None:
                    hidden[pick] = True
                    for j in incidence.identities_of_cell[pick]:
                        counts[j] += 1
                    changed = True


@dataclass
class _Group:
    """Identities that share cells, as a matrix over the group's cells (+1 total, -1 parts)."""

    cells: np.ndarray
    matrix: np.ndarray
    checked_at: int = -1  # number of hidden cells when last found safe (hidden only grows)

    @classmethod
    def of(cls, identities: list[np.ndarray]) -> _Group:
        cells = np.unique(np.concatenate(identities))
        return cls(cells, _identity_matrix(identities, cells))

    def close_by_elimination(self, values: np.ndarray, hidden: np.ndarray) -> bool:
        """Hide one more cell if a hidden cell of the group is still recoverable."""
        is_hidden = hidden[self.cells]
        n_hidden = int(is_hidden.sum())
        if n_hidden == 0 or n_hidden == self.checked_at:
            return False
        on_secret = self.matrix[:, is_hidden]
        touching = np.abs(on_secret).sum(axis=1) > 0
        isolating = _isolating_combination(on_secret[touching])
        if isolating is not None:
            combination = isolating @ self.matrix[touching]  # read over every cell of the group
            involved = self.cells[(np.abs(combination) > 1e-6) & ~is_hidden]
            if len(involved):  # (none: the identities force the cell to 0, nothing to protect)
                hidden[_smallest_published(values, hidden, involved)] = True
                return True
        self.checked_at = n_hidden
        return False


def _isolating_combination(matrix: np.ndarray) -> np.ndarray | None:
    """Weights y with y @ matrix = e_k for the first unknown k that the system matrix @ x = b
    fixes, or None when no unknown is fixed.

    x_k is fixed exactly when e_k lies in the row space of the matrix, i.e. when its projection
    onto that space has length 1. The space comes from the eigen-decomposition of the smaller
    Gram matrix (rows x rows or unknowns x unknowns)."""
    n_rows, n_unknowns = matrix.shape
    if n_rows == 0:
        return None
    if n_rows <= n_unknowns:
        eigenvalues, vectors = np.linalg.eigh(matrix @ matrix.T)
        keep = eigenvalues > eigenvalues.max() * 1e-10
        eigenvalues, vectors = eigenvalues[keep], vectors[:, keep]
        coords = vectors.T @ matrix  # row-space coordinates of each unit vector, scaled
        projection = (coords**2 / eigenvalues[:, None]).sum(axis=0)
        fixed = np.flatnonzero(projection > 1 - 1e-6)
        if len(fixed) == 0:
            return None
        return vectors @ (coords[:, fixed[0]] / eigenvalues)
    eigenvalues, vectors = np.linalg.eigh(matrix.T @ matrix)
    keep = eigenvalues > eigenvalues.max() * 1e-10
    eigenvalues, vectors = eigenvalues[keep], vectors[:, keep]
    projection = (vectors**2).sum(axis=1)  # vectors span the row space
    fixed = np.flatnonzero(projection > 1 - 1e-6)
    if len(fixed) == 0:
        return None
    return matrix @ (vectors @ (vectors[fixed[0]] / eigenvalues))


def _identity_matrix(identities: list[np.ndarray], cells: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(identities), len(cells)))
    for row, identity in enumerate(identities):
        cols = np.searchsorted(cells, identity)
        matrix[row, cols[1:]] = -1.0
        matrix[row, cols[0]] = 1.0
    return matrix


def _connected(identities: list[np.ndarray], n_cells: int) -> list[list[int]]:
    """Groups of identities that share cells (union-find over cells)."""
    parent = list(range(n_cells))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for cells in identities:
        root = find(int(cells[0]))
        for c in cells[1:]:
            other = find(int(c))
            if other != root:
                parent[other] = root
    groups: dict[int, list[int]] = {}
    for k, cells in enumerate(identities):
        groups.setdefault(find(int(cells[0])), []).append(k)
    return list(groups.values())


def _smallest_published(values: np.ndarray, hidden: np.ndarray, cells) -> int | None:
    """The next secondary cell: the smallest non-zero one, zeros last, then by position."""
    candidates = [int(c) for c in cells if not hidden[c]]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (values[c] == 0, values[c], c))
