"""Learning: fighting reveals information, so optimism shrinks (Slantchev 2003): b <- (1 - kappa I) b + noise."""

from __future__ import annotations

import numpy as np

from ..engine.context import Ctx
from ..engine.state import State


def step(ctx: Ctx, st: State) -> None:
    p = ctx.params
    z = ctx.normals("learning", st.day, 2)
    fight = st.fight_share(ctx.round_days)
    rate = np.clip(p.learn_rate * st.intensity, 0.0, 1.0) * fight
    st.optimism = (1.0 - rate) * st.optimism + p.learn_noise * z * fight
    np.clip(st.optimism, -1.0, 1.0, out=st.optimism)


def beliefs(st: State) -> np.ndarray:
    """mu_i: each side's subjective probability that B prevails (2, n); optimism favours oneself."""
    mu: np.ndarray = np.clip(np.stack([st.p - st.optimism[0], st.p + st.optimism[1]]), 0.0, 1.0)
    return mu
