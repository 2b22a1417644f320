"""Beliefs that learn from the battlefield (docs/model.md, "Learning"; Slantchev 2003).

A small war of one front-line issue fought in weekly rounds. Comparisons run the same seed
with and without a change, so both share their random numbers replicate by replicate; each
direction is judged by the paired difference, at least Z paired standard errors from zero.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy.special import ndtri, stdtrit

import sim
from sim.model.engine.calendar import play
from sim.model.engine.world import Tracer
from sim.model.mechanisms import World, compile_scenario
from sim.model.mechanisms.learning import kalman_step, t_variance, worn_prior

N = 2000
SEED = 13
Z = 3.0
DRIFT, VOLATILITY, TAIL = 0.01, 0.005, 4.0
R = (VOLATILITY / DRIFT) ** 2 * TAIL / (TAIL - 2.0)  # noise variance of the signal of p: 0.5


def war(
    optimism: Any = 0.2, prior_sd: Any = 0.1, weeks: int = 26, talks: bool = False
) -> dict[str, Any]:
    """Two equal sides (p = 0.5) over land held at the front line; learning from evidence only."""

    def side(name: str, ideal: float) -> dict[str, Any]:
        return {
            "role": "belligerent",
            "side": name,
            "ideal": {"land": ideal},
            "salience": {"land": 1},
            "capability": 1.0,
            "patience": 0.999,
            "cost": 0.002,
            "optimism": copy.deepcopy(optimism),
        }

    return {
        "name": "learning war",
        "start": "2025-01-01",
        "horizon": 7 * weeks,
        "round_days": 7,
        "issues": {"land": {"range": [0, 100], "status_quo": "front_line"}},
        "actors": {
            "a": side("A", 0),
            "b": side("B", 100),
            "m": {"role": "mediator", "proposes": "nash", "noise": 0.02},
        },
        "pressures": {
            "battlefield": {
                "control": 50,
                "drift": DRIFT,
                "volatility": VOLATILITY,
                "tail": TAIL,
                "decisive_per_year": 0.5,
                "decisive_ends": False,  # every replicate keeps fighting: the filter's closed form
            },
            "learning": {"rate": 0.0, "noise": 0.0, "prior_sd": prior_sd},
        },
        "negotiation": {
            "talks_open": talks,
            "misperception": {"sd": 0.02, "persistence": 0.9},
            "every_days": 14,
        },
        "durability": {"base_hazard_per_year": 0.0},
    }


def _world(s: dict[str, Any], n: int = N, seed: int = SEED) -> tuple[Any, World]:
    specs = compile_scenario(sim.load_scenario(s))
    return specs, World(specs, n, seed, 0, Tracer(0, specs.layout))


def beliefs_by_round(s: dict[str, Any], n: int = N, seed: int = SEED) -> np.ndarray:
    """mu (rounds + 1, 2, n): the beliefs at the start and at the end of every round."""
    specs, w = _world(s, n, seed)
    seen = [w.learning.beliefs()]

    def end(w: World, r: int) -> None:
        _end(w, r)
        seen.append(w.learning.beliefs())

    play(specs.calendar().schedule(w, _set_day, _begin, end, lambda w: w.war.refresh(w)), 0, None)
    return np.stack(seen)


def _set_day(w: World, day: int) -> None:
    w.day = day


def _begin(w: World, r: int) -> None:
    for m in w.mechanisms:
        m.begin(w)


def _end(w: World, r: int) -> None:
    for m in w.mechanisms:
        m.end(w)


def gap(mu: np.ndarray) -> np.ndarray:
    """Mutual optimism mu_B - mu_A (per replicate; the last axis)."""
    return np.asarray(mu[..., 1, :] - mu[..., 0, :])


def error(mu: np.ndarray, p: float = 0.5) -> np.ndarray:
    """Mean over the two sides of |mu_i - p|."""
    return np.asarray(np.abs(mu - p).mean(axis=-2))


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of b - a over replicates and its standard error from the paired differences."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def down(change: tuple[float, float]) -> bool:
    return change[0] < -Z * change[1]


# ----------------------------------------------------------------------------- the Kalman step


def test_kalman_step_exact_numbers():
    m, v = kalman_step(np.array([0.6]), np.array([0.04]), np.array([0.5]), np.array([0.01]))
    # K = 0.04 / 0.05 = 0.8: m = 0.6 + 0.8 (0.5 - 0.6) = 0.52, v = 0.2 * 0.04 = 0.008
    assert m[0] == pytest.approx(0.52, abs=1e-15)
    assert v[0] == pytest.approx(0.008, abs=1e-15)
    # a certain prior learns nothing, even from an exact signal; an exact signal is believed
    m, v = kalman_step(np.array([0.6, 0.6]), np.array([0.0, 0.04]), np.array([0.5]), np.zeros(1))
    assert m.tolist() == [0.6, 0.5]
    assert v.tolist() == [0.0, 0.0]


def test_t_variance_finite_and_approximated():
    assert t_variance(np.array([4.0, 12.0])).tolist() == pytest.approx([2.0, 1.2])
    iqr = (stdtrit(np.array([2.0, 1.0]), 0.75) / ndtri(0.75)) ** 2
    assert t_variance(np.array([2.0, 1.0])).tolist() == pytest.approx(iqr.tolist())
    assert iqr == pytest.approx([1.4655, 2.1981], abs=1e-4)


def test_learning_step_on_a_hand_made_state():
    """Row 0 fights and sees the front move; row 1 is in a ceasefire; row 2's front is pinned."""
    _, w = _world(war(prior_sd=0.1), n=3)
    lr, bf, sd = w.learning, w.battle, w.sides
    p = np.full(3, 0.5)
    bf.fought = (p, np.full(3, 0.002))  # z = 0.5 + 0.002 / 0.01 = 0.7, noise variance r = 0.5
    bf.control = np.array([0.5, 0.5, 1.0])
    sd.optimism = np.full((2, 3), 0.1)  # m_A = 0.4, m_B = 0.6
    lr.var = np.full(3, 0.5)  # K = 0.5 / (0.5 + 0.5) = 1/2
    lr.observe(np.array([1.0, 0.0, 1.0]))
    # m_A = 0.4 + (0.7 - 0.4) / 2 = 0.55, m_B = 0.6 + (0.7 - 0.6) / 2 = 0.65, v = 0.25
    assert lr.beliefs()[:, 0] == pytest.approx([0.55, 0.65], abs=1e-12)
    assert sd.optimism[:, 0] == pytest.approx([-0.05, 0.15], abs=1e-12)
    assert lr.var.tolist() == pytest.approx([0.25, 0.5, 0.5], abs=1e-12)
    assert sd.optimism[:, 1:].tolist() == [[0.1, 0.1], [0.1, 0.1]]


