"""Durability of ceasefires (Fortna 2003): hazard h = h0 exp(g1 max_i(W_i - V_i(x*)) - sum_k g_k x*_k)."""

from __future__ import annotations

import numpy as np

from ..engine.context import Ctx
from ..engine.state import State

# exp() argument cap: beyond this the per-round breakdown probability is 1 anyway.
MAX_LOG_HAZARD = 50.0


def step(ctx: Ctx, st: State) -> None:
    """Ceasefires in force since before today may break down; war and talks then resume."""
    held = st.in_force & (st.since < st.day)
    u = ctx.uniforms("durability", st.day)
    if not held.any():
        return
    p = ctx.params
    v = st.u_current - p.audience * st.support * st.pen_current
    grievance = np.max(st.war - v, axis=0)
    guard = np.sum(p.guarantee * np.nan_to_num(st.current), axis=1)
    log_h = np.minimum(p.dissatisfaction * grievance - guard, MAX_LOG_HAZARD)
    rate = p.hazard0 * np.exp(log_h)  # breakdowns per year
    prob = -np.expm1(-rate * ctx.round_days / 365.0)
    broke = held & (u < prob)
    if broke.any():
        st.in_force[broke] = False
        first = broke & np.isnan(st.breakdown_day)
        st.breakdown_day[first] = st.day
        st.talks[broke] = True
        ctx.tracer.log(
            st.day, "breakdown", broke, "the ceasefire breaks down; fighting and talks resume"
        )
