"""The exact frontier: its Nash point and max-min point beat any grid point of their regime."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.bargaining.frontier import Cut, SideTerms, frontier, intervals, nash_point


def _sides(n: int, risk: float, rng: np.random.Generator) -> tuple[SideTerms, SideTerms]:
    k = 3
    a = SideTerms(
        ideal=np.clip(np.array([0.05, 0.9, 0.95]) + rng.normal(0, 0.03, (n, k)), 0, 1),
        weight=rng.dirichlet(np.ones(k), n),
        risk=np.full(n, risk),
        audience=rng.uniform(0.1, 0.4, n),
        red_lines=[
            (0, True, 0.3, rng.uniform(0.2, 0.6, n)),
            (2, False, 0.5, rng.uniform(0.2, 0.6, n)),
        ],
        reference={1: 0.6},
        relief_issue=2,
        relief_cost=rng.uniform(0, 0.1, n),
    )
    b = SideTerms(
        ideal=np.clip(np.array([0.95, 0.1, 0.05]) + rng.normal(0, 0.03, (n, k)), 0, 1),
        weight=rng.dirichlet(np.ones(k), n),
        risk=np.full(n, risk),
        audience=rng.uniform(0.1, 0.4, n),
        red_lines=[(1, True, 0.4, rng.uniform(0.2, 0.6, n))],
        reference={0: 0.8},
    )
    return a, b


def _score(va, vb, d, beta):
    sa, sb = va - d[0], vb - d[1]
    ok = (sa > 0) & (sb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nash = beta[0] * np.log(sa) + beta[1] * np.log(sb)
    return np.where(ok, nash, -1e9 + np.minimum(beta[0] * sa, beta[1] * sb))


def _one(s: SideTerms, i: int, m: int) -> SideTerms:
    rep = lambda x: np.repeat(x[i : i + 1], m, axis=0)  # noqa: E731
    return SideTerms(
        rep(s.ideal),
        rep(s.weight),
        rep(s.risk),
        rep(s.audience),
        [(k, ab, t, rep(p)) for k, ab, t, p in s.red_lines],
        s.reference,
        s.relief_issue,
        rep(s.relief_cost) if s.relief_cost is not None else None,
    )


@pytest.mark.parametrize("risk, tolerance", [(1.0, 1e-12), (2.0, 5e-3)])
def test_the_frontier_point_is_at_least_as_good_as_every_grid_point_of_its_regime(risk, tolerance):
    rng = np.random.default_rng(1)
    n = 12
    a, b = _sides(n, risk, rng)
    d = np.stack([rng.uniform(0.1, 0.5, n), rng.uniform(0.1, 0.5, n)])
    beta = np.stack([np.ones(n), rng.uniform(0.5, 2, n)])
    ivs = intervals([Cut(0, 0.3, True), Cut(2, 0.5, False), Cut(1, 0.4, True)], 3)
    assert [len(v) for v in ivs] == [2, 2, 2]
    for regime in itertools.product(*ivs):
        lo = np.tile([iv[0] for iv in regime], (n, 1))
        hi = np.tile([iv[1] for iv in regime], (n, 1))
        fr = frontier((a, b), lo, hi)
        piece, t, _ = nash_point(fr, d, beta)
        x = fr.terms(piece, t)
        assert np.all((x >= lo - 1e-12) & (x <= hi + 1e-12))
        exact = _score(a.value(x), b.value(x), d, beta)
        grid = np.array(
            list(itertools.product(*[np.linspace(lo_, hi_, 21) for lo_, hi_ in regime]))
        )
        for i in range(n):
            ai, bi = _one(a, i, len(grid)), _one(b, i, len(grid))
            brute = _score(
                ai.value(grid), bi.value(grid), d[:, i : i + 1], beta[:, i : i + 1]
            ).max()
            assert brute <= exact[i] + tolerance


def test_one_issue_nash_point_matches_the_closed_form():
    # u_A = 1 - x, u_B = x, disagreement d: x* = d_B + beta_B / (beta_A + beta_B) (1 - d_A - d_B)
    n = 5
    one = np.ones((n, 1))
    a = SideTerms(0 * one, one, np.ones(n), np.zeros(n), [], {})
    b = SideTerms(one.copy(), one.copy(), np.ones(n), np.zeros(n), [], {})
    d = np.array([[0.1, 0.2, 0.3, 0.0, 0.4], [0.2, 0.1, 0.3, 0.0, 0.1]])
    beta = np.array([[1, 1, 2, 1, 1], [1, 3, 1, 1, 2.0]])
    fr = frontier((a, b), np.zeros((n, 1)), np.ones((n, 1)))
    piece, t, _ = nash_point(fr, d, beta)
    x = fr.terms(piece, t)[:, 0]
    expected = d[1] + beta[1] / beta.sum(axis=0) * (1 - d[0] - d[1])
    np.testing.assert_allclose(x, expected, atol=1e-12)


def test_without_a_zone_the_heavier_side_gives_up_less():
    n = 2
    one = np.ones((n, 1))
    a = SideTerms(0 * one, one, np.ones(n), np.zeros(n), [], {})
    b = SideTerms(one.copy(), one.copy(), np.ones(n), np.zeros(n), [], {})
    d = np.array([[0.7, 0.7], [0.7, 0.7]])  # V_A + V_B = 1 < 1.4: no zone
    beta = np.array([[1.0, 1.0], [1.0, 3.0]])
    fr = frontier((a, b), np.zeros((n, 1)), np.ones((n, 1)))
    piece, t, score = nash_point(fr, d, beta)
    x = fr.terms(piece, t)[:, 0]
    assert np.all(score < -1e8)
    assert x[0] == pytest.approx(0.5)  # equal weights: equal shortfalls
    # beta_B = 3: B's shortfall is a third of A's: 3 (x - 0.7) = (1 - x) - 0.7, x = 0.6
    assert x[1] == pytest.approx(0.6)
