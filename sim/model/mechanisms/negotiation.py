"""Negotiation: talks open, sessions where mediators (or the sides) propose, scheduled proposals, acceptance.

Both sides accept an offer -> a ceasefire on its terms (or a truce). One side accepts a
mediator's offer and the other rejects it -> obstruction by the rejecter, which may set off
threats. After each session talks may collapse; collapsed talks may reopen each round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..bargaining.frontier import Cut
from ..bargaining.offers import Offer, Package
from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num
from ..engine.world import WorldBase
from ..scenario.schema import Scenario
from .accord import Accord
from .base import BOOL, FLOAT, RANK_PROPOSAL, RANK_SESSION, RANK_TALKS_OPEN, Build, Mechanism, Spec
from .battlefield import Battlefield
from .durability import Durability, kept_only
from .effects import Targets
from .misjudgement import Misjudgement
from .negotiation_spec import MediatorSpec, ProposalSpec, compile_negotiation
from .negotiation_trace import trace_offer
from .obstacles import Deal, Obstacles
from .proposers import DirectOffer, build_mediators, build_table, mediator_offer
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats
from .verdicts import Verdicts
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class NegotiationSpec(Spec):
    name: ClassVar[str] = "negotiation"

    layout: Layout
    open_day: int  # talks open (horizon: never)
    every_days: int
    errors: str  # "normal" or "logistic": the family of each side's misjudgement of its war value
    error_scale: Num  # sd (normal) or lambda (logistic: scale 1 / lambda)
    error_spread: float  # structure.misperception_scale
    persistence: Num  # AR(1) coefficient of the misjudgement from one decision day to the next
    collapse: Num
    direct: Num
    reopen: Num
    mediators: tuple[MediatorSpec, ...]
    proposals: tuple[ProposalSpec, ...]
    packages: dict[str, Package]
    cuts: tuple[Cut, ...]  # every red-line threshold: they cut the issues into regime intervals

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> NegotiationSpec:
        return cls(layout=lay, **compile_negotiation(s, lay))

    def items(self) -> list[Item[WorldBase]]:
        h = self.layout.horizon_days
        out: list[Item[WorldBase]] = [Item(self.open_day, RANK_TALKS_OPEN, "talks open", _open)]
        out += [
            Item(d, RANK_SESSION, "negotiation session", _session, refresh=False)
            for d in range(self.open_day, h, self.every_days)
        ]
        for p in self.proposals:
            out += [
                Item(d, RANK_PROPOSAL, f"proposal: {p.name}", _proposal(p.index), refresh=False)
                for d in p.days
            ]
        return out

    def columns(self) -> dict[str, str]:
        return {
            "mediator_engaged": BOOL,
            "below_reservation": BOOL,
            "issues_deferred": FLOAT,
            "front_at_ceasefire": FLOAT,
        }

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"diagnostics": (4,)}

    def diagnostics(self, sums: dict[str, FloatArray], n: int) -> dict[str, float | None]:
        first, below, gap, checked = (float(x) for x in sums["diagnostics"])
        agreed = sums["agreed"][-1] if "agreed" in sums else 0.0
        return {
            "first_session_agreement": first / n,
            "below_reservation": below / agreed if agreed else None,
            "mediator_gap": gap / checked if checked else None,
            "mediator_gap_checked": int(checked),
        }

    def build(self, ctx: Build) -> Negotiation:
        return Negotiation(
            self,
            ctx.d,
            ctx.targets,
            ctx.get("sides", Sides),
            ctx.get("accord", Accord),
            ctx.get("battle", Battlefield),
            ctx.get("sanctions", Sanctions),
            ctx.get("threats", Threats),
            ctx.get("war", WarValue),
            ctx.get("durability", Durability),
            ctx.get("obstacles", Obstacles),
        )


def _open(w: WorldBase) -> None:
    w.mechanism(NegotiationSpec.name, Negotiation).open_talks(w)


def _session(w: WorldBase) -> None:
    w.mechanism(NegotiationSpec.name, Negotiation).session(w)


def _proposal(index: int) -> Callable[[WorldBase], None]:
    def run(w: WorldBase) -> None:
        w.mechanism(NegotiationSpec.name, Negotiation).scheduled(w, index)

    return run


class Negotiation(Mechanism):
    key = "negotiation"

    def __init__(
        self,
        spec: NegotiationSpec,
        d: Draws,
        targets: Targets,
        sides: Sides,
        accord: Accord,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
        war: WarValue,
        durability: Durability,
        obstacles: Obstacles,
    ):
        n = d.n
        self.obstacles, self.durability = obstacles, durability
        self.spec, self.sides, self.accord, self.battle = spec, sides, accord, battle
        self.sanctions, self.threats, self.war = sanctions, threats, war
        self.deferred = np.full(n, np.nan)  # issues the first agreed deal left open
        self.front_signed = np.full(n, np.nan)  # the front line (real units) at the first deal
        self.collapse = d(spec.collapse)
        self.direct = d(spec.direct)
        self.reopen = d(spec.reopen)
        self.judgement = Misjudgement(
            d, spec.errors, spec.error_scale, spec.persistence, spec.error_spread
        )
        self.reengage = {m.id: d(m.reengage) for m in spec.mediators}
        self.moving = any(c.relative for c in spec.cuts)  # some red line follows the front
        control = battle.control if self.moving else None
        self.table = build_table(spec.layout, spec.cuts, sides, war, sanctions, control)
        reward = {
            p.index: np.stack([d(x) for x in p.reward])
            for p in spec.proposals
            if p.reward != (0.0, 0.0)
        }
        self.verdicts = Verdicts(
            spec.layout, self.table, battle, durability, self.judgement, reward
        )
        self.table.extras = self.verdicts.extras
        self.engaged = {m.id: np.full(n, m.engaged) for m in spec.mediators}  # state
        self.mediators = build_mediators(spec.mediators, d, self.table)
        logistic = spec.errors == "logistic"
        self.direct_offers = (
            DirectOffer(0, self.table, self.judgement.scale, logistic),
            DirectOffer(1, self.table, self.judgement.scale, logistic),
        )
        self.below = np.zeros(n, dtype=bool)  # the first agreement was below a side's reservation
        self.diag = np.zeros(4)  # first-session agreements, below reservation, gap sum, checked
        self.check_gap = d.chunk == 0
        self.watched: dict[tuple[int, int], FloatArray] = {}  # (proposal, day) -> verdicts (2, n)
        self.sessions = 0
        targets.add("engaged", lambda who: self.engaged[str(who)])
        sides.on_new_ideal(self._new_ideal)

    def _new_ideal(self, side: int, rows: IntArray) -> None:
        """An election moved ``side``'s ideal point in ``rows``: refresh what depends on it."""
        t, sd, ac = self.table, self.sides, self.accord
        curved = bool(np.any(sd.risk != 1.0))
        t.tables.refresh(
            sd.terms(rows, self.sanctions.spec.relief_issue), t.intervals, rows, curved
        )
        held = rows[ac.in_force[rows]]
        if held.size:
            u, pen = sd.evaluate(held, ac.current[held])
            ac.u_current[side, held] = u[side]
            ac.pen_current[side, held] = pen[side]

    def release(self) -> None:
        """Break the cycle table -> extras -> verdicts -> table, so that the chunk's arrays are
        freed when it ends rather than when the cyclic garbage collector next runs."""
        self.table.extras = None

    def follow_front(self) -> None:
        """Red lines measured from the front line move with it: thresholds, regime intervals
        and the issue tables are recomputed where the front stands today."""
        if self.moving:
            self.sides.follow_front(self.battle.control)
            self.table.rebuild(self.spec.cuts, self.battle.control)

    def watch(self, proposal: int, day: int) -> FloatArray:
        """Record each side's verdict (1 accepted, 0 rejected, NaN not put) on scheduled proposal
        ``proposal`` put on ``day``: what an observation of that proposal compares with."""
        return self.watched.setdefault((proposal, day), np.full((2, len(self.collapse)), np.nan))

    # -- calendar items ----------------------------------------------------------------
    def open_talks(self, w: WorldBase) -> None:
        self.accord.talks[:] = True
        self.accord.talks_started = True
        w.tracer.log(w.day, "talks", None, "talks open")

    def scheduled(self, w: WorldBase, index: int) -> None:
        """A proposal from the scenario's list falls due."""
        p = self.spec.proposals[index]
        extra = self.engaged.get(p.by)
        if p.truce_days is not None:
            calm = self.accord.fighting(w.day)
            extra = calm if extra is None else extra & calm
        rows = self.accord.open_rows(extra)
        if rows.size:
            self.follow_front()
            self.judgement.judge(w)
            self.resolve(w, self._scheduled_offer(p, rows))

    def _scheduled_offer(self, p: ProposalSpec, rows: IntArray) -> Offer:
        key = f"proposal.{p.index}"
        mediator = p.by in self.engaged
        if p.truce_days is not None:
            empty = np.zeros((2, len(rows)))
            return Offer(
                p.name,
                rows,
                np.zeros((len(rows), self.spec.layout.k)),
                empty,
                empty,
                by=p.by_side,
                truce_days=p.truce_days,
                key=key,
                index=p.index,
                mediator=mediator,
            )
        pack = self.spec.packages[p.name]
        terms = pack.terms(self.battle.control, rows)
        return self.table.offer(
            p.name, rows, terms, by=p.by_side, index=p.index, key=key, mediator=mediator,
            settled=pack.settled,
        )  # fmt: skip

    def session(self, w: WorldBase) -> None:
        """A negotiation day: each engaged mediator proposes; without one the sides may talk
        directly; then talks may collapse."""
        ac = self.accord
        self.follow_front()
        self.judgement.judge(w)
        before = ac.talks & ~ac.in_force
        led = np.zeros(w.n, dtype=bool)
        for med in self.mediators:
            led |= self.engaged[med.id]
            rows = ac.open_rows(self.engaged[med.id])
            if rows.size:
                offer, gap = mediator_offer(w, med, rows, self.sessions if self.check_gap else -1)
                self.diag[2:] += gap  # the gap summed, and the rows checked
                self.resolve(w, self.verdicts.defer(offer))
        u_talk, u_who = w.uniforms("direct", w.day, 2)
        direct = ~led & (u_talk < self.direct)
        for side, proposer in enumerate(self.direct_offers):
            rows = ac.open_rows(direct & ((u_who < 0.5) == (side == 0)))
            if rows.size:
                floor = self.war.reject[side, rows] + self.judgement.error[side, rows]
                offer = proposer.propose(w, rows, floor)
                add = self.verdicts.extras(offer)  # what each side asks beyond that: a second pass
                if add.any():
                    floor = floor + add[side]
                    offer = proposer.propose(w, rows, floor, add[1 - side])
                # a side puts terms only if it believes they beat fighting on: where even its
                # best terms do not, it makes no offer (rather than one it would itself refuse)
                self.resolve(w, offer.only(self.verdicts.value(side, offer) > floor))
        self.sessions += 1
        u = w.uniforms("collapse", w.day)
        failed = before & ~ac.in_force & (u < self.collapse)
        if failed.any():
            ac.talks[failed] = False
            w.tracer.log(w.day, "collapse", failed, "talks collapse")
        if w.day == self.spec.open_day:
            self.diag[0] += (ac.in_force & (ac.ceasefire_day == w.day)).sum()

    def end(self, w: WorldBase) -> None:
        """Deals held by hidden obstacles that have lifted are concluded; collapsed talks reopen
        with probability ``reopen`` per round (once they ever opened); a mediator that is not
        engaged comes back with its re-engagement hazard."""
        ac = self.accord
        r, deal, left, below = self.obstacles.due(w.day, ~ac.in_force & ~ac.decided)
        self._agree(w, r, deal, left, below, "the deal held until the hidden obstacles lifted")
        u = w.uniforms("reopen", w.day)
        if ac.talks_started:
            back = ~ac.talks & ~ac.in_force & ~ac.decided & (u < self.reopen)
            if back.any():
                ac.talks[back] = True
                w.tracer.log(w.day, "reopen", back, "talks reopen")
        for mid, rate in self.reengage.items():
            if not rate.any():
                continue
            u = w.uniforms(f"reengage.{mid}", w.day)
            back = ~self.engaged[mid] & (u < -np.expm1(-rate * w.round_days / 365.0))
            if back.any():
                self.engaged[mid][back] = True
                w.tracer.log(w.day, "mediator", back, f"{mid} takes up its mediating role again")

    # -- deciding ----------------------------------------------------------------------
    def resolve(self, w: WorldBase, offer: Offer) -> None:
        """Each side accepts iff it is willing (``willing``; traced rows' margins complete). A
        belligerent judges its own proposal like any other, withdrawn where it would refuse it."""
        if offer.rows.size == 0:
            return
        margins = self.verdicts.margins(w, offer, offer.rows < w.tracer.k if w.tracer.k else None)
        acc = self.verdicts.willing(offer, margins)
        if offer.by is not None and not acc[offer.by].all():
            keep = acc[offer.by]
            offer, margins, acc = offer.only(keep), margins[:, keep], acc[:, keep]
            if offer.rows.size == 0:
                return
        rows = offer.rows
        both = acc[0] & acc[1]
        seen = self.watched.get((offer.index, w.day))
        if seen is not None:
            seen[:, rows] = acc
        if w.tracer.k:
            trace_offer(w, self, offer, acc, margins)
        if offer.truce_days is not None:
            self.accord.start_truce(rows[both], w.day, offer.truce_days)
        else:
            both = self.obstacles.hold(w, offer, both, margins)
            sel = np.flatnonzero(both)
            left = 0 if offer.settled is None else int((~offer.settled).sum())
            below = np.any(margins[:, sel] < 0.0, axis=0)
            terms, u, pen = offer.terms[sel], offer.u[:, sel], offer.pen[:, sel]
            self._agree(w, rows[sel], (terms, u, pen), left, below, f"'{offer.name}'")
        if offer.mediator:  # obstruction: turning down a mediator's offer the other side accepted
            self.threats.obstruction(w, rows[acc[0] & ~acc[1]], 1)
            self.threats.obstruction(w, rows[acc[1] & ~acc[0]], 0)

    def _agree(
        self, w: WorldBase, r: IntArray, deal: Deal, left: Any, below: BoolArray, name: str
    ) -> None:
        """A ceasefire in rows ``r`` on ``deal`` (terms, utilities, penalties) where it takes effect."""
        r, deal, left, below = kept_only(self.durability.takes_effect(w, r), r, deal, left, below)
        if r.size == 0:
            return
        terms, u, pen = deal
        new = ~self.accord.agreed[r]
        first = r[new]
        self.below[first] = below[new]
        self.deferred[first] = left if np.isscalar(left) else np.asarray(left)[new]
        lay = self.spec.layout
        if lay.front is not None:
            f = lay.front
            self.front_signed[first] = lay.lo[f] + self.battle.control[first] * lay.span[f]
        self.accord.agree(r, w.day, terms, u, pen)
        self.obstacles.clear(r)
        self.sanctions.relieve(r, terms)
        w.tracer.log(w.day, "ceasefire", w.tracer.mask(w.n, r), f"ceasefire agreed on {name}")

    def accumulate(self, w: WorldBase, r: int, sums: dict[str, FloatArray]) -> None:
        if r == 0:
            sums["diagnostics"][:] = 0.0
        sums["diagnostics"][:2] = (self.diag[0], (self.below & self.accord.agreed).sum())
        sums["diagnostics"][2:] = self.diag[2:]

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        engaged = (
            np.any(np.stack(list(self.engaged.values())), axis=0)
            if self.engaged
            else np.zeros(w.n, dtype=bool)
        )
        return {
            "mediator_engaged": engaged,
            "below_reservation": self.below & self.accord.agreed,
            "issues_deferred": self.deferred,
            "front_at_ceasefire": self.front_signed,
        }
