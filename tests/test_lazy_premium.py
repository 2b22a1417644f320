"""The premium of waiting is computed only where it can decide a verdict (sim.mechanisms.verdicts).

A premium is at least 0 and only lowers a side's margin, so where the margin without it is
already no more than the side's misjudgement the side refuses whatever it is. Every offer
weighed in a run is judged both ways here: lazily, as the engine does, and with every margin
complete. The verdicts must be the same, the margins of rows both sides accept the same to the
bit, and a margin left without its premium never below the complete one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import sim
from sim.model.mechanisms.verdicts import Verdicts

CASES = [("scenarios/baseline.yaml", 512), ("scenarios/history/cyprus_1974.yaml", 256)]


@pytest.mark.parametrize(("path", "n"), CASES)
def test_a_premium_left_out_never_changes_a_verdict_or_a_margin_that_is_read(
    monkeypatch: pytest.MonkeyPatch, path: str, n: int
) -> None:
    seen = {"offers": 0, "left_out": 0, "rows": 0}
    judge = Verdicts.margins

    def both_ways(self: Verdicts, w: Any, offer: Any, complete: Any = None) -> Any:
        lazy = judge(self, w, offer, complete)
        if offer.truce_days is not None:
            return lazy
        whole = judge(self, w, offer, np.ones(len(offer.rows), dtype=bool))
        if complete is not None:  # the traced rows' margins are complete
            assert np.array_equal(lazy[:, complete], whole[:, complete])
        acc = self.willing(offer, whole)
        assert np.array_equal(self.willing(offer, lazy), acc)
        both = acc[0] & acc[1]
        assert np.array_equal(lazy[:, both], whole[:, both])
        ok = ~np.isnan(whole)
        assert np.array_equal(np.isnan(lazy), ~ok)
        assert (lazy[ok] >= whole[ok]).all()
        seen["offers"] += 1
        seen["rows"] += lazy.size
        seen["left_out"] += int((lazy[ok] != whole[ok]).sum())
        return lazy

    monkeypatch.setattr(Verdicts, "margins", both_ways)
    sim.run(sim.load_scenario(path), replicates=n, seed=3, trace=5)
    assert seen["offers"] > 10
    # premiums were left out, and they mattered: the margins they were left out of differ
    assert 0 < seen["left_out"] < seen["rows"]
