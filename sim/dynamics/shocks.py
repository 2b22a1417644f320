"""Shocks: scheduled and random events, and the state-path effects they (and threats) apply."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..engine.context import Ctx
from ..engine.state import State
from ..scenario.schema import parse_effect

BoolArray = NDArray[np.bool_]

# Clamp rules: an effect that would leave a quantity's valid range is cut at the bound
# (documented in docs/model.md, "Effects and clamping").
ECONOMY_FLOOR = 1e-3  # economy index never reaches 0 (a ruined but existing economy)
CAPABILITY_FLOOR = 1e-6  # capability stays positive so the contest function is defined


def _combine(op: str, old: NDArray[np.float64], x: float) -> NDArray[np.float64]:
    if op == "=":
        return np.full_like(old, x)
    if op == "+":
        return old + x
    if op == "-":
        return old - x
    return old * x


def apply_effect(
    ctx: Ctx,
    st: State,
    effect: dict[str, float | str],
    mask: BoolArray,
    target: NDArray[np.int64] | None = None,
) -> None:
    """Apply ``effect`` ({state path: value | "+x" | "-x" | "*x"}) where ``mask`` holds.

    ``target`` (n,) gives, for a threat, the side index that ``<head>.target`` paths mean.
    """
    sides = ctx.compiled.side_ids
    for path, raw in effect.items():
        head, _, who = path.partition(".")
        if who == "target" and target is not None:
            for j, sid in enumerate(sides):
                apply_effect(ctx, st, {f"{head}.{sid}": raw}, mask & (target == j))
            continue
        op, x = parse_effect(raw)
        if head in ("capability", "economy", "support", "optimism", "cost"):
            arr = getattr(st, head)[sides.index(who)]
            new = _combine(op, arr, x)
            lo, hi = {
                "capability": (CAPABILITY_FLOOR, np.inf),
                "economy": (ECONOMY_FLOOR, np.inf),
                "support": (0.0, 1.0),
                "optimism": (-1.0, 1.0),
                "cost": (0.0, np.inf),
            }[head]
            arr[mask] = np.clip(new, lo, hi)[mask]
        elif head == "aid":
            arr = st.aid[who]
            arr[mask] = np.maximum(_combine(op, arr, x), 0.0)[mask]
        elif head == "engaged":
            eng = st.engaged[who]
            on = _combine(op, eng.astype(float), x) > 0.5
            eng[mask] = on[mask]
        elif head == "sanctions":
            st.sanctions[mask] = np.clip(_combine(op, st.sanctions, x), 0.0, 1.0)[mask]
        elif head == "intensity":
            st.intensity[mask] = np.maximum(_combine(op, st.intensity, x), 0.0)[mask]
        elif head == "talks":
            open_ = _combine(op, st.talks.astype(float), x) > 0.5
            st.talks[mask] = open_[mask]


def dated_event(ctx: Ctx, st: State, index: int) -> None:
    ev = ctx.compiled.scenario.events[index]
    everyone = np.ones(st.n, dtype=bool)
    apply_effect(ctx, st, dict(ev.effect), everyone)
    ctx.tracer.log(st.day, "shock", None, f"{ev.name}")


def random_events(ctx: Ctx, st: State) -> None:
    """Poisson events: each replicate draws whether the event happens this round."""
    s = ctx.compiled.scenario
    rd = ctx.round_days
    for i, rate in ctx.params.event_rate.items():
        ev = s.events[i]
        u = ctx.uniforms(f"event.{i}", st.day)
        if ev.from_ is not None and st.day < s.day_of(ev.from_):
            continue
        if ev.until is not None and st.day > s.day_of(ev.until):
            continue
        hit = u < -np.expm1(-rate * rd / 365.0)
        if hit.any():
            apply_effect(ctx, st, dict(ev.effect), hit)
            ctx.tracer.log(st.day, "shock", hit, f"{ev.name}")
