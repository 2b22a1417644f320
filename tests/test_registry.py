"""The registry is one ordered list: a mechanism written in a test file alone runs, and its
outcome columns and per-round series reach the results, without touching anything else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray
from oracle_scenarios import toy

import sim
from sim.model.engine.layout import Layout
from sim.model.engine.world import WorldBase
from sim.model.mechanisms import REGISTRY
from sim.model.mechanisms.accord import Accord, AccordSpec
from sim.model.mechanisms.base import FLOAT, Build, Mechanism, Spec
from sim.model.scenario.schema import Scenario


@dataclass(frozen=True)
class RoundsFoughtSpec(Spec):
    """Counts the rounds each replicate spends at war (a toy: it changes nothing)."""

    name: ClassVar[str] = "rounds_fought"
    round_days: int

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> RoundsFoughtSpec:
        return cls(lay.round_days)

    def columns(self) -> dict[str, str]:
        return {"toy.rounds_fought": FLOAT}

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"toy.fighting": (rounds,)}

    def series(self, sums: dict[str, NDArray[np.float64]], n: int) -> dict[str, Any]:
        return {"toy_share_fighting": sums["toy.fighting"] / n}

    def build(self, ctx: Build) -> RoundsFought:
        return RoundsFought(ctx.get("accord", Accord), ctx.n)


class RoundsFought(Mechanism):
    key = "rounds_fought"

    def __init__(self, accord: Accord, n: int):
        self.accord = accord
        self.count = np.zeros(n)
        self.now = np.zeros(n, dtype=bool)

    def begin(self, w: WorldBase) -> None:
        self.now = self.accord.fighting(w.day)
        self.count += self.now

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, NDArray[np.float64]]) -> None:
        sums["toy.fighting"][r] = self.now.sum()

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[Any]]:
        return {"toy.rounds_fought": self.count.copy()}


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> None:
    reg = list(REGISTRY)
    reg.insert(reg.index(AccordSpec) + 1, RoundsFoughtSpec)
    monkeypatch.setattr("sim.model.mechanisms.REGISTRY", reg)


def _run() -> sim.Results:
    return sim.run(sim.load_scenario(toy()), replicates=300, seed=3)


def test_a_mechanism_added_in_a_test_file_reaches_outcomes_and_series(with_toy: None):
    r = _run()
    fought = np.asarray(r.column("toy.rounds_fought"))
    rounds = int(np.ceil(364 / 7))
    assert fought.max() == rounds  # some replicate fought every round
    first = np.asarray(r.column("ceasefire_day"), dtype=float)
    # a replicate that agreed on day d fought the rounds before it (none broke down here)
    agreed = ~np.isnan(first) & np.isnan(np.asarray(r.column("breakdown_day"), dtype=float))
    assert (fought[agreed] <= np.ceil(first[agreed] / 7) + 1).all()
    share = r.series["toy_share_fighting"].to_numpy()
    assert share[0] == pytest.approx(1.0)
    assert np.all(np.diff(share) <= 1e-12) or share[-1] < share[0]


def test_a_mechanism_that_changes_nothing_leaves_every_other_outcome_bit_identical(
    monkeypatch: pytest.MonkeyPatch,
):
    plain = _run().outcomes
    reg = list(REGISTRY)
    reg.insert(reg.index(AccordSpec) + 1, RoundsFoughtSpec)
    monkeypatch.setattr("sim.model.mechanisms.REGISTRY", reg)
    added = _run().outcomes
    assert "toy.rounds_fought" in added.columns and "toy.rounds_fought" not in plain.columns
    for c in plain.columns:
        a, b = plain[c].to_numpy(), added[c].to_numpy()
        same = (a == b).all() if a.dtype == object else np.array_equal(a, b, equal_nan=True)
        assert same, c
