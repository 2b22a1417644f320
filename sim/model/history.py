"""History as data: the likelihood of the record for each replicate, weights as of a date, what history taught.

Each observation of the scenario (``sim/scenario/observations.py``) was recorded per
replicate in an ``obs.<i>`` column (``sim/mechanisms/observations.py``). Hard evidence is an
indicator (a replicate that contradicts the record is ruled out); soft evidence a Gaussian
likelihood. Conditioning on the observations dated on or before a date is importance
sampling from the prior run: each replicate weighs the product of its likelihoods, and every
output becomes the weighted version. The effective sample size ``(sum w)^2 / sum w^2`` says
how much of the run is left; it equals the number of consistent replicates under hard
evidence.

The product is a sum of log-likelihoods, normalised by its largest term before it is
exponentiated (log-sum-exp): a record far from every replicate gives likelihoods whose product
underflows to zero everywhere, while their ratios, which are the weights, are well defined. A replicate
further than ``SOFT_Z_MAX`` standard deviations from a soft record is counted as ruled out
by it (its weight, under e^-32 of one on the record, is kept); when every replicate is ruled
out the record is refused (``InconsistentRecord``) instead of being read as no evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InconsistentRecord
from .scenario.observations import Level, Observation

FloatArray = NDArray[np.float64]

ESS_WARNING = 1000  # below this effective sample size the conditioned figures are noisy
SOFT_Z_MAX = 8.0  # a replicate this many sd from a soft record is ruled out by it (P < 1e-15)


@dataclass(frozen=True)
class Conditioned:
    """Weights for every replicate and what went into them."""

    as_of: dt.date
    weights: FloatArray  # (n,) non-negative, summing to n (1 each without evidence)
    used: list[int]  # indices of the observations dated on or before as_of
    ess: float  # effective sample size
    consistent: int  # replicates meeting the hard evidence and within SOFT_Z_MAX sd of the soft
    removed: dict[int, int]  # observation index -> replicates it alone rules out


def likelihood(ob: Observation, v: FloatArray, start: dt.date) -> FloatArray:
    """The likelihood of observation ``ob`` for each replicate's recorded value ``v`` (days are
    counted from the scenario's ``start``)."""
    with np.errstate(under="ignore"):
        return np.exp(log_likelihood(ob, v, start))


def log_likelihood(ob: Observation, v: FloatArray, start: dt.date) -> FloatArray:
    """The log-likelihood of observation ``ob`` for each replicate's recorded value ``v``:
    0 or -inf for hard evidence, ``-z^2/2`` for soft (never underflows)."""
    v = np.asarray(v, dtype=float)
    hard = _hard(ob, v, start)
    if hard is not None:
        return np.where(hard, 0.0, -np.inf)
    z = _soft_z(ob, v)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.isnan(z), -np.inf, -0.5 * z * z)


def _hard(ob: Observation, v: FloatArray, start: dt.date) -> NDArray[np.bool_] | None:
    """Where hard evidence holds (None for soft evidence: a level given as value and sd)."""
    known = ~np.isnan(v)
    if ob.between is not None:  # ceasefire, truce agreed: v is the day of the first one
        first, last = ((d - start).days for d in ob.between)
        with np.errstate(invalid="ignore"):
            return known & (v >= first) & (v <= last)
    want = _yes_or_no(ob)
    if want is not None:  # v: 1 if the state holds in the replicate, 0 if not
        return np.asarray(known & ((v == 1.0) == want))
    if ob.proposal is not None:  # 1 accepted, 0 rejected, NaN: not put in that replicate
        verdict = 1.0 if ob.proposal.accepted_by is not None else 0.0
        return np.asarray(known & (v == verdict))
    level = _level(ob)
    if level.between is not None:
        lo, hi = level.between
        with np.errstate(invalid="ignore"):
            return known & (v >= lo) & (v <= hi)
    return None


def _level(ob: Observation) -> Level:
    level = ob.front_line or ob.support or ob.sanctions
    assert level is not None
    return level


