"""Independent checks of published tables (used by several report tests)."""

from __future__ import annotations

import numpy as np


def assert_nothing_recoverable(table, out, columns, row_totals, margins):
    """Check by subtraction (no identity has exactly one hidden cell) and by elimination (no
    hidden cell is fixed by the published cells and all identities together)."""
    identities = identity_cells(table, columns, row_totals, margins)
    hidden = out[list(columns)].isna().to_numpy().ravel()
    for cells in identities:
        assert hidden[cells].sum() != 1, f"recoverable by subtraction: identity over {cells}"
    secret = np.flatnonzero(hidden)
    if len(secret) == 0 or not identities:
        return
    matrix = np.zeros((len(identities), hidden.size))
    for row, cells in enumerate(identities):
        matrix[row, cells[1:]] = -1
        matrix[row, cells[0]] = 1
    on_secret = matrix[:, secret]
    on_secret = on_secret[np.abs(on_secret).sum(axis=1) > 0]
    if on_secret.shape[0] == 0:
        return
    # every solution x of on_secret @ x = b is x0 + null-space vector: a hidden cell is fixed
    # exactly when every null-space vector is 0 there (no null space at all fixes them all)
    _, singular, vt = np.linalg.svd(on_secret)
    rank = int((singular > 1e-9 * singular.max()).sum())
    null = vt[rank:]
    assert null.shape[0] > 0, "the identities fix every hidden cell"
    fixed = np.all(np.abs(null) < 1e-9, axis=0)
    assert not fixed.any(), f"{int(fixed.sum())} hidden cells are fixed by the identities"


def identity_cells(table, columns, row_totals, margins):
    """Flat cell indices (row * n_columns + column) of every identity, the total first; an
    identity touching a missing (not applicable) cell of the true table is left out."""
    n_cols = len(columns)
    identities = []
    for total, parts in row_totals:
        for i in range(len(table)):
            identities.append([i * n_cols + columns.index(c) for c in (total, *parts)])
    for margin in margins:
        margin_columns = [columns.index(c) for c in (margin.columns or columns)]
        for _, block in table.groupby(list(margin.within)):
            total_rows = block.index[block[margin.split] == margin.total]
            for _, part in block[block[margin.split] != margin.total].groupby(margin.split):
                for j in margin_columns:
                    cells = [total_rows[0] * n_cols + j, *(r * n_cols + j for r in part.index)]
                    identities.append(cells)
    missing = table[list(columns)].isna().to_numpy().ravel()
    return [np.array(c) for c in identities if not missing[c].any()]
