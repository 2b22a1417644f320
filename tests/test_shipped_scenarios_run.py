"""The shipped scenarios say something, and each variant moves the forecast the way its name promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 4000
SEED = 7

pytestmark = pytest.mark.slow


def _p(name: str) -> float:
    r = sim.run(sim.load_scenario(SCENARIOS / f"{name}.yaml"), replicates=N, seed=SEED)
    return float(r.outcomes["ceasefire"].mean())


@pytest.fixture(scope="module")
def baseline() -> float:
    return _p("baseline")


def _se(a: float, b: float) -> float:
    return float(np.sqrt((a * (1 - a) + b * (1 - b)) / N))


def test_baseline_forecast_is_neither_certain_nor_impossible(baseline):
    assert 0.02 < baseline < 0.98


@pytest.mark.parametrize(
    ("variant", "direction"),
    [
        ("us_walks_away", -1),
        ("russian_stalling", -1),
        ("sanctions_escalation", +1),
        ("security_guarantees", +1),
        ("war_weariness", +1),
    ],
)
def test_variant_moves_the_ceasefire_probability_the_way_its_name_promises(
    baseline, variant, direction
):
    p = _p(variant)
    assert direction * (p - baseline) > 3 * _se(p, baseline)