# ----------------------------------------------------------------------------- through the engine


def test_mutual_optimism_follows_the_closed_form():
    """Both sides see the same signal, so mu_B - mu_A shrinks by exactly v_k / v_0: with
    1 / v_k = 1 / v_0 + k / r, gap_k = gap_0 / (1 + k v_0 / r)."""
    weeks, sd0 = 26, 0.1
    s = war(optimism={"uniform": [0.1, 0.3]}, prior_sd=sd0, weeks=weeks)
    mu = beliefs_by_round(s, n=500)
    k = np.arange(weeks + 1)[:, None]
    expected = gap(mu[0])[None, :] / (1.0 + k * sd0**2 / R)
    assert np.allclose(gap(mu), expected, rtol=1e-9, atol=1e-12)


def test_without_prior_sd_and_rate_nothing_is_learned():
    mu = beliefs_by_round(war(prior_sd=None), n=200)
    assert np.array_equal(mu[-1], mu[0])


def test_mutual_optimism_shrinks_with_the_rounds_of_fighting():
    s = war(optimism={"uniform": [0.1, 0.3]}, prior_sd=0.1, weeks=52)
    mu = beliefs_by_round(s)
    for a, b in ((0, 13), (13, 26), (26, 52)):
        assert down(paired(gap(mu[a]), gap(mu[b]))), (a, b)
        assert down(paired(error(mu[a]), error(mu[b]))), (a, b)
    shrink = gap(mu[52]).mean() / gap(mu[0]).mean()
    assert shrink == pytest.approx(1.0 / (1.0 + 52 * 0.01 / R), rel=1e-9)  # 0.49


def test_less_confident_priors_learn_faster():
    opt = {"uniform": [0.1, 0.3]}
    confident = beliefs_by_round(war(optimism=opt, prior_sd={"uniform": [0.05, 0.1]}))
    unsure = beliefs_by_round(war(optimism=opt, prior_sd={"uniform": [0.15, 0.2]}))
    assert np.array_equal(confident[0], unsure[0])  # the same start, replicate by replicate
    for k in (4, 13, 26):
        assert down(paired(gap(confident[k]), gap(unsure[k]))), k
        assert down(paired(error(confident[k]), error(unsure[k]))), k


def test_no_learning_while_a_ceasefire_holds():
    """Sides barely optimistic agree in the first session (day 0), after round 0's fighting:
    their uncertainty is that of one update, however long the ceasefire then holds."""
    specs, w = _world(war(optimism=0.02, prior_sd=0.1, weeks=8, talks=True), n=200)
    play(specs.calendar().schedule(w, _set_day, _begin, _end, lambda w: w.war.refresh(w)), 0, None)
    assert w.accord.in_force.all()
    unc = w.learning.uncertainty()
    assert unc is not None
    assert unc**2 == pytest.approx(1.0 / (1.0 / 0.01 + 1.0 / R), rel=1e-12)


def test_more_optimism_brings_later_and_no_more_ceasefires():
    def run(optimism: float) -> sim.Results:
        s = war(optimism=optimism, prior_sd=0.1, weeks=26, talks=True)
        return sim.run(sim.load_scenario(s), replicates=N, seed=SEED)

    low, high = run(0.25), run(0.3)
    dp = paired(low.column("ceasefire"), high.column("ceasefire"))
    assert dp[0] <= Z * dp[1]  # not higher
    assert down(dp)  # here: lower
    h = low.horizon_days
    day = paired(
        np.nan_to_num(low.column("ceasefire_day"), nan=h),
        np.nan_to_num(high.column("ceasefire_day"), nan=h),
    )
    assert day[0] > Z * day[1]  # later


