"""Signings that fail together (durability.unkept_persistence, rho): the closed form and the
predicted direction on common random numbers (docs/model.md, "Durability").

In the Fearon oracle with an offer inside the bargaining range put every day, both sides sign
every day; signing k fails iff sqrt(rho) Z + sqrt(1 - rho) e_k < c = Phi^-1(phi), with Z the
future's trait, so the first ceasefire in force comes by day t with

    P(by day t) = 1 - E_Z[ Phi((c - sqrt(rho) Z) / sqrt(1 - rho))^(t + 1) ]

(1 - phi^(t + 1) at rho = 0; 1 - phi for every t at rho = 1).
"""

from __future__ import annotations

import math

import numpy as np
from oracle_scenarios import fearon, toy, with_offer
from scipy.special import ndtr, ndtri

import sim
from sim.model.scenario.loader import validate_loaded


def _fearon(phi: float, rho: float | None, n: int) -> sim.Results:
    s = with_offer(fearon(horizon=30), 0.4, every_days=1)
    s.setdefault("durability", {})["unkept"] = phi
    if rho is not None:
        s["durability"]["unkept_persistence"] = rho
    return sim.run(validate_loaded(s), replicates=n, seed=3)


def _toy(rho: float, n: int) -> sim.Results:
    s = toy()
    s["durability"]["unkept"] = 0.5
    s["durability"]["unkept_persistence"] = rho
    return sim.run(validate_loaded(s), replicates=n, seed=5)


def _days(r: sim.Results, col: str = "ceasefire_day") -> np.ndarray:
    return np.asarray(r.column(col), dtype=float)


def all_fail(phi: float, rho: float, signings: int) -> float:
    """E_Z[Phi((c - sqrt(rho) Z) / sqrt(1 - rho))^signings] by Gauss-Hermite quadrature."""
    z, w = np.polynomial.hermite_e.hermegauss(80)
    each = ndtr((ndtri(phi) - math.sqrt(rho) * z) / math.sqrt(1.0 - rho))
    return float(np.sum(w * each**signings) / math.sqrt(2.0 * math.pi))


def test_zero_is_the_default_and_changes_nothing():
    a, b = _fearon(0.6, None, 600), _fearon(0.6, 0.0, 600)
    assert a.outcomes.equals(b.outcomes)


def test_the_first_ceasefire_in_force_follows_the_closed_form():
    """rho = 0.5, phi = 0.6: P(by day t) within 4 binomial se of the quadrature, and above it at
    rho = 0 at every t > 0 (the all-fail chance rises with the correlation)."""
    n, phi, rho = 4000, 0.6, 0.5
    days = _days(_fearon(phi, rho, n))
    for t in (0, 1, 3, 8, 20):
        want = 1.0 - all_fail(phi, rho, t + 1)
        got = float(np.mean(days <= t))
        assert abs(got - want) < 4.0 * math.sqrt(want * (1 - want) / n), (t, got, want)
        if t > 0:
            assert want < 1.0 - phi ** (t + 1) - 0.01
    assert abs(all_fail(phi, 0.0, 4) - phi**4) < 1e-12


def test_rho_one_decides_at_the_first_signing():
    """rho = 1: a future's signings share one verdict, so a ceasefire takes effect on day 0 or
    never, with chance 1 - phi."""
    n, phi = 3000, 0.6
    days = _days(_fearon(phi, 1.0, n))
    got = float(np.mean(days == 0))
    assert abs(got - (1 - phi)) < 4.0 * math.sqrt(phi * (1 - phi) / n), got
    assert np.all(np.isnan(days) | (days == 0))


def test_fewer_ceasefires_as_the_signings_fail_together():
    """Predicted before measuring (Slepian): at phi = 0.5 the chance that all of a future's
    signings fail rises with rho, so P(ceasefire) falls by more than 3 paired standard errors in
    the toy war (mutual optimism, misjudgement, decisive ends)."""
    n = 3000
    c0 = ~np.isnan(_days(_toy(0.0, n)))
    c9 = ~np.isnan(_days(_toy(0.9, n)))
    diff = c9.astype(float) - c0.astype(float)
    assert diff.mean() < -3.0 * diff.std(ddof=1) / math.sqrt(n), diff.mean()
