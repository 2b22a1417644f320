"""Cross-field checks of ``correlations``: each path a distribution, each pair given once, and
the rank correlations together positive definite (pure Python: validation runs without numpy)."""

from __future__ import annotations

import math

from .checks import Checks
from .distributions import rank_to_pearson
from .messages import did_you_mean
from .schema import distributions_by_path, numbers_by_path

__all__ = ["check_correlations", "positive_definite"]


def check_correlations(c: Checks) -> None:
    s = c.s
    dists = distributions_by_path(s)
    for i, cor in enumerate(s.correlations):
        for j, path in enumerate(cor.between):
            if path in dists:
                continue
            if path in numbers_by_path(s):
                c.add(
                    ("correlations", i, "between", j),
                    f"'{path}' is a fixed number; only distributions can be correlated",
                    path,
                )
            else:
                hint = did_you_mean(path, dists)
                c.add(
                    ("correlations", i, "between", j),
                    f"no distribution at path '{path}'{hint}",
                    path,
                )
        if cor.between[0] == cor.between[1]:
            c.add(("correlations", i, "between"), "a correlation needs two different paths")
    # The matrix is only worth checking once everything else in the scenario is right.
    if not c.problems and s.correlations:
        _check_matrix(c)


def _check_matrix(c: Checks) -> None:
    """Each pair given once, and the rank correlations together positive definite."""
    cors = c.s.correlations
    paths = sorted({p for cor in cors for p in cor.between})
    idx = {p: n for n, p in enumerate(paths)}
    m = [[1.0 if i == j else 0.0 for j in range(len(paths))] for i in range(len(paths))]
    for i, cor in enumerate(cors):
        ia, ib = idx[cor.between[0]], idx[cor.between[1]]
        if m[ia][ib] != 0 and ia != ib:
            c.add(
                ("correlations", i), f"the pair {cor.between[0]} / {cor.between[1]} is given twice"
            )
        m[ia][ib] = m[ib][ia] = rank_to_pearson(cor.rank)
    if not c.problems and not positive_definite(m):
        c.add(
            ("correlations",),
            "these correlations cannot hold together (the matrix is not positive definite)",
        )


def positive_definite(m: list[list[float]], tol: float = 1e-10) -> bool:
    """Whether the symmetric matrix ``m`` is positive definite: every Cholesky pivot above
    ``tol`` (pure Python: validation runs without importing numpy)."""
    n = len(m)
    low = [[0.0] * n for _ in range(n)]
    for j in range(n):
        pivot = m[j][j] - sum(low[j][k] ** 2 for k in range(j))
        if pivot <= tol:
            return False
        low[j][j] = math.sqrt(pivot)
        for i in range(j + 1, n):
            low[i][j] = (m[i][j] - sum(low[i][k] * low[j][k] for k in range(j))) / low[j][j]
    return True
