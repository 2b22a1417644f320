"""The premium of waiting is computed only where it can decide a verdict (sim.mechanisms.verdicts).

A premium is at least 0 and only lowers a side's margin, so where the margin without it is
already no more than the side's misjudgement the side refuses whatever it is. Every offer
weighed in a run is judged both ways here: lazily, as the engine does, and with every margin
complete. The verdicts must be the same, the margins of rows both sides accept the same to the
bit, and a margin left without its premium never below the complete one. Where no side
regroups, the commitment cost (0) and the chance of a breakdown are not computed beyond the rows
whose premium is: every margin and every mediator's extra the same to the bit as computed in full.
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


def _margins_in_full(self: Verdicts, offer: Any, complete: Any) -> Any:
    """Verdicts.margins as written before its shortcut: the commitment cost and S, q in every
    row, whether or not a side regroups."""
    lump, rows, days = self.lump(), offer.rows, self.layout.round_days
    v = self.both(rows, offer.u, offer.pen, offer.terms, lump)
    commit, sign, keep = self.signing.commitment(offer, v, days)
    base = v - self.war.reject[:, rows]
    need = self._unkept(base - commit, rows) > self.judgement.error[:, rows]
    if complete is not None:
        need |= complete
    prem = self.signing.premium(offer, sign, keep, lump, days, need)
    return self._unkept(base - (commit + prem), rows)


@pytest.mark.parametrize(
    "path", ["scenarios/history/armenia_azerbaijan_2022.yaml", "scenarios/history/cyprus_1974.yaml"]
)
def test_no_commitment_cost_computed_where_no_side_regroups_changes_no_bit(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    seen = {"short": 0, "full": 0, "extras": 0, "waits": 0}
    judge, ask = Verdicts.margins, Verdicts.extras

    def checked(self: Verdicts, w: Any, offer: Any, complete: Any = None) -> Any:
        got = judge(self, w, offer, complete)
        if offer.truce_days is None:
            assert np.array_equal(
                got.view(np.int64), _margins_in_full(self, offer, complete).view(np.int64)
            )
            seen["full" if self.war.regroup_loss[:, offer.rows].any() else "short"] += 1
            seen["waits"] += self.signing.may_wait(offer.rows)
        return got

    def asked(self: Verdicts, offer: Any, v: Any = None, lump: Any = None) -> Any:
        got = ask(self, offer, v, lump)
        lump = self.lump() if lump is None else lump
        v = self.both(offer.rows, offer.u, offer.pen, offer.terms, lump) if v is None else v
        days = self.layout.round_days
        commit, sign, keep = self.signing.commitment(offer, v, days)
        full = commit + self.signing.premium(offer, sign, keep, lump, days)
        assert np.array_equal(got.view(np.int64), full.view(np.int64))
        seen["extras"] += 1
        return got

    monkeypatch.setattr(Verdicts, "margins", checked)
    monkeypatch.setattr(Verdicts, "extras", asked)
    sim.run(sim.load_scenario(path), replicates=256, seed=3, trace=5)
    assert seen["short"] + seen["full"] > 10 and seen["extras"] > 10
    if "armenia" in path:  # no side regroups: every offer takes the shortcut, with premiums
        assert seen["full"] == 0 and seen["waits"] > 10
    else:  # Greece regroups: the full computation is taken too
        assert seen["full"] > 0