def _soft_z(ob: Observation, v: FloatArray) -> FloatArray:
    """How many sd each replicate's value lies from a soft record (NaN where not recorded)."""
    level = _level(ob)
    assert level.value is not None and level.sd is not None
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray((v - level.value) / level.sd, dtype=float)


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
    when there are none); InconsistentRecord (a RunError) when every replicate is ruled out."""
    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    used = [i for i, ob in enumerate(observations) if ob.date <= as_of]
    logw = np.zeros(n)
    fits = np.ones(n, dtype=bool)
    removed: dict[int, int] = {}
    for i in used:
        ok = _fits(observations[i], columns[i], start)
        removed[i] = int(np.sum(~ok))
        fits &= ok
        logw += log_likelihood(observations[i], columns[i], start)
    consistent = int(np.sum(fits))
    if consistent == 0:
        raise InconsistentRecord(_inconsistent(observations, columns, start, as_of, removed, n))
    with np.errstate(under="ignore"):
        w = np.exp(logw - np.max(logw))  # the best replicate weighs 1: nothing underflows
    total = w.sum()
    ess = float(total**2 / np.sum(w * w))
    return Conditioned(as_of, w * (n / total), used, ess, consistent, removed)


def _fits(ob: Observation, v: FloatArray, start: dt.date) -> NDArray[np.bool_]:
    """The replicates an observation leaves: those that meet hard evidence, those within
    ``SOFT_Z_MAX`` sd of soft evidence."""
    v = np.asarray(v, dtype=float)
    hard = _hard(ob, v, start)
    if hard is not None:
        return hard
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(_soft_z(ob, v)) <= SOFT_Z_MAX)


def _inconsistent(
    observations: list[Observation],
    columns: dict[int, FloatArray],
    start: dt.date,
    as_of: dt.date,
    removed: dict[int, int],
    n: int,
) -> str:
    """Why no replicate carries the record: the observation(s) that alone rule out every
    replicate (or the one that rules out most), the nearest replicate to a soft record, and
    what to do (check the observation, or run more replicates)."""
    alone = [i for i, k in removed.items() if k == n]
    named = alone or ([max(removed, key=lambda i: removed[i])] if removed else [])
    why = "; ".join(_rules_out(observations[i], columns[i], removed[i], n) for i in named)
    together = "" if alone else " (each leaves some, but none is left by all)"
    used = len(removed)
    return (
        f"no replicate is consistent with the {used} observation(s) up to "
        f"{as_of.isoformat()}{together}: {why}. Check that observation against the "
        "scenario (can the model reach it?), give uncertain evidence as 'value' with a wider "
        "'sd' or a wider 'between', or run more replicates (-n; with -n auto, --max-replicates)"
    )


def _rules_out(ob: Observation, v: FloatArray, k: int, n: int) -> str:
    """'the observation of DATE (KIND) alone rules out K of N', with the nearest replicate
    for soft evidence."""
    text = f"the observation of {ob.date.isoformat()} ({ob.kind}) alone rules out {k:,} of {n:,}"
    level = None if ob.kind not in ("front_line", "support", "sanctions") else _level(ob)
    if level is None or level.value is None:
        return text
    z = np.abs(_soft_z(ob, np.asarray(v, dtype=float)))
    if np.all(np.isnan(z)):
        return f"{text} (no replicate records it)"
    best = int(np.nanargmin(z))
    return (
        f"{text}: it reads {level.value:g} with sd {level.sd:g}, the nearest replicate has "
        f"{float(v[best]):g}, {float(z[best]):.3g} sd away (a soft record rules out a "
        f"replicate more than {SOFT_Z_MAX:g} sd from it)"
    )


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


def posterior_table(
    columns: Mapping[str, FloatArray], w: FloatArray, priors: Mapping[str, FloatArray] | None = None
) -> list[dict[str, Any]]:
    """Prior (the run's draws, or ``priors`` where given: a resampled run's inputs as drawn)
    and posterior (weighted) of every uncertain input and latent type, sorted by how far the
    posterior mean moved, in prior standard deviations."""
    rows = []
    for name, x in columns.items():
        x = np.asarray(x, dtype=float)
        p = np.asarray((priors or {}).get(name, x), dtype=float)
        prior_mean, prior_sd = float(np.nanmean(p)), float(np.nanstd(p))
        post_mean = float(np.nansum(w * x) / np.sum(w[~np.isnan(x)]))
        post_sd = float(np.sqrt(np.nansum(w * (x - post_mean) ** 2) / np.sum(w[~np.isnan(x)])))
        shift = (post_mean - prior_mean) / prior_sd if prior_sd > 0 else 0.0
        rows.append(
            {
                "input": name,
                "prior": {
                    "mean": prior_mean,
                    "sd": prior_sd,
                    "p10_p50_p90": weighted_quantiles(p, np.ones_like(p), (0.1, 0.5, 0.9)),
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
