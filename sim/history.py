"""History as data: the likelihood of the record for each replicate, weights as of a date, what history taught.

Each observation of the scenario (``sim/scenario/observations.py``) was recorded per
replicate in an ``obs.<i>`` column (``sim/mechanisms/observations.py``). Hard evidence is an
indicator (a replicate that contradicts the record is ruled out); soft evidence a Gaussian
likelihood. Conditioning on the observations dated on or before a date is importance
sampling from the prior run: each replicate weighs the product of its likelihoods, and every
output becomes the weighted version. The effective sample size ``(sum w)^2 / sum w^2`` says
how much of the run is left; it equals the number of consistent replicates under hard
evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import Unresumable
from .scenario.observations import Observation

FloatArray = NDArray[np.float64]

ESS_WARNING = 1000  # below this effective sample size the conditioned figures are noisy


@dataclass(frozen=True)
class Conditioned:
    """Weights for every replicate and what went into them."""

    as_of: dt.date
    weights: FloatArray  # (n,) non-negative, summing to n (1 each without evidence)
    used: list[int]  # indices of the observations dated on or before as_of
    ess: float  # effective sample size
    consistent: int  # replicates with a non-zero weight
    removed: dict[int, int]  # observation index -> replicates it alone rules out (hard evidence)


def likelihood(ob: Observation, v: FloatArray, start: dt.date) -> FloatArray:
    """The likelihood of observation ``ob`` for each replicate's recorded value ``v`` (days are
    counted from the scenario's ``start``)."""
    v = np.asarray(v, dtype=float)
    known = ~np.isnan(v)
    if ob.between is not None:  # ceasefire, truce agreed: v is the day of the first one
        first, last = ((d - start).days for d in ob.between)
        with np.errstate(invalid="ignore"):
            return np.where(known & (v >= first) & (v <= last), 1.0, 0.0)
    want = _yes_or_no(ob)
    if want is not None:  # v: 1 if the state holds in the replicate, 0 if not
        return np.where(known & ((v == 1.0) == want), 1.0, 0.0)
    if ob.proposal is not None:  # 1 accepted, 0 rejected, NaN: not put in that replicate
        verdict = 1.0 if ob.proposal.accepted_by is not None else 0.0
        return np.where(known & (v == verdict), 1.0, 0.0)
    level = ob.front_line or ob.support or ob.sanctions
    assert level is not None
    if level.between is not None:
        lo, hi = level.between
        return np.where(known & (v >= lo) & (v <= hi), 1.0, 0.0)
    assert level.value is not None and level.sd is not None
    z = (v - level.value) / level.sd
    return np.where(known, np.exp(-0.5 * z * z), 0.0)


def _yes_or_no(ob: Observation) -> bool | None:
    """Whether a yes-or-no observation says its state holds (None for other kinds); its probe
    records 1 where the state holds. ``ceasefire: false`` and ``ceasefire: agreed`` by a date
    both read "agreed"; ``decided: {winner: id}`` reads "decided for that side"."""
    if ob.ceasefire is not None:
        return ob.ceasefire is not False  # true: in force; agreed (by): agreed
    for kind in ("in_force", "broke_down", "truce", "talks"):
        value = getattr(ob, kind)
        if value is not None:
            return bool(value)
    if ob.decided is not None:
        return ob.decided is not False
    if ob.mediator is not None:
        return next(iter(ob.mediator.values())) == "engaged"
    if ob.threat is not None:
        return ob.threat.carried_out
    return None


def condition(
    observations: list[Observation],
    columns: dict[int, FloatArray],
    start: dt.date,
    as_of: dt.date | str,
    n: int,
) -> Conditioned:
    """Weights of ``n`` replicates from the observations dated on or before ``as_of`` (all 1
    when there are none); Unresumable (a RunError) when no replicate survives."""
    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    used = [i for i, ob in enumerate(observations) if ob.date <= as_of]
    w = np.ones(n)
    removed: dict[int, int] = {}
    for i in used:
        lik = likelihood(observations[i], columns[i], start)
        removed[i] = int(np.sum(lik == 0.0))
        w = w * lik
    consistent = int(np.sum(w > 0))
    if consistent == 0:
        worst = max(removed, key=lambda i: removed[i]) if removed else None
        hint = ""
        if worst is not None:
            ob = observations[worst]
            hint = (
                f"; the observation of {ob.date.isoformat()} ({ob.kind}) alone rules out "
                f"{removed[worst]:,} of {n:,}"
            )
        raise Unresumable(
            f"no replicate is consistent with the {len(used)} observation(s) up to "
            f"{as_of.isoformat()}{hint}. Run more replicates, give uncertain evidence as "
            "'value' with 'sd' instead of 'between', or check that observation"
        )
    total = w.sum()
    ess = float(total**2 / np.sum(w * w))
    return Conditioned(as_of, w * (n / total), used, ess, consistent, removed)


# ----------------------------------------------------------------------------- what history taught


def weighted_quantiles(x: FloatArray, w: FloatArray, qs: tuple[float, ...]) -> list[float]:
    """Quantiles of x under weights w (NaNs dropped); inverse of the weighted ECDF."""
    ok = ~np.isnan(x) & (w > 0)
    if not ok.any():
        return [float("nan")] * len(qs)
    order = np.argsort(x[ok], kind="stable")
    xs, ws = x[ok][order], w[ok][order]
    cum = np.cumsum(ws) / ws.sum()
    return [float(xs[min(int(np.searchsorted(cum, q)), len(xs) - 1)]) for q in qs]


def _shift(row: dict[str, Any]) -> float:
    return float(row["shift_in_prior_sd"])


def posterior_table(columns: dict[str, FloatArray], w: FloatArray) -> list[dict[str, Any]]:
    """Prior (the run's draws) and posterior (weighted) of every uncertain input and latent type,
    sorted by how far the posterior mean moved, in prior standard deviations."""
    rows = []
    for name, x in columns.items():
        x = np.asarray(x, dtype=float)
        prior_mean, prior_sd = float(np.nanmean(x)), float(np.nanstd(x))
        post_mean = float(np.nansum(w * x) / np.sum(w[~np.isnan(x)]))
        post_sd = float(np.sqrt(np.nansum(w * (x - post_mean) ** 2) / np.sum(w[~np.isnan(x)])))
        ones = np.ones_like(w)
        shift = (post_mean - prior_mean) / prior_sd if prior_sd > 0 else 0.0
        rows.append(
            {
                "input": name,
                "prior": {
                    "mean": prior_mean,
                    "sd": prior_sd,
                    "p10_p50_p90": weighted_quantiles(x, ones, (0.1, 0.5, 0.9)),
                },
                "posterior": {
                    "mean": post_mean,
                    "sd": post_sd,
                    "p10_p50_p90": weighted_quantiles(x, w, (0.1, 0.5, 0.9)),
                },
                "shift_in_prior_sd": shift,
            }
        )
    rows.sort(key=lambda r: -abs(_shift(r)))
    return rows
