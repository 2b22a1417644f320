"""Mediation threats: triggered by obstruction or a deadline, carried out with credibility after a delay."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..engine.context import Ctx
from ..engine.state import State
from .shocks import apply_effect

IntArray = NDArray[np.intp]


def _targets(ctx: Ctx, against: str) -> int | None:
    return None if against == "obstructer" else ctx.compiled.side_ids.index(against)


def trigger_obstruction(ctx: Ctx, st: State, rows: IntArray, obstructer: int) -> None:
    """``obstructer`` (0 or 1) rejected, in ``rows``, what the other side had accepted."""
    if rows.size == 0:
        return
    st.obstructions[obstructer, rows] += 1
    st.last_obstructer[rows] = obstructer
    mask = np.zeros(st.n, dtype=bool)
    mask[rows] = True
    who = ctx.compiled.side_ids[obstructer]
    ctx.tracer.log(
        st.day, "obstruction", mask, f"{who} obstructed: rejected what the other side accepted"
    )
    s = ctx.compiled.scenario
    for (mid, ti), cred in ctx.params.threat_cred.items():
        t = s.actors[mid].threats[ti]  # type: ignore[union-attr]
        if t.trigger != "obstruction":
            continue
        target = _targets(ctx, t.against)
        if target is not None and target != obstructer:
            continue
        due = rows[st.obstructions[obstructer, rows] >= t.after]  # patience runs out at `after`
        _arm(ctx, st, (mid, ti), due, cred, obstructer)


def deadline(ctx: Ctx, st: State, mid: str, ti: int) -> None:
    """A deadline threat: where no ceasefire is in force, it falls on its target (or the last obstructer)."""
    t = ctx.compiled.scenario.actors[mid].threats[ti]  # type: ignore[union-attr]
    target = _targets(ctx, t.against)
    hit = ~st.in_force
    if target is None:
        hit &= st.last_obstructer >= 0
    rows = np.flatnonzero(hit)
    who = st.last_obstructer[rows] if target is None else np.full(rows.size, target)
    _arm(ctx, st, (mid, ti), rows, ctx.params.threat_cred[(mid, ti)], who)


def _arm(
    ctx: Ctx,
    st: State,
    key: tuple[str, int],
    rows: IntArray,
    cred: np.ndarray,
    target: int | np.ndarray,
) -> None:
    u = ctx.uniforms(f"threat.{key[0]}.{key[1]}", st.day)[rows]
    live = ~st.threat_fired[key][rows] & ~np.isfinite(st.threat_pending[key][rows])
    ok = live & (u < cred[rows])
    go = rows[ok]
    st.threat_pending[key][go] = st.day + ctx.params.threat_delay[key][go]
    st.threat_target[key][go] = np.broadcast_to(target, rows.shape)[ok]


def fire_due(ctx: Ctx, st: State) -> None:
    """Carry out every armed threat whose delay has run out by the end of this round."""
    s = ctx.compiled.scenario
    end = min(st.day + ctx.round_days, ctx.compiled.scenario.horizon_days)
    for key, pending in st.threat_pending.items():
        due = pending < end
        if not due.any():
            continue
        t = s.actors[key[0]].threats[key[1]]  # type: ignore[union-attr]
        apply_effect(ctx, st, dict(t.effect), due, st.threat_target[key])
        st.threat_fired[key] |= due
        st.threats_fired += due
        pending[due] = np.inf
        ctx.tracer.log(st.day, "threat", due, f"{key[0]} carries out threat '{t.name}'")


def expected_cost(ctx: Ctx, st: State) -> np.ndarray:
    """What a forward-looking side expects to lose from threats its rejection would set off (2, n)."""
    out = np.zeros((2, st.n))
    s = ctx.compiled.scenario
    for key, cred in ctx.params.threat_cred.items():
        t = s.actors[key[0]].threats[key[1]]  # type: ignore[union-attr]
        live = ~st.threat_fired[key] & ~np.isfinite(st.threat_pending[key])
        if t.trigger == "deadline" and t.deadline is not None and st.day >= s.day_of(t.deadline):
            continue
        exp = cred * ctx.params.threat_cost[key] * live
        target = _targets(ctx, t.against)
        for side in (0, 1):
            if target is None or target == side:
                # an obstruction threat looms once this side's next refusal would set it off
                near = st.obstructions[side] + 1 >= t.after if t.trigger == "obstruction" else True
                out[side] += exp * near
    return out
