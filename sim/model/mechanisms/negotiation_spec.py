"""Compiling the negotiation section of a scenario: mediators, scheduled proposals, red-line cuts, misjudgement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bargaining.frontier import Cut
from ..bargaining.offers import Package
from ..engine.layout import Layout
from ..engine.sampling import Num, num
from ..scenario.negotiation import DEFAULT_SD
from ..scenario.schema import Mediator, Proposal, Scenario


@dataclass(frozen=True)
class MediatorSpec:
    id: str
    proposes: str  # nash, split or none
    weights: tuple[Num, Num]
    noise: Num
    engaged: bool
    reengage: Num  # re-engagements per year while not engaged


@dataclass(frozen=True)
class ProposalSpec:
    index: int
    name: str
    by: str
    by_side: int | None  # a belligerent's own proposal (it accepts it)
    truce_days: int | None
    reward: tuple[Num, Num]
    days: tuple[int, ...]  # when it is put


def compile_negotiation(s: Scenario, lay: Layout) -> dict[str, Any]:
    """The fields of the negotiation spec (all but the layout) from a scenario."""
    ng = s.negotiation
    if ng.talks_open is True:
        open_day = 0
    elif ng.talks_open is False:
        open_day = lay.horizon_days
    else:
        open_day = lay.day_of(ng.talks_open)
    props, packages = _proposals(s, lay)
    errors, scale, rho = _misjudgement(s)
    return dict(
        open_day=open_day,
        every_days=ng.every_days,
        errors=errors,
        error_scale=scale,
        error_spread=s.structure.misperception_scale,
        persistence=rho,
        collapse=num(ng.collapse, "negotiation.collapse"),
        direct=num(ng.direct, "negotiation.direct"),
        reopen=num(ng.reopen, "negotiation.reopen"),
        mediators=_mediators(s, lay),
        proposals=props,
        packages=packages,
        cuts=_cuts(s, lay),
    )


def _mediators(s: Scenario, lay: Layout) -> tuple[MediatorSpec, ...]:
    """Each mediator's compiled spec: how it proposes, its weights, noise and engagement."""
    meds = []
    for mid, m in s.mediators().items():
        assert isinstance(m, Mediator)
        w = tuple(
            num(m.weights[sid], f"actors.{mid}.weights.{sid}") if sid in m.weights else 1.0
            for sid in lay.sides
        )
        meds.append(
            MediatorSpec(
                mid,
                m.proposes,
                (w[0], w[1]),
                num(m.noise, f"actors.{mid}.noise"),
                m.engaged,
                num(m.reengage_per_year, f"actors.{mid}.reengage_per_year"),
            )
        )
    return tuple(meds)


def _proposals(s: Scenario, lay: Layout) -> tuple[tuple[ProposalSpec, ...], dict[str, Package]]:
    """The scheduled proposals, and the packages of those that name terms."""
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
                p.days(lay.start, lay.horizon_days),
            )
        )
        if p.terms is not None:
            packages[p.name] = _package(lay, p)
    return tuple(props), packages


def _cuts(s: Scenario, lay: Layout) -> tuple[Cut, ...]:
    """Every red line's threshold (scaled; an offset from the front for ``from_front``)."""
    return tuple(
        Cut(
            lay.issue(rl.issue),
            float(thr / lay.span[lay.issue(rl.issue)])
            if rl.from_front
            else float(lay.scale(lay.issue(rl.issue), thr)),
            rl.above is not None,
            rl.from_front,
        )
        for b in s.belligerents().values()
        for rl in b.red_lines
        for thr in [rl.above if rl.above is not None else rl.below]
        if thr is not None
    )


def _misjudgement(s: Scenario) -> tuple[str, Num, Num]:
    """(family, scale, persistence) of each side's misjudgement of its war value."""
    mp = s.negotiation.misperception
    rho = num(mp.persistence, "negotiation.misperception.persistence")
    if mp.rationality is not None:  # logistic errors of scale 1 / rationality
        return "logistic", num(mp.rationality, "negotiation.misperception.rationality"), rho
    sd = mp.sd if mp.sd is not None else DEFAULT_SD
    return "normal", num(sd, "negotiation.misperception.sd"), rho


def _package(lay: Layout, p: Proposal) -> Package:
    assert p.terms is not None
    fixed = lay.sq_fixed.copy()
    settled = np.zeros(lay.k, dtype=bool)
    live = np.zeros(lay.k, dtype=bool)
    if lay.front is not None:
        live[lay.front] = True
    for k, v in p.terms.items():
        i = lay.issue(k)
        settled[i] = True
        if v == "status_quo":
            continue  # fixed status quo already there, or live front line
        fixed[i] = (float(v) - lay.lo[i]) / lay.span[i]
        live[i] = False
    fixed[live] = np.nan
    return Package(p.name, fixed, live, settled)
