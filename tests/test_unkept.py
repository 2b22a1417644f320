"""A signed ceasefire that never takes effect (durability.unkept, phi): its closed form and
comparative statics on common random numbers (docs/model.md, "Durability").

In the Fearon oracle with an offer inside the bargaining range put every day, both sides accept
every offer; with phi each signing takes effect with chance 1 - phi on its own uniform, so the
first ceasefire in force comes on day t with P(by day t) = 1 - phi^(t + 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracle_scenarios import fearon, toy, with_offer

import sim
from sim.model.scenario.loader import validate_loaded


def _fearon(phi: float | None, n: int, horizon: int = 30) -> sim.Results:
    s = with_offer(fearon(horizon=horizon), 0.4, every_days=1)
    if phi is not None:
        s.setdefault("durability", {})["unkept"] = phi
    return sim.run(validate_loaded(s), replicates=n, seed=3)


def _toy(phi: float | None, n: int) -> sim.Results:
    s = toy()
    if phi is not None:
        s["durability"]["unkept"] = phi
    return sim.run(validate_loaded(s), replicates=n, seed=5)


def _days(r: sim.Results, col: str = "ceasefire_day") -> np.ndarray:
    return np.asarray(r.column(col), dtype=float)


def test_zero_is_the_default_and_changes_nothing():
    a, b = _toy(None, 600), _toy(0.0, 600)
    assert a.outcomes.equals(b.outcomes)
    assert "unkept_day" not in a.outcomes.columns


def test_the_first_ceasefire_in_force_is_geometric_in_the_days_of_signing():
    """Signed every day from day 0; each takes effect with chance 1 - phi: P(by day t) =
    1 - phi^(t + 1), within 4 binomial se; the first unkept signing is on day 0 with chance
    phi."""
    n, phi = 4000, 0.6
    r = _fearon(phi, n)
    days, unkept = _days(r), _days(r, "unkept_day")
    for t in (0, 1, 3, 8):
        want = 1.0 - phi ** (t + 1)
        got = float(np.mean(days <= t))
        assert abs(got - want) < 4.0 * math.sqrt(want * (1 - want) / n), (t, got, want)
    first = float(np.mean(unkept == 0))
    assert abs(first - phi) < 4.0 * math.sqrt(phi * (1 - phi) / n)
    assert np.all(np.isnan(unkept) | (unkept < np.nan_to_num(days, nan=np.inf)))


def test_phi_one_leaves_no_ceasefire_in_force_and_the_signings_recorded():
    """With phi = 1 no signing takes effect, and each side's margin is 0: indifferent, it signs
    when its misjudgement says so, so nearly every replicate records a signing within 30 days."""
    r = _fearon(1.0, 500)
    assert np.all(np.isnan(_days(r)))
    assert np.mean(~np.isnan(_days(r, "unkept_day"))) > 0.9


def test_fewer_ceasefires_and_later_ones_as_phi_rises():
    """Predicted before measuring: each signing takes effect with chance 1 - phi and a side's
    margin for signing shrinks by 1 - phi, so P(ceasefire) falls with phi by more than 3 paired
    standard errors (the toy war: mutual optimism, misjudgement, decisive ends), and the
    ceasefires that come, come no earlier on average."""
    n = 3000
    base, more = _toy(0.0, n), _toy(0.5, n)
    c0 = ~np.isnan(_days(base))
    c5 = ~np.isnan(_days(more))
    diff = c5.astype(float) - c0.astype(float)
    assert diff.mean() < -3.0 * diff.std(ddof=1) / math.sqrt(n), diff.mean()
    both = c0 & c5
    assert np.mean(_days(more)[both]) >= np.mean(_days(base)[both])


def test_the_summary_and_headline_report_the_share_signed_that_never_took_effect():
    r = _fearon(0.6, 800)
    share = float(np.mean(~np.isnan(_days(r, "unkept_day"))))
    assert r.summary()["p_unkept"]["estimate"] == pytest.approx(share, abs=1e-9)
    assert 0.5 < share < 0.7  # day 0 alone is phi = 0.6
    assert "P(a ceasefire signed that never took effect)" in r.headline()
    assert _toy(None, 200).summary()["p_unkept"] is None
