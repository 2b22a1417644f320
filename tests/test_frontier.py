"""The exact frontier: the Nash and max-min points beat every grid point, in a regime and over all."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.model.bargaining import kernel
from sim.model.bargaining.frontier import Cut, IssueTables, SideTerms, intervals

CUTS = [Cut(0, 0.3, True), Cut(2, 0.5, False), Cut(1, 0.4, True)]


def _sides(n: int, rng: np.random.Generator) -> tuple[SideTerms, SideTerms]:
    k = 3
    a = SideTerms(
        ideal=np.clip(np.array([0.05, 0.9, 0.95]) + rng.normal(0, 0.03, (n, k)), 0, 1),
        weight=rng.dirichlet(np.ones(k), n),
        risk=np.ones(n),
        audience=np.ones(n),
        red_lines=[
            (0, True, 0.3, rng.uniform(0.2, 0.6, n)),
            (2, False, 0.5, rng.uniform(0.2, 0.6, n)),
        ],
        reference={1: 0.6},
        relief_issue=2,
    )
    b = SideTerms(
        ideal=np.clip(np.array([0.95, 0.1, 0.05]) + rng.normal(0, 0.03, (n, k)), 0, 1),
        weight=rng.dirichlet(np.ones(k), n),
        risk=np.ones(n),
        audience=np.ones(n),
        red_lines=[(1, True, 0.4, rng.uniform(0.2, 0.6, n))],
        reference={0: 0.8},
        relief_issue=2,
    )
    return a, b


def _solve(sides, s, lump, d, beta, regimes, fixed=None):  # type: ignore[no-untyped-def]
    n, k = sides[0].ideal.shape
    tables = IssueTables.of(sides, intervals(CUTS, k))
    x = np.empty((n, k))
    score = np.empty(n)
    chosen = np.empty((n, k), dtype=np.int64)
    fix = fixed if fixed is not None else np.full((n, k), -1, dtype=np.int64)
    kernel.nash_rows(
        np.arange(n), tables.points, tables.interval, tables.comp, s, lump, d, beta,
        np.asarray(regimes, dtype=np.int64), fix, x, score, chosen,
    )  # fmt: skip
    return x, score, chosen


def _value(sd: SideTerms, s: np.ndarray, lump: np.ndarray, x: np.ndarray) -> np.ndarray:
    """V at terms x (m, K) for one replicate's preferences broadcast to m rows."""
    t = SideTerms(
        sd.ideal, sd.weight, sd.risk, s, sd.red_lines, sd.reference, sd.relief_issue, lump
    )
    return t.value(x)


