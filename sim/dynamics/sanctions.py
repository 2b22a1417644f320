"""Sanctions: the level follows its schedule, threats and relief; it erodes the target's economy."""

from __future__ import annotations

import numpy as np

from ..engine.context import Ctx
from ..engine.state import State
from .shocks import ECONOMY_FLOOR


def scheduled_step(ctx: Ctx, st: State, index: int) -> None:
    sc = ctx.compiled.scenario.pressures.sanctions
    assert sc is not None
    step = sc.schedule[index]
    level = ctx.params.sampled.get(f"pressures.sanctions.schedule.{index}.level", step.level)
    st.sanctions = np.clip(level, 0.0, 1.0) * st.relief  # relief already agreed stands
    ctx.tracer.log(st.day, "sanctions", None, "sanctions set by schedule", level=st.sanctions)


def step(ctx: Ctx, st: State) -> None:
    t = ctx.params.sanctions_target
    if t is None:
        return
    erosion = ctx.params.sanctions_bite * st.sanctions
    st.economy[t] = np.maximum(st.economy[t] * (1.0 - np.clip(erosion, 0.0, 1.0)), ECONOMY_FLOOR)


def relief(ctx: Ctx, st: State, rows: np.ndarray, terms: np.ndarray) -> None:
    """An agreement lifts sanctions by its value on the relief issue (scaled 0..1)."""
    sc = ctx.compiled.scenario.pressures.sanctions
    if sc is None or sc.relief_issue is None:
        return
    k = ctx.compiled.issues.index(sc.relief_issue)
    kept = 1.0 - np.clip(terms[:, k], 0.0, 1.0)
    st.sanctions[rows] *= kept
    st.relief[rows] *= kept


def fighting_cost(st: State) -> np.ndarray:
    """Utility per round that fighting costs each side (2, n): cost_i I / E_i."""
    return np.asarray(st.cost * st.intensity / st.economy)


def sanctions_cost(ctx: Ctx, st: State) -> np.ndarray:
    """Utility per round that sanctions cost each side (2, n): only the target pays."""
    out = np.zeros((2, st.n))
    t = ctx.params.sanctions_target
    if t is not None:
        out[t] = ctx.params.sanctions_cost * st.sanctions
    return out


def round_cost(ctx: Ctx, st: State) -> np.ndarray:
    """C_i: utility per round that fighting on costs each side (2, n)."""
    return np.asarray(fighting_cost(st) + sanctions_cost(ctx, st))
