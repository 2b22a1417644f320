"""Domestic politics: support mean-reverts and falls with casualties; elections may replace leaders."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..bargaining.utility import penalty_candidates, penalty_rows, utility_candidates, utility_rows
from ..engine.context import Ctx
from ..engine.state import State, refresh_war_outcomes
from . import sanctions


def step(ctx: Ctx, st: State) -> None:
    """S <- S + reversion (S0 - S) - f (casualty_sensitivity I + cost_sensitivity C_fight) - ...

    f is the share of the round fought; the sanctions part of the cost is felt in peace too.
    """
    p = ctx.params
    fight = st.fight_share(ctx.round_days)
    loss = fight * p.casualty * st.intensity
    if p.cost_sensitivity.any():
        felt = fight * sanctions.fighting_cost(st) + sanctions.sanctions_cost(ctx, st)
        loss = loss + p.cost_sensitivity * felt
    st.support = st.support + p.reversion * (p.support - st.support) - loss
    np.clip(st.support, 0.0, 1.0, out=st.support)


def election(ctx: Ctx, st: State, actor: str, index: int) -> None:
    """At an election the leader is replaced with probability logistic(base - slope * support)."""
    c, p = ctx.compiled, ctx.params
    side = c.side_ids.index(actor)
    el = c.scenario.pressures.domestic[actor].elections[index]
    u = ctx.uniforms(f"election.{actor}.{index}", st.day)
    prob = expit(
        p.election_base[(side, index)] - p.election_slope[(side, index)] * st.support[side]
    )
    replaced = u < prob
    rows = np.flatnonzero(replaced)
    if rows.size:
        for k, shift in el.shift.items():
            i = c.issues.index(k)
            p.ideal[side, rows, i] = np.clip(p.ideal[side, rows, i] + shift / c.span[i], 0.0, 1.0)
        st.optimism[side, rows] = 0.0  # a new leader starts without the old one's commitments
        ideal, weight, risk = p.ideal[side, rows], p.weight[side, rows], p.risk[side, rows]
        st.u_cand[side, rows] = utility_candidates(ideal, weight, risk, c.candidates)
        st.pen_cand[side, rows] = penalty_candidates(p, side, c.candidates, rows)
        refresh_war_outcomes(st, p, rows)
        held = rows[st.in_force[rows]]
        if held.size:
            x = st.current[held]
            st.u_current[side, held] = utility_rows(
                p.ideal[side, held], p.weight[side, held], p.risk[side, held], x
            )
            st.pen_current[side, held] = penalty_rows(p, side, x, held)
    ctx.tracer.log(st.day, "election", replaced, f"election: {actor}'s leader replaced")
    ctx.tracer.log(st.day, "election", ~replaced, f"election: {actor}'s leader survives")