def _score(va, vb, d, beta):  # type: ignore[no-untyped-def]
    sa, sb = va - d[0], vb - d[1]
    ok = (sa > 0) & (sb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nash = beta[0] * np.log(sa) + beta[1] * np.log(sb)
    return np.where(ok, nash, -1e9 + np.minimum(beta[0] * sa, beta[1] * sb))


def _rep(sd: SideTerms, i: int, m: int) -> SideTerms:
    def rep(x):  # type: ignore[no-untyped-def]
        return np.repeat(x[i : i + 1], m, axis=0)

    return SideTerms(rep(sd.ideal), rep(sd.weight), rep(sd.risk), rep(sd.audience),
                     [(k, ab, t, rep(p)) for k, ab, t, p in sd.red_lines], sd.reference, sd.relief_issue)  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_the_exact_point_is_at_least_as_good_as_every_grid_point_over_every_regime(seed):
    rng = np.random.default_rng(seed)
    n = 12
    a, b = _sides(n, rng)
    s = rng.uniform(0.1, 0.4, (2, n))
    lump = np.stack([rng.uniform(0, 0.1, n), np.zeros(n)])  # A is the sanctions target here
    d = np.stack([rng.uniform(0.1, 0.5, n), rng.uniform(0.1, 0.5, n)])
    beta = np.stack([np.ones(n), rng.uniform(0.5, 2, n)])
    ivs = intervals(CUTS, 3)
    regimes = list(itertools.product(*[range(len(v)) for v in ivs]))
    assert len(regimes) == 8
    x, score, _ = _solve((a, b), s, lump, d, beta, regimes)
    # the reported score is the score of the returned terms
    exact = _score(
        _value(a, s[0], lump[0], x), _value(b, s[1], lump[1], x), d, beta
    )  # fmt: skip
    np.testing.assert_allclose(exact, score, atol=1e-9)
    grid = np.array(list(itertools.product(*[np.linspace(0, 1, 41)] * 3)))
    grid = np.concatenate([grid, grid + 1e-9, grid - 1e-9]).clip(
        0, 1
    )  # both sides of each threshold
    for i in range(n):
        ai, bi = _rep(a, i, len(grid)), _rep(b, i, len(grid))
        va = _value(ai, np.full(len(grid), s[0, i]), np.full(len(grid), lump[0, i]), grid)
        vb = _value(bi, np.full(len(grid), s[1, i]), np.full(len(grid), lump[1, i]), grid)
        brute = _score(va, vb, d[:, i : i + 1], beta[:, i : i + 1]).max()
        assert brute <= score[i] + 1e-12


def test_one_issue_nash_point_matches_the_closed_form():
    # u_A = 1 - x, u_B = x, disagreement d: x* = d_B + beta_B / (beta_A + beta_B) (1 - d_A - d_B)
    n = 5
    one = np.ones((n, 1))
    a = SideTerms(0 * one, one, np.ones(n), np.ones(n), [], {})
    b = SideTerms(one.copy(), one.copy(), np.ones(n), np.ones(n), [], {})
    d = np.array([[0.1, 0.2, 0.3, 0.0, 0.4], [0.2, 0.1, 0.3, 0.0, 0.1]])
    beta = np.array([[1, 1, 2, 1, 1], [1, 3, 1, 1, 2.0]])
    tables = IssueTables.of((a, b), [[(0.0, 1.0)]])
    x = np.empty((n, 1))
    score = np.empty(n)
    chosen = np.empty((n, 1), dtype=np.int64)
    zero = np.zeros((2, n))
    kernel.nash_rows(np.arange(n), tables.points, tables.interval, tables.comp, np.ones((2, n)), zero,
                     d, beta, np.zeros((1, 1), dtype=np.int64), np.full((n, 1), -1, dtype=np.int64),
                     x, score, chosen)  # fmt: skip
    expected = d[1] + beta[1] / beta.sum(axis=0) * (1 - d[0] - d[1])
    np.testing.assert_allclose(x[:, 0], expected, atol=1e-12)


def test_without_a_zone_the_heavier_side_gives_up_less():
    n = 2
    one = np.ones((n, 1))
    a = SideTerms(0 * one, one, np.ones(n), np.ones(n), [], {})
    b = SideTerms(one.copy(), one.copy(), np.ones(n), np.ones(n), [], {})
    d = np.array([[0.7, 0.7], [0.7, 0.7]])  # V_A + V_B = 1 < 1.4: no zone
    beta = np.array([[1.0, 1.0], [1.0, 3.0]])
    tables = IssueTables.of((a, b), [[(0.0, 1.0)]])
    x = np.empty((n, 1))
    score = np.empty(n)
    chosen = np.empty((n, 1), dtype=np.int64)
    zero = np.zeros((2, n))
    kernel.nash_rows(np.arange(n), tables.points, tables.interval, tables.comp, np.ones((2, n)), zero,
                     d, beta, np.zeros((1, 1), dtype=np.int64), np.full((n, 1), -1, dtype=np.int64),
                     x, score, chosen)  # fmt: skip
    assert np.all(score < -1e8)
    assert x[0, 0] == pytest.approx(0.5)  # equal weights: equal shortfalls
    # beta_B = 3: B's shortfall is a third of A's: 3 (x - 0.7) = (1 - x) - 0.7, x = 0.6
    assert x[1, 0] == pytest.approx(0.6)
