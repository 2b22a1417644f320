"""Negotiation: talks open, sessions where mediators (or the sides) propose, scheduled proposals, acceptance.

Both sides accept an offer -> a ceasefire on its terms (or a truce). One side accepts a
mediator's offer and the other rejects it -> obstruction by the rejecter, which may set off
threats. After each session talks may collapse; collapsed talks may reopen each round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit
from scipy.stats import qmc

from ..bargaining.offers import Offer, Package
from ..bargaining.utility import penalty_candidates, penalty_rows, utility_candidates, utility_rows
from ..engine.calendar import Item
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..engine.world import WorldBase
from ..scenario.schema import Mediator, Proposal, Scenario
from .accord import Accord
from .base import BOOL, RANK_PROPOSAL, RANK_SESSION, RANK_TALKS_OPEN, Mechanism, Spec
from .battlefield import Battlefield
from .effects import Targets
from .negotiation_trace import trace_offer
from .proposers import DirectOffer, NashMediator, SplitMediator, Table
from .sanctions import Sanctions
from .sides import Sides
from .threats import Threats
from .warvalue import WarValue

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

# Sobol candidates are drawn from their own stream so they are the same in every chunk.
CANDIDATE_STREAM_KEY = 2**32 - 1


@dataclass(frozen=True)
class MediatorSpec:
    id: str
    proposes: str  # nash, split or none
    weights: tuple[Num, Num]
    noise: Num
    engaged: bool


@dataclass(frozen=True)
class ProposalSpec:
    index: int
    name: str
    by: str
    by_side: int | None  # a belligerent's own proposal (it accepts it)
    truce_days: int | None
    reward: tuple[Num, Num]
    days: tuple[int, ...]  # when it is put


@dataclass(frozen=True)
class NegotiationSpec(Spec):
    layout: Layout
    open_day: int  # talks open (horizon: never)
    every_days: int
    rationality: Num
    collapse: Num
    direct: Num
    reopen: Num
    mediators: tuple[MediatorSpec, ...]
    proposals: tuple[ProposalSpec, ...]
    packages: dict[str, Package]
    candidates: FloatArray  # (M, K) scaled

    @classmethod
    def of(cls, s: Scenario, lay: Layout, seed: int) -> NegotiationSpec:
        ng = s.negotiation
        h = lay.horizon_days
        if ng.talks_open is True:
            open_day = 0
        elif ng.talks_open is False:
            open_day = h
        else:
            open_day = lay.day_of(ng.talks_open)
        meds = []
        for mid, m in s.mediators().items():
            assert isinstance(m, Mediator)
            w = tuple(
                num(m.weights[sid], f"actors.{mid}.weights.{sid}") if sid in m.weights else 1.0
                for sid in lay.sides
            )
            meds.append(
                MediatorSpec(
                    mid, m.proposes, (w[0], w[1]), num(m.noise, f"actors.{mid}.noise"), m.engaged
                )
            )
        props, packages = [], {}
        for i, p in enumerate(s.proposals):
            r = tuple(
                num(p.reward[sid], f"proposals.{i}.reward.{sid}") if sid in p.reward else 0.0
                for sid in lay.sides
            )
            props.append(
                ProposalSpec(
                    i,
                    p.name,
                    p.by,
                    lay.side(p.by) if p.by in lay.sides else None,
                    p.truce_days,
                    (r[0], r[1]),
                    _days(lay, p),
                )
            )
            if p.terms is not None:
                packages[p.name] = _package(lay, p)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CANDIDATE_STREAM_KEY,)))
        cands = qmc.Sobol(d=lay.k, scramble=True, rng=rng).random(ng.candidates)
        return cls(
            layout=lay,
            open_day=open_day,
            every_days=ng.every_days,
            rationality=num(ng.rationality, "negotiation.rationality"),
            collapse=num(ng.collapse, "negotiation.collapse"),
            direct=num(ng.direct, "negotiation.direct"),
            reopen=num(ng.reopen, "negotiation.reopen"),
            mediators=tuple(meds),
            proposals=tuple(props),
            packages=packages,
            candidates=cands,
        )

    def items(self) -> list[Item[Any]]:
        h = self.layout.horizon_days
        out: list[Item[Any]] = [Item(self.open_day, RANK_TALKS_OPEN, "talks open", _open)]
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
        return {"mediator_engaged": BOOL}

    def build(
        self,
        d: Draws,
        targets: Targets,
        sides: Sides,
        accord: Accord,
        battle: Battlefield,
        sanctions: Sanctions,
        threats: Threats,
        war: WarValue,
    ) -> Negotiation:
        return Negotiation(self, d, targets, sides, accord, battle, sanctions, threats, war)


def _days(lay: Layout, p: Proposal) -> tuple[int, ...]:
    h = lay.horizon_days
    if p.on is not None:
        return (lay.day_of(p.on),)
    assert p.every_days is not None
    start = max(lay.day_of(p.from_) if p.from_ is not None else 0, 0)
    stop = min(lay.day_of(p.until) + 1 if p.until is not None else h, h)
    return tuple(range(start, stop, p.every_days))


def _package(lay: Layout, p: Proposal) -> Package:
    assert p.terms is not None
    fixed = lay.sq_fixed.copy()
    live = np.zeros(lay.k, dtype=bool)
    if lay.front is not None:
        live[lay.front] = True
    for k, v in p.terms.items():
        i = lay.issue(k)
        if v == "status_quo":
            continue  # fixed status quo already there, or live front line
        fixed[i] = (float(v) - lay.lo[i]) / lay.span[i]
        live[i] = False
    fixed[live] = np.nan
    return Package(p.name, fixed, live)


def _open(w: Any) -> None:
    w.negotiation.open_talks(w)


def _session(w: Any) -> None:
    w.negotiation.session(w)


def _proposal(index: int) -> Callable[[Any], None]:
    def run(w: Any) -> None:
        w.negotiation.scheduled(w, index)

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
    ):
        n = d.n
        self.spec, self.sides, self.accord, self.battle = spec, sides, accord, battle
        self.sanctions, self.threats, self.war = sanctions, threats, war
        self.collapse = d(spec.collapse)
        self.direct = d(spec.direct)
        self.reopen = d(spec.reopen)
        self.reward = {
            p.index: np.stack([d(x) for x in p.reward])
            for p in spec.proposals
            if p.reward != (0.0, 0.0)
        }
        cands = spec.candidates
        prefs = (sides.prefs(0), sides.prefs(1))
        self.table = Table(
            layout=spec.layout,
            sides=sides,
            war=war,
            battle=battle,
            candidates=cands,
            u_cand=np.stack([utility_candidates(p.ideal, p.weight, p.risk, cands) for p in prefs]),
            pen_cand=np.stack([penalty_candidates(p, cands) for p in prefs]),
            packages=spec.packages,
            rationality=d(spec.rationality),
        )
        self.engaged = {m.id: np.full(n, m.engaged) for m in spec.mediators}  # state
        self.mediators: list[NashMediator] = []
        for m in spec.mediators:
            wts, noise = np.stack([d(x) for x in m.weights]), d(m.noise)
            if m.proposes == "nash":
                self.mediators.append(NashMediator(m.id, self.table, wts, noise))
            elif m.proposes == "split":
                self.mediators.append(SplitMediator(m.id, self.table, wts, noise))
        self.direct_offers = (DirectOffer(0, self.table), DirectOffer(1, self.table))
        targets.add("engaged", lambda who: self.engaged[str(who)])
        sides.on_new_ideal(self._new_ideal)

    def _new_ideal(self, side: int, rows: IntArray) -> None:
        """An election moved ``side``'s ideal point in ``rows``: refresh what depends on it."""
        t, sd, ac = self.table, self.sides, self.accord
        pr = sd.prefs(side)
        t.u_cand[side, rows] = utility_candidates(
            pr.ideal[rows], pr.weight[rows], pr.risk[rows], t.candidates
        )
        t.pen_cand[side, rows] = penalty_candidates(pr, t.candidates, rows)
        held = rows[ac.in_force[rows]]
        if held.size:
            x = ac.current[held]
            ac.u_current[side, held] = utility_rows(
                pr.ideal[held], pr.weight[held], pr.risk[held], x
            )
            ac.pen_current[side, held] = penalty_rows(pr, x, held)

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
            self.resolve(w, self._scheduled_offer(p, rows))

    def _scheduled_offer(self, p: ProposalSpec, rows: IntArray) -> Offer:
        key = f"proposal.{p.index}"
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
            )
        terms = self.spec.packages[p.name].terms(self.battle.control, rows)
        return self.table.offer(p.name, rows, terms, by=p.by_side, index=p.index, key=key)

    def session(self, w: WorldBase) -> None:
        """A negotiation day: each engaged mediator proposes; then talks may collapse."""
        ac = self.accord
        before = ac.talks & ~ac.in_force
        led = np.zeros(w.n, dtype=bool)
        for med in self.mediators:
            led |= self.engaged[med.id]
            rows = ac.open_rows(self.engaged[med.id])
            if rows.size:
                self.resolve(w, med.propose(w, rows))
        # Without a mediator leading, the sides may talk directly: one of them offers.
        u_talk, u_who = w.uniforms("direct", w.day, 2)
        direct = ~led & (u_talk < self.direct)
        for side, proposer in enumerate(self.direct_offers):
            rows = ac.open_rows(direct & ((u_who < 0.5) == (side == 0)))
            if rows.size:
                self.resolve(w, proposer.propose(w, rows))
        u = w.uniforms("collapse", w.day)
        failed = before & ~ac.in_force & (u < self.collapse)
        if failed.any():
            ac.talks[failed] = False
            w.tracer.log(w.day, "collapse", failed, "talks collapse")

    def end(self, w: WorldBase) -> None:
        """Collapsed talks reopen with probability ``reopen`` per round (once they ever opened)."""
        ac = self.accord
        u = w.uniforms("reopen", w.day)
        if ac.talks_started:
            back = ~ac.talks & ~ac.in_force & (u < self.reopen)
            if back.any():
                ac.talks[back] = True
                w.tracer.log(w.day, "reopen", back, "talks reopen")

    # -- deciding ----------------------------------------------------------------------
    def value(self, side: int, offer: Offer) -> FloatArray:
        """V_i(x) = U_i(x) - a_i S_i (red-line violations + shortfall below the reference)."""
        sd, r = self.sides, offer.rows
        return np.asarray(
            offer.u[side] - sd.audience[side, r] * sd.support[side, r] * offer.pen[side]
        )

    def truce_value(self, w: WorldBase, side: int, offer: Offer) -> FloatArray:
        """A pause of D days: the fighting costs saved minus the ground momentum would have won."""
        lay, sd, bf = self.spec.layout, self.sides, self.battle
        r = offer.rows
        assert offer.truce_days is not None
        rounds = offer.truce_days / lay.round_days
        saved = bf.fighting_cost()[side, r]
        momentum = np.zeros(len(r))
        if lay.front is not None:
            f = lay.front
            y, wt, rk = sd.ideal[side, r, f], sd.weight[side, r, f], sd.risk[side, r]
            cnow = bf.control[r]
            move = bf.drift[r] * bf.intensity[r] * (bf.p[r] - bf.balance[r])
            cnext = np.clip(cnow + move, 0.0, 1.0)
            momentum = wt * (np.abs(cnow - y) ** rk - np.abs(cnext - y) ** rk)
        reward = self.reward[offer.index][side, r] if offer.index in self.reward else 0.0
        return np.asarray(rounds * (saved - momentum) + reward)

    def accept_probability(self, w: WorldBase, side: int, offer: Offer) -> FloatArray:
        lam = self.table.rationality[offer.rows]
        if offer.truce_days is not None:
            return np.asarray(expit(lam * self.truce_value(w, side, offer)))
        return np.asarray(
            expit(lam * (self.value(side, offer) - self.war.reject[side, offer.rows]))
        )

    def resolve(self, w: WorldBase, offer: Offer) -> None:
        rows = offer.rows
        acc = np.empty((2, len(rows)), dtype=bool)
        u = w.uniforms(f"accept.{offer.key}", w.day, 2)[:, rows]
        for side in (0, 1):
            if offer.by == side:
                acc[side] = True
            else:
                acc[side] = u[side] < self.accept_probability(w, side, offer)
        both = acc[0] & acc[1]
        if w.tracer.k:
            trace_offer(w, self, offer, acc)
        if offer.truce_days is not None:
            self.accord.start_truce(rows[both], w.day, offer.truce_days)
        else:
            self._agree(w, offer, both)
        if offer.by is None:  # obstruction is turning down a mediator's offer the other accepted
            self.threats.obstruction(w, rows[acc[0] & ~acc[1]], 1)
            self.threats.obstruction(w, rows[acc[1] & ~acc[0]], 0)

    def _agree(self, w: WorldBase, offer: Offer, both: BoolArray) -> None:
        sel = np.flatnonzero(both)
        if sel.size == 0:
            return
        r = offer.rows[sel]
        terms = offer.terms[sel]
        self.accord.agree(r, w.day, terms, offer.u[:, sel], offer.pen[:, sel])
        self.sanctions.relieve(r, terms)
        w.tracer.log(
            w.day, "ceasefire", w.tracer.mask(w.n, r), f"ceasefire agreed on '{offer.name}'"
        )

    def outcomes(self, w: WorldBase) -> dict[str, NDArray[np.generic]]:
        if not self.engaged:
            return {"mediator_engaged": np.zeros(w.n, dtype=bool)}
        return {"mediator_engaged": np.any(np.stack(list(self.engaged.values())), axis=0)}