# ----------------------------------------------------------- the structural prior, worn by the war's age


def test_worn_prior_exact_numbers():
    v = worn_prior(np.array([0.01, 0.01, 0.01, 0.0]), 10.0, np.array([0.5, 0.0, np.inf, 0.5]))
    # 1 / (1/0.01 + 10/0.5) = 1/120; an exact signal leaves nothing to learn; no signal, nothing
    assert v[0] == pytest.approx(1.0 / 120.0, rel=1e-15)
    assert v[1:].tolist() == [0.0, 0.01, 0.0]


def aged(age_weeks: int, sd0: float, **kw: Any) -> dict[str, Any]:
    """The war above with no prior_sd of its own, begun ``age_weeks`` before the start, and the
    structural prior sd0 (0: off)."""
    s = war(prior_sd=None, **kw)
    s["war_began"] = str(np.datetime64("2025-01-01") - np.timedelta64(7 * age_weeks, "D"))
    s["structure"] = {"learning_prior_sd": sd0}
    return s


def test_the_structural_prior_is_worn_by_the_rounds_already_fought():
    """v_0 = 1 / (1/sd0^2 + A/r) with A the war's age in rounds; a scenario's own prior_sd is its
    sd at the start, as before."""
    for weeks in (0, 10, 100):
        _, w = _world(aged(weeks, 0.2), n=50)
        unc = w.learning.uncertainty()
        assert unc is not None
        assert unc**2 == pytest.approx(np.full(50, 1.0 / (25.0 + weeks / R)), rel=1e-12)
    own = aged(100, 0.2)
    own["pressures"]["learning"]["prior_sd"] = 0.1
    _, w = _world(own, n=50)
    assert w.learning.uncertainty() == pytest.approx(np.full(50, 0.1), rel=1e-15)
    _, w = _world(aged(10, 0.0), n=50)
    assert w.learning.uncertainty() is None  # off: the clock only


def test_an_old_war_has_less_left_to_learn():
    """With a diffuse prior the mutual optimism left after k more rounds is A / (A + k) of the
    snapshot's (the closed form above with v_0 worn by A rounds)."""
    weeks = 26
    for age in (13, 52):
        mu = beliefs_by_round(aged(age, 10.0, optimism={"uniform": [0.1, 0.3]}, weeks=weeks), n=300)
        k = np.arange(weeks + 1)[:, None]
        v0 = 1.0 / (1.0 / 100.0 + age / R)
        inside = ((mu > 0.0) & (mu < 1.0)).all(axis=(0, 1))  # beliefs never clipped
        assert inside.mean() > 0.9
        mu = mu[..., inside]
        assert np.allclose(gap(mu), gap(mu[0])[None, :] / (1.0 + k * v0 / R), rtol=1e-9)
        assert gap(mu[weeks]).mean() / gap(mu[0]).mean() == pytest.approx(
            age / (age + weeks), rel=2e-3
        )


def test_learning_from_the_front_brings_more_and_earlier_ceasefires_less_in_an_old_war():
    """Convergence (Slantchev 2003): on common random numbers, a structural prior brings more
    ceasefires and sooner than the clock alone, young war or old; in the old war, fewer than
    the same prior not worn by its 104 weeks (given as the scenario's own prior_sd)."""

    def run(s: dict[str, Any]) -> sim.Results:
        return sim.run(sim.load_scenario(s), replicates=N, seed=SEED)

    for age in (2, 104):
        off, on = (
            run(aged(age, 0.0, optimism=0.25, talks=True)),
            run(aged(age, 0.5, optimism=0.25, talks=True)),
        )
        dp = paired(off.column("ceasefire"), on.column("ceasefire"))
        h = off.horizon_days
        day = paired(
            np.nan_to_num(off.column("ceasefire_day"), nan=h),
            np.nan_to_num(on.column("ceasefire_day"), nan=h),
        )
        assert dp[0] > Z * dp[1], age  # more
        assert down(day), age  # sooner
    unworn = aged(104, 0.0, optimism=0.25, talks=True)
    unworn["pressures"]["learning"]["prior_sd"] = 0.5
    assert down(paired(run(unworn).column("ceasefire"), on.column("ceasefire")))


def test_without_a_front_line_the_structural_prior_changes_nothing_so_a_calibration_shares_runs():
    """Nothing to learn from: the compiled model, and so the run, is the same at every sd0."""
    from sim.studies.calibrate.design import run_identity

    flat = aged(10, 0.0)
    flat["issues"]["land"] = {"range": [0, 100], "status_quo": 50}
    del flat["pressures"]["battlefield"]["control"]
    for s, same in ((flat, True), (aged(10, 0.0), False)):
        s["observations"] = [{"by": "2025-07-01", "ceasefire": False, "source": "test"}]
        at = [
            run_identity(sim.load_scenario(s, [f"structure.learning_prior_sd={v}"]))
            for v in (0, 0.5)
        ]
        assert (at[0] == at[1]) is same
