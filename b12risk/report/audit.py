"""The disclosure audit: can any suppressed cell of a release be recovered?

It reads a run's published tables the way an attacker would, with nothing but what they hold
and what anyone knows about them, and asks a linear-programming solver (scipy's HiGHS) for the
tightest interval it can prove for every suppressed cell:

- a published count p is a count that rounds to p (round_to 5: p - 2 to p + 2), above
  suppress_max unless p is 0; a suppressed count is any count from 0 up;
- the table's identities hold (a row's total is the sum of its statuses; the age bands, sexes
  and practices of a cohort add up to the cohort), and the declared equalities (any cohort's
  75-84 and 85+ rows are older adults' rows);
- with the previous run's release beside it, each cell moved by at most k between the two
  (k = 1, the hardest case: two extracts one person apart).

A suppressed cell fails when its interval excludes 0 or is narrower than suppress_max: the
attacker then knows it is not zero, or knows it within less than the threshold. One refinement:
a cell proven above suppress_max (a large secondary cell published later, say) discloses no
small count, and is reported as proven large, not as a failure. Cells of both runs are judged.

Pure: published frames in, findings out. `b12risk audit-disclosure` and every run (before it
publishes) call it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

from b12risk.report.disclosure import (
    DisclosurePolicy,
    Margin,
    equality_identities,
    margin_identities,
    row_identities,
)

EXCLUDES_ZERO = 0.5  # counts are whole numbers: a lower bound above 0.5 rules out 0
SLACK = 1e-6


@dataclass(frozen=True)
class PublishedTable:
    """A published table as the audit reads it: its rows' keys, counts (missing = suppressed)
    and the identities an attacker knows hold between them."""

    name: str
    frame: pd.DataFrame
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    row_totals: Sequence[tuple[str, Sequence[str]]] = ()
    margins: Sequence[Margin] = ()
    equal_rows: Sequence[tuple[int, int]] = ()
    family: str | None = None  # the key column naming a cell's family (breakdown)


@dataclass(frozen=True)
class CellBound:
    table: str
    run: str  # "this" or "previous"
    key: tuple
    column: str
    family: str
    low: float
    high: float
    verdict: str  # "safe", "proven large" or "recoverable"


@dataclass
class AuditResult:
    policy: DisclosurePolicy
    k: int | None
    bounds: list[CellBound] = field(default_factory=list)

    @property
    def failures(self) -> list[CellBound]:
        return [b for b in self.bounds if b.verdict == "recoverable"]

    @property
    def passed(self) -> bool:
        return not self.failures

    def families(self) -> dict[tuple[str, str, str, str], int]:
        """(table, run, family, column) -> recoverable cells, for the one-line summaries."""
        out: dict[tuple[str, str, str, str], int] = {}
        for b in self.failures:
            family = (b.table, b.run, b.family, b.column)
            out[family] = out.get(family, 0) + 1
        return out

    def summary_lines(self) -> list[str]:
        checked = len(self.bounds)
        across = f", across two runs (each cell moved by at most {self.k})" if self.k else ""
        if self.passed:
            return [f"disclosure audit passed: {checked} suppressed cells checked{across}"]
        lines = [
            f"disclosure audit FAILED: {len(self.failures)} of {checked} suppressed cells can be "
            f"bounded within {self.policy.suppress_max} or away from 0{across}"
        ]
        for (table, run, family, column), n in sorted(self.families().items()):
            run_name = "" if run == "this" else " (the previous run's)"
            lines.append(f"  {table}{run_name}: {family} rows, {column}: {n} cells")
        return lines

    def to_dict(self) -> dict:
        """Every bound, for restricted/ only: an interval of a small cell is itself exact."""
        return {
            "passed": self.passed,
            "k": self.k,
            "suppress_max": self.policy.suppress_max,
            "round_to": self.policy.round_to,
            "cells": [
                {
                    "table": b.table,
                    "run": b.run,
                    "key": list(b.key),
                    "column": b.column,
                    "low": b.low,
                    "high": None if math.isinf(b.high) else b.high,
                    "verdict": b.verdict,
                }
                for b in self.bounds
            ],
        }


def published_interval(value: float, policy: DisclosurePolicy) -> tuple[float, float]:
    """The counts a published value stands for: those that round to it, above suppress_max
    (zero is published as zero)."""
    if value == 0:
        return 0.0, 0.0
    low = math.ceil(value - policy.round_to / 2)
    high = math.ceil(value + policy.round_to / 2) - 1
    return float(max(low, policy.suppress_max + 1)), float(high)


@dataclass
class _System:
    """Cells of one or two runs as LP variables, with the constraints an attacker knows."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    labels: list[tuple[str, str, tuple, str, str]] = field(default_factory=list)

    eq_rows: list[list[tuple[int, float]]] = field(default_factory=list)
    band_rows: list[tuple[list[tuple[int, float]], float, float]] = field(default_factory=list)

    def add_table(self, table: PublishedTable, run: str, policy: DisclosurePolicy) -> dict:
        """Variables for every count of `table`; returns (key, column) -> variable."""
        frame = table.frame.reset_index(drop=True)
        offset = len(self.lower)
        values = np.full((len(frame), len(table.counts)), np.nan)
        index: dict[tuple[tuple, str], int] = {}
        keys = [tuple(r) for r in frame[list(table.keys)].itertuples(index=False, name=None)]
        for j, column in enumerate(table.counts):
            col = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
            values[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
        for i, key in enumerate(keys):
            family = str(frame.at[i, table.family]) if table.family else table.name
            for j, column in enumerate(table.counts):
                var = len(self.lower)
                value = values[i, j]
                if np.isnan(value):
                    low, high = 0.0, math.inf
                    self.suppressed.append(var)
                else:
                    low, high = published_interval(value, policy)
                self.lower.append(low)
                self.upper.append(high)
                self.labels.append((table.name, run, key, column, family))
                index[(key, column)] = var
        marked = frame.copy()
        for column in table.counts:  # identities over every cell: present, not "not applicable"
            marked[column] = 0
        cells = row_identities(values.shape, list(table.counts), table.row_totals)
        cells += margin_identities(marked, list(table.counts), table.margins)
        cells += equality_identities(values.shape, table.equal_rows)
        for identity in cells:
            total, *parts = (offset + int(c) for c in identity)
            self.eq_rows.append([(total, 1.0), *((p, -1.0) for p in parts)])
        return index

    def link_runs(self, this: dict, previous: dict, k: int) -> None:
        for cell, var in this.items():
            other = previous.get(cell)
            if other is not None:
                self.band_rows.append(([(var, 1.0), (other, -1.0)], -float(k), float(k)))

    def components(self) -> list[list[int]]:
        """Variables linked by constraints, as groups holding at least one suppressed cell."""
        parent = list(range(len(self.lower)))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for terms in [*self.eq_rows, *(t for t, _, _ in self.band_rows)]:
            root = find(terms[0][0])
            for var, _ in terms[1:]:
                other = find(var)
                if other != root:
                    parent[other] = root
        groups: dict[int, list[int]] = {}
        for var in range(len(self.lower)):
            groups.setdefault(find(var), []).append(var)
        hidden = set(self.suppressed)
        return [g for g in groups.values() if hidden.intersection(g)]


def audit(
    current: Sequence[PublishedTable],
    policy: DisclosurePolicy,
    previous: Sequence[PublishedTable] = (),
    k: int = 1,
    cache: dict | None = None,
) -> AuditResult:
    """Bound every suppressed cell of `current` (and of `previous`, when given: the tables of
    the previous run's release, matched by name, key and column). `cache` (a dict the caller
    keeps between calls on the same tables) reuses the bounds of every component whose cells
    are as they were: the repair rounds change a few cohorts at a time."""
    system = _System()
    for table in current:
        this = system.add_table(table, "this", policy)
        before = next((t for t in previous if t.name == table.name), None)
        if before is not None:
            system.link_runs(this, system.add_table(before, "previous", policy), k)
    result = AuditResult(policy, k if previous else None)
    for component in system.components():
        signature = tuple((system.labels[v], system.lower[v], system.upper[v]) for v in component)
        if cache is not None and signature in cache:
            result.bounds += cache[signature]
            continue
        bounds = _bound_component(system, component, policy)
        if cache is not None:
            cache[signature] = bounds
        result.bounds += bounds
    return result


def _bound_component(
    system: _System, variables: list[int], policy: DisclosurePolicy
) -> list[CellBound]:
    """Bounds of the component's suppressed cells. Most cells are shown safe in bulk: one LP
    finds a solution where many are 0 (lower bound 0), another where many reach suppress_max
    (an upper bound at least that); each is repeated on the cells still open while it shows
    more, and only the cells left get an LP of their own (their exact lower, then upper
    bound)."""
    lp = _ComponentLP.of(system, variables)
    hidden = [v for v in variables if v in set(system.suppressed)]
    low = {v: math.nan for v in hidden}
    high = {v: math.nan for v in hidden}
    open_low = list(hidden)
    while open_low:
        x = lp.minimise_sum(open_low)
        shown = [v for v in open_low if x is not None and x[lp.position[v]] <= EXCLUDES_ZERO]
        for v in shown:
            low[v] = 0.0
        if not shown:
            break
        open_low = [v for v in open_low if v not in set(shown)]
    for v in open_low:
        low[v] = lp.minimise(v)
    target = float(policy.suppress_max)
    open_high = [v for v in hidden if low[v] <= EXCLUDES_ZERO]
    while open_high:
        x = lp.maximise_capped(open_high, target)
        shown = [v for v in open_high if x is not None and x[lp.position[v]] >= target - SLACK]
        for v in shown:
            high[v] = math.inf  # at least the threshold: enough, and not worth an exact LP
        if not shown:
            break
        open_high = [v for v in open_high if v not in set(shown)]
    for v in hidden:
        if math.isnan(high[v]):
            high[v] = lp.maximise(v)
    out = []
    for var in hidden:
        table, run, key, column, family = system.labels[var]
        verdict = _verdict(low[var], high[var], policy)
        out.append(CellBound(table, run, key, column, family, low[var], high[var], verdict))
    return out


@dataclass
class _ComponentLP:
    """The constraints of one component, over its variables in `position` order."""

    position: dict[int, int]
    a_eq: object
    a_ub: object
    b_ub: np.ndarray
    bounds: list[tuple[float, float | None]]

    @classmethod
    def of(cls, system: _System, variables: list[int]) -> _ComponentLP:
        position = {var: n for n, var in enumerate(variables)}
        members = set(variables)
        eq = [r for r in system.eq_rows if r[0][0] in members]
        bands = [b for b in system.band_rows if b[0][0][0] in members]
        upper_rows = [t for t, _, _ in bands]  # t @ x <= high, and -t @ x <= -low
        a_ub = _sparse(upper_rows + [[(v, -c) for v, c in t] for t in upper_rows], position)
        b_ub = np.array([hi for _, _, hi in bands] + [-lo for _, lo, _ in bands])
        bounds = [
            (system.lower[v], None if math.isinf(system.upper[v]) else system.upper[v])
            for v in variables
        ]
        return cls(position, _sparse(eq, position), a_ub, b_ub, bounds)

    @property
    def n(self) -> int:
        return len(self.position)

    def _run(self, objective, a_ub=None, b_ub=None, bounds=None):
        a_ub = self.a_ub if a_ub is None else a_ub
        b_ub = self.b_ub if b_ub is None else b_ub
        a_eq = self.a_eq
        if a_eq is not None and a_ub is not None and a_eq.shape[1] != a_ub.shape[1]:
            a_eq = hstack([a_eq, csr_matrix((a_eq.shape[0], a_ub.shape[1] - a_eq.shape[1]))])
        return linprog(
            objective,
            A_ub=a_ub,
            b_ub=b_ub if a_ub is not None else None,
            A_eq=a_eq,
            b_eq=np.zeros(a_eq.shape[0]) if a_eq is not None else None,
            bounds=bounds or self.bounds,
            method="highs",
        )

    def minimise(self, var: int) -> float:
        """The least value of one cell; -inf when nothing can be proven (see _solve)."""
        objective = np.zeros(self.n)
        objective[self.position[var]] = 1.0
        res = self._run(objective)
        return float(res.fun) if res.status == 0 else -math.inf

    def maximise(self, var: int) -> float:
        objective = np.zeros(self.n)
        objective[self.position[var]] = -1.0
        res = self._run(objective)
        return -float(res.fun) if res.status == 0 else math.inf

    def minimise_sum(self, variables: list[int]) -> np.ndarray | None:
        objective = np.zeros(self.n)
        objective[[self.position[v] for v in variables]] = 1.0
        res = self._run(objective)
        return res.x if res.status == 0 else None

    def maximise_capped(self, variables: list[int], cap: float) -> np.ndarray | None:
        """A solution maximising the sum of min(x_v, cap) over `variables` (a helper y_v per
        cell, y_v <= x_v, 0 <= y_v <= cap)."""
        m = len(variables)
        objective = np.concatenate([np.zeros(self.n), -np.ones(m)])
        rows = np.arange(m)
        link = coo_matrix(
            (
                np.concatenate([np.ones(m), -np.ones(m)]),
                (
                    np.concatenate([rows, rows]),
                    np.concatenate([self.n + rows, [self.position[v] for v in variables]]),
                ),
            ),
            shape=(m, self.n + m),
        ).tocsr()
        if self.a_ub is None:
            a_ub, b_ub = link, np.zeros(m)
        else:
            widened = hstack([self.a_ub, csr_matrix((self.a_ub.shape[0], m))])
            a_ub, b_ub = vstack([widened, link]).tocsr(), np.concatenate([self.b_ub, np.zeros(m)])
        res = self._run(objective, a_ub, b_ub, [*self.bounds, *((0.0, cap),) * m])
        return res.x[: self.n] if res.status == 0 else None


def _verdict(low: float, high: float, policy: DisclosurePolicy) -> str:
    if low > policy.suppress_max + SLACK:
        return "proven large"
    if low > EXCLUDES_ZERO or high - low < policy.suppress_max - SLACK:
        return "recoverable"
    return "safe"


def _sparse(rows: list[list[tuple[int, float]]], position: dict[int, int]):
    if not rows:
        return None
    r, c, v = [], [], []
    for n, terms in enumerate(rows):
        for var, coefficient in terms:
            r.append(n)
            c.append(position[var])
            v.append(coefficient)
    return coo_matrix((v, (r, c)), shape=(len(rows), len(position))).tocsr()


def repair_cells(
    table: PublishedTable, exact: np.ndarray, result: AuditResult, per_cell: int = 1
) -> set[int]:
    """Cells of `table` (flat positions) to suppress as well, so that the cells `result` found
    recoverable are not: for each, the smallest non-zero published cell sharing an identity
    with it, or the `per_cell` smallest (a cell of the previous run: its counterpart in this
    one, if published, or else the same search from it). Empty when nothing more can be
    hidden."""
    frame = table.frame.reset_index(drop=True)
    counts = list(table.counts)
    n_cols = len(counts)
    published = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in counts]
    )
    published = ~np.isnan(published).ravel()
    row_of = {
        tuple(r): i
        for i, r in enumerate(frame[list(table.keys)].itertuples(index=False, name=None))
    }
    marked = frame.copy()
    for column in counts:
        marked[column] = 0
    identities = row_identities((len(frame), n_cols), counts, table.row_totals)
    identities += margin_identities(marked, counts, table.margins)
    identities += equality_identities((len(frame), n_cols), table.equal_rows)
    owners: dict[int, list[np.ndarray]] = {}
    for identity in identities:
        for cell in identity:
            owners.setdefault(int(cell), []).append(identity)
    flat_exact = exact.ravel()
    chosen: set[int] = set()
    for bound in result.failures:
        if bound.table != table.name or bound.key not in row_of:
            continue
        cell = row_of[bound.key] * n_cols + counts.index(bound.column)
        if bound.run == "previous" and published[cell]:
            chosen.add(cell)
            continue
        candidates = {
            int(c)
            for identity in owners.get(cell, [])
            for c in identity
            if published[int(c)] and int(c) not in chosen
        }
        ranked = sorted(candidates, key=lambda c: (flat_exact[c] == 0, flat_exact[c], c))
        chosen.update(ranked[:per_cell])
    return chosen
