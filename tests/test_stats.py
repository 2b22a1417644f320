"""Wilson intervals and Kaplan–Meier curves against closed-form oracles (docs/model.md, "Oracles")."""

from __future__ import annotations

import numpy as np
import pytest

from sim.output.stats import cumulative_incidence, kaplan_meier, median_time, wilson


def test_wilson_50_of_100_matches_oracle():
    est, lo, hi = wilson(50, 100)
    assert est == 0.5
    assert lo == pytest.approx(0.40383, abs=5e-6)
    assert hi == pytest.approx(0.59617, abs=5e-6)


def test_wilson_narrows_with_more_trials():
    _, lo1, hi1 = wilson(50, 100)
    _, lo2, hi2 = wilson(500, 1000)
    assert hi2 - lo2 < hi1 - lo1


def test_wilson_zero_successes_has_positive_upper_bound():
    est, lo, hi = wilson(0, 30)
    assert est == 0 and lo == pytest.approx(0, abs=1e-12)
    assert 0.1 < hi < 0.13  # 3.8/n rule of thumb ~ 0.114


def test_wilson_of_no_trials_is_nan():
    assert all(np.isnan(v) for v in wilson(0, 0))


@pytest.mark.parametrize(("k", "n"), [(5, 3), (-1, 3), (1, -2)])
def test_wilson_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(k, n)


def _oracle_km():
    # times 1, 2, 2+, 3, 4+, 5 (+ = right-censored)
    return kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])


def test_kaplan_meier_matches_oracle():
    km = _oracle_km()
    s, _, _ = km.survival_at([1, 2, 3, 5])
    np.testing.assert_allclose(s, [0.8333, 0.6667, 0.4444, 0.0], atol=5e-5)
    assert km.n == 6 and km.events == 4


def test_kaplan_meier_is_a_right_continuous_step_function():
    km = _oracle_km()
    s, _, _ = km.survival_at([0, 0.999, 1, 1.5, 2.5, 4, 4.5, 10])
    np.testing.assert_allclose(s, [1, 1, 5 / 6, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0], atol=1e-12)


def test_kaplan_meier_band_contains_estimate_and_stays_in_unit_interval():
    km = _oracle_km()
    assert np.all(km.ci_low <= km.survival + 1e-12)
    assert np.all(km.ci_high >= km.survival - 1e-12)
    assert np.all((km.ci_low >= 0) & (km.ci_high <= 1))
    assert np.all(np.isfinite(km.ci_low) & np.isfinite(km.ci_high))


def test_cumulative_incidence_is_one_minus_survival_with_flipped_band():
    km = _oracle_km()
    p, lo, hi = cumulative_incidence(km, [1, 3])
    s, s_lo, s_hi = km.survival_at([1, 3])
    np.testing.assert_allclose(p, 1 - s)
    np.testing.assert_allclose(lo, 1 - s_hi)
    np.testing.assert_allclose(hi, 1 - s_lo)


def test_median_time_is_first_time_survival_reaches_half():
    assert median_time(_oracle_km()) == 3.0


def test_median_time_is_none_when_curve_never_reaches_half():
    km = kaplan_meier([1, 2, 10, 10, 10, 10], [True, True, False, False, False, False])
    assert median_time(km) is None


def test_without_censoring_km_equals_empirical_cdf():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 50, 400).astype(float)
    km = kaplan_meier(t, np.ones_like(t, dtype=bool))
    p, _, _ = km.incidence_at([10, 25, 40])
    np.testing.assert_allclose(p, [(t <= 10).mean(), (t <= 25).mean(), (t <= 40).mean()])


def test_km_band_covers_geometric_truth():
    # P(event by round n) = 1 - (1 - q)^n, censored at round 20 (the geometric oracle of docs/model.md)
    rng = np.random.default_rng(11)
    q, horizon = 0.08, 20
    t = rng.geometric(q, 5000).astype(float)
    obs = t <= horizon
    km = kaplan_meier(np.minimum(t, horizon), obs)
    rounds = np.arange(1, horizon + 1)
    _, lo, hi = km.incidence_at(rounds)
    truth = 1 - (1 - q) ** rounds
    assert np.mean((lo <= truth) & (truth <= hi)) >= 0.9


def test_all_censored_gives_zero_incidence_with_wilson_upper_bound():
    km = kaplan_meier([10] * 40, [False] * 40)
    p, lo, hi = km.incidence_at([5, 10])
    np.testing.assert_allclose(p, 0)
    np.testing.assert_allclose(lo, 0)
    np.testing.assert_allclose(hi, wilson(0, 40)[2])
    assert km.median() is None


def test_kaplan_meier_rejects_nan_times():
    with pytest.raises(ValueError, match="NaN"):
        kaplan_meier([1.0, float("nan")], [True, False])
