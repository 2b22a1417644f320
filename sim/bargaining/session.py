"""A negotiation session: offers put to both sides, agreements, truces, obstruction, collapse of talks."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from ..dynamics import mediation, sanctions
from ..engine.context import Ctx
from ..engine.state import State
from ..scenario.schema import Mediator
from .agents import Belligerent, DirectOffer, NashMediator, Offer, SplitMediator
from .proposals import scheduled_offer

IntArray = NDArray[np.intp]


class Table:
    """The negotiating table of one chunk: the two sides and the mediators."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.sides = (Belligerent(0, ctx), Belligerent(1, ctx))
        self.mediators: list[NashMediator] = []
        for mid in ctx.compiled.mediators:
            m = ctx.compiled.scenario.actors[mid]
            assert isinstance(m, Mediator)
            if m.proposes == "nash":
                self.mediators.append(NashMediator(mid, ctx, self.sides))
            elif m.proposes == "split":
                self.mediators.append(SplitMediator(mid, ctx, self.sides))
        self.direct = (DirectOffer(0, ctx, self.sides), DirectOffer(1, ctx, self.sides))

    def open_rows(self, st: State, extra: NDArray[np.bool_] | None = None) -> IntArray:
        mask = st.talks & ~st.in_force
        if extra is not None:
            mask &= extra
        return np.flatnonzero(mask)

    def scheduled(self, st: State, day: int, index: int) -> None:
        """A proposal from the scenario's list falls due."""
        c = self.ctx.compiled
        prop = c.scenario.proposals[index]
        extra = st.engaged[prop.by] if prop.by in st.engaged else None
        if prop.truce_days is not None:
            calm = st.fighting
            extra = calm if extra is None else extra & calm
        rows = self.open_rows(st, extra)
        if rows.size:
            self.resolve(st, day, scheduled_offer(self.ctx, st, index, rows))

    def session(self, st: State, day: int) -> None:
        """A negotiation day: each engaged mediator proposes; then talks may collapse."""
        before = st.talks & ~st.in_force
        led = np.zeros(st.n, dtype=bool)
        for med in self.mediators:
            led |= st.engaged[med.id]
            rows = self.open_rows(st, st.engaged[med.id])
            if rows.size:
                self.resolve(st, day, med.propose(st, rows))
        # Without a mediator leading, the sides may talk directly: one of them offers.
        u_talk, u_who = self.ctx.uniforms("direct", day, 2)
        direct = ~led & (u_talk < self.ctx.params.direct)
        for side, offer in enumerate(self.direct):
            rows = self.open_rows(st, direct & ((u_who < 0.5) == (side == 0)))
            if rows.size:
                self.resolve(st, day, offer.propose(st, rows))
        u = self.ctx.uniforms("collapse", day)
        failed = before & ~st.in_force & (u < self.ctx.params.collapse)
        if failed.any():
            st.talks[failed] = False
            self.ctx.tracer.log(day, "collapse", failed, "talks collapse")

    def resolve(self, st: State, day: int, offer: Offer) -> None:
        rows = offer.rows
        acc = np.empty((2, len(rows)), dtype=bool)
        u = self.ctx.uniforms(f"accept.{offer.key}", day, 2)[:, rows]
        for b in self.sides:
            acc[b.side] = b.accepts(offer, st, u[b.side])
        both = acc[0] & acc[1]
        self._trace(st, day, offer, acc)
        if offer.truce_days is not None:
            t = rows[both]
            st.truce_until[t] = day + offer.truce_days
            first = t[np.isnan(st.truce_day[t])]
            st.truce_day[first] = day
        else:
            self._agree(st, day, offer, both)
        if offer.by is None:  # obstruction is turning down a mediator's offer the other accepted
            mediation.trigger_obstruction(self.ctx, st, rows[acc[0] & ~acc[1]], 1)
            mediation.trigger_obstruction(self.ctx, st, rows[acc[1] & ~acc[0]], 0)

    def _agree(self, st: State, day: int, offer: Offer, both: NDArray[np.bool_]) -> None:
        sel = np.flatnonzero(both)
        if sel.size == 0:
            return
        r = offer.rows[sel]
        terms = offer.terms[sel]
        st.in_force[r] = True
        st.current[r] = terms
        st.u_current[:, r] = offer.u[:, sel]
        st.pen_current[:, r] = offer.pen[:, sel]
        st.since[r] = day
        st.truce_until[r] = -np.inf
        first = ~st.agreed[r]
        st.ceasefire_day[r[first]] = day
        st.terms[r[first]] = terms[first]
        st.agreed[r] = True
        sanctions.relief(self.ctx, st, r, terms)
        if self.ctx.tracer.k:
            mask = np.zeros(st.n, dtype=bool)
            mask[r] = True
            self.ctx.tracer.log(day, "ceasefire", mask, f"ceasefire agreed on '{offer.name}'")

    def _trace(self, st: State, day: int, offer: Offer, acc: NDArray[np.bool_]) -> None:
        tr = self.ctx.tracer
        if tr.k == 0:
            return
        c = self.ctx.compiled
        traced = np.flatnonzero(offer.rows < tr.k)
        for j in traced:
            r = int(offer.rows[j])
            verdict = {True: "accepts", False: "rejects"}
            who = [f"{c.side_ids[s]} {verdict[bool(acc[s, j])]}" for s in (0, 1)]
            if offer.truce_days is not None:
                kind, what = "truce", f"{offer.name} ({offer.truce_days}-day truce)"
                vals = {
                    "value": [
                        round(float(b.truce_value(_one(offer, int(j)), st)[0]), 4)
                        for b in self.sides
                    ]
                }
            else:
                kind = "proposal"
                terms = c.unscale(offer.terms[j])
                what = (
                    offer.name
                    + ": "
                    + ", ".join(f"{k} {v:.3g}" for k, v in zip(c.issues, terms, strict=True))
                )
                one = _one(offer, int(j))
                vals = {
                    "value": [round(float(b.value(one, st)[0]), 4) for b in self.sides],
                    "war_value": [round(float(st.reject[s, r]), 4) for s in (0, 1)],
                }
            mask = np.zeros(st.n, dtype=bool)
            mask[r] = True
            entry_text = f"{what}; {'; '.join(who)}"
            if acc[0, j] and acc[1, j]:
                entry_text += " -> " + (
                    "truce" if offer.truce_days is not None else "ceasefire agreed"
                )
            tr.log(day, kind, mask, entry_text)
            tr.logs[r][-1].update(vals)


def _one(offer: Offer, j: int) -> Offer:
    """The offer as made to its j-th row only (for the trace)."""
    sl = slice(j, j + 1)
    return dataclasses.replace(
        offer, rows=offer.rows[sl], terms=offer.terms[sl], u=offer.u[:, sl], pen=offer.pen[:, sl]
    )
