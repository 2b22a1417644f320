"""How each side judges an offer: the value of its terms or of a truce, its margin over
rejecting (the commitment cost and the premium of waiting, ``sim.mechanisms.signing``), and its
verdict (misjudgement, hard red lines, what it insists a ceasefire settle); and a mediator's
offer made a ceasefire that defers what neither side insists on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from ..bargaining.evaluate import front_gap
from ..bargaining.offers import Offer
from ..engine.layout import Layout
from ..engine.world import WorldBase
from .battlefield import Battlefield
from .compiled import side_values
from .durability import Durability
from .misjudgement import Misjudgement
from .proposers import Table
from .signing import Signing, hard_crossed

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


class Verdicts:
    """Both sides' judgement of offers in one chunk (owned by the negotiation)."""

    def __init__(
        self,
        layout: Layout,
        table: Table,
        battle: Battlefield,
        durability: Durability,
        judgement: Misjudgement,
        reward: dict[int, FloatArray],
    ):
        self.layout, self.table, self.battle, self.judgement = layout, table, battle, judgement
        self.sides, self.war, self.sanctions = table.sides, table.war, table.sanctions
        self.reward = reward  # scheduled truce index -> each side's reward for accepting (2, n)
        self.signing = Signing(
            self.sides, self.war, durability, layout.front, self.sanctions.spec.relief_issue
        )
        self.insists = [np.array(sp.insists, dtype=np.intp) for sp in self.sides.spec.sides]
        # a mediator's ceasefire settles what either side insists on and defers the rest to
        # later bargaining (held at the status quo: the frozen line, sanctions as they are)
        must = np.zeros(layout.k, dtype=bool)
        for ins in self.insists:
            must[ins] = True
        can_defer = ~np.isnan(layout.sq_fixed)
        if layout.front is not None:
            can_defer[layout.front] = True
        self.mediator_settles = must | ~can_defer

    def value(self, side: int, offer: Offer) -> FloatArray:
        """V_i(x) = U_i(x) - a_i S_i (red-line violations + shortfall below the reference)
        - the lasting cost of the sanctions the terms leave in place (for the target)."""
        return np.asarray(self.both(offer.rows, offer.u, offer.pen, offer.terms)[side])

    def lump(self) -> FloatArray:
        """Each side's lasting cost of the sanctions in force if a deal left them (2, n)."""
        sd = self.sides
        return np.stack([self.sanctions.lasting(i, sd.patience[i]) for i in (0, 1)])

    def both(
        self,
        rows: IntArray,
        u: FloatArray,
        pen: FloatArray,
        terms: FloatArray,
        lump: FloatArray | None = None,
    ) -> FloatArray:
        """V_i of both sides (2, r) from their utility ``u`` and penalty ``pen`` (2, r) of
        ``terms`` (r, K) in ``rows`` (compiled); ``lump``: ``self.lump()`` if already known."""
        sd, k = self.sides, self.sanctions.spec.relief_issue
        lump = self.lump() if lump is None else lump
        out = np.empty((2, len(rows)))
        side_values(
            np.asarray(rows, dtype=np.int64), np.ascontiguousarray(u), np.ascontiguousarray(pen),
            sd.audience, sd.support, lump, np.ascontiguousarray(terms, dtype=np.float64),
            -1 if k is None else k, out,
        )  # fmt: skip
        return out

    def defer(self, offer: Offer) -> Offer:
        """A mediator's offer as a ceasefire: issues neither side insists on are deferred,
        held at the status quo (the front line where it stands)."""
        keep = self.mediator_settles
        if keep.all():
            return offer
        lay = self.layout
        terms = offer.terms.copy()
        sq = np.broadcast_to(lay.sq_fixed, terms.shape).copy()
        if lay.front is not None:
            sq[:, lay.front] = self.battle.control[offer.rows]
        terms[:, ~keep] = sq[:, ~keep]
        u, pen = self.sides.evaluate(offer.rows, terms, keep)
        return replace(offer, terms=terms, u=u, pen=pen, settled=keep)

    def truce_value(self, w: WorldBase, side: int, offer: Offer) -> FloatArray:
        """A pause of D days: the fighting costs saved minus the ground momentum would have won."""
        lay, sd, bf = self.layout, self.sides, self.battle
        r = offer.rows
        assert offer.truce_days is not None
        rounds = offer.truce_days / lay.round_days
        saved = self.war.fight_cost()[side, r]
        momentum = np.zeros(len(r))
        if lay.front is not None:
            f = lay.front
            y, wt, rk = sd.ideal[side, r, f], sd.weight[side, r, f], sd.risk[side, r]
            cnow = bf.control[r]
            move = bf.drift[r] * bf.intensity[r] * (bf.p[r] - bf.balance[r])
            cnext = np.clip(cnow + move, 0.0, 1.0)
            momentum = wt * (front_gap(side, cnow, y) ** rk - front_gap(side, cnext, y) ** rk)
        reward = self.reward[offer.index][side, r] if offer.index in self.reward else 0.0
        return np.asarray(rounds * (saved - momentum) + reward)

    def margins(self, w: WorldBase, offer: Offer, complete: BoolArray | None = None) -> FloatArray:
        """How much better than rejecting each side truly finds the offer (2, r), before
        misjudgement: V - reject less the commitment cost and the premium of waiting
        (sim.mechanisms.signing), times 1 - phi where a signed ceasefire may never take effect
        (an unkept one leaves a side where refusing does: at war and at the table).

        The premium (at least 0) only lowers a margin, so where a side's margin without it
        is already no more than its misjudgement, the side refuses whatever the premium: it is
        computed only where it can decide the verdict, and such a margin is returned without
        it (``complete`` (r,): these rows' margins complete, as a trace shows them). The rows
        both sides accept, the only other ones whose margins are read beyond the verdicts,
        have theirs complete."""
        if offer.truce_days is not None:
            return np.stack([self.truce_value(w, i, offer) for i in (0, 1)])
        lump, rows, days = self.lump(), offer.rows, self.layout.round_days
        v = self.both(rows, offer.u, offer.pen, offer.terms, lump)
        base = v - self.war.reject[:, rows]
        regroups = bool(self.war.regroup_loss[:, rows].any())
        if regroups:
            commit, sign, keep = self.signing.commitment(offer, v, days)
        else:  # no side regroups: no commitment cost (q 0 / (1 - q) is 0.0, to the bit)
            commit = np.zeros_like(base)
        need = self._unkept(base - commit, rows) > self.judgement.error[:, rows]
        if complete is not None:
            need |= complete
        if not regroups:  # then S and q are needed only where the premium is computed
            sign, keep = self.signing.pause(offer, v, days, np.flatnonzero(need.any(axis=0)))
        prem = self.signing.premium(offer, sign, keep, lump, days, need)
        return self._unkept(base - (commit + prem), rows)

    def _unkept(self, margin: FloatArray, rows: IntArray) -> FloatArray:
        """A margin times 1 - phi, the chance a signed ceasefire takes effect (where one may not)."""
        phi = self.signing.durability.unkept
        return np.asarray(margin if phi is None else margin * (1.0 - phi[rows]))

    def extras(
        self, offer: Offer, v: FloatArray | None = None, lump: FloatArray | None = None
    ) -> FloatArray:
        """Commitment cost plus waiting premium for both sides on ``offer`` (2, r). The
        sanctions' lasting cost is computed once for the offer and its waits (nothing
        changes the sanctions while an offer is weighed)."""
        lump = self.lump() if lump is None else lump
        if v is None:
            v = self.both(offer.rows, offer.u, offer.pen, offer.terms, lump)
        return self.signing.extra(offer, v, lump, self.layout.round_days)

    def willing(self, offer: Offer, margins: FloatArray) -> BoolArray:
        """Each side's verdict (2, r): its margin beats its misjudgement, no hard red line of its
        own is crossed, and no issue it insists a ceasefire settle is left open."""
        rows = offer.rows
        acc = margins > self.judgement.error[:, rows]
        if offer.truce_days is None:
            for side in (0, 1):
                acc[side] &= ~hard_crossed(self.sides, side, rows, offer.terms, offer.settled)
                if offer.settled is not None and not offer.settled[self.insists[side]].all():
                    acc[side] = False
        return np.asarray(acc)
