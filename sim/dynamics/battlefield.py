"""Battlefield: contest success function, front-line drift with fat-tailed noise, attrition and aid.

p = K_B^m / (K_A^m + K_B^m); c += alpha I (p - p_bar) + s eps, eps ~ Student-t(nu);
K_i <- K_i (1 - d_i I) + g_i E_i + aid (attrition only while fighting; rebuilding never stops,
which is what a pause buys a side that regroups).
"""

from __future__ import annotations

import numpy as np

from ..engine.context import Ctx
from ..engine.state import State
from .shocks import CAPABILITY_FLOOR


def win_probability(ctx: Ctx, st: State) -> None:
    m = ctx.params.decisiveness
    logk = np.log(st.capability)
    st.p = 1.0 / (1.0 + np.exp(-m * (logk[1] - logk[0])))


def step(ctx: Ctx, st: State) -> None:
    p = ctx.params
    rng = ctx.rng("battlefield", st.day)
    eps = rng.standard_t(p.tail, size=st.n)
    aid_draws = {pid: ctx.uniforms(f"aid.{pid}", st.day) for pid in st.aid}
    win_probability(ctx, st)
    fight = st.fight_share(ctx.round_days)  # 0 in a ceasefire, partial as a truce ends
    if ctx.compiled.front is not None:
        move = p.drift * st.intensity * (st.p - p.balance) + p.volatility * eps
        st.control = np.clip(st.control + fight * move, 0.0, 1.0)
    lost = fight * p.attrition * st.intensity
    st.capability = st.capability * (1.0 - lost) + p.regeneration * st.economy
    for pid, amount in st.aid.items():
        side = p.aid_side[pid]
        arrived = aid_draws[pid] < p.aid_reliability[pid]
        st.capability[side] += amount * arrived
    np.maximum(st.capability, CAPABILITY_FLOOR, out=st.capability)
    win_probability(ctx, st)
