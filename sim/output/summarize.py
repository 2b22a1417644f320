"""The summary of a run (summary.json, for a ``sim.results.Results`` passed in): headline shares with intervals, dates, terms, obstruction,
threats, diagnostics — weighted by the evidence when the run is conditioned as of a date."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InconsistentRecord, RunError, UsageError
from ..io.jsonable import jsonable
from ..model.engine.resample import run_weights
from ..model.history import ESS_WARNING, condition, posterior_table, weighted_quantiles
from ..model.scenario.observations import Observation
from .artefacts import artefact_flags
from .baserate import base_rate
from .labels import input_label
from .stats import ancestral_n, effective_n, weighted_share, wilson

TERMS_QUANTILES = (0.10, 0.50, 0.90)


def _round(x: float, digits: int = 6) -> float:
    """Probabilities in summary.json to 6 decimals: enough for any replicate count we run."""
    return round(float(x), digits) if math.isfinite(x) else float("nan")


def _share(
    flag: np.ndarray, w: np.ndarray | None, groups: np.ndarray | None = None
) -> dict[str, float | None]:
    if w is None:
        est, lo, hi = wilson(int(flag.sum()), len(flag))
    else:
        est, lo, hi = weighted_share(flag, w, groups=groups)
    return jsonable({"estimate": _round(est), "ci_low": _round(lo), "ci_high": _round(hi)})  # type: ignore[no-any-return]


def month_ends(start: dt.date, horizon: dt.date) -> list[dt.date]:
    ends = pd.date_range(start, horizon, freq="ME")
    return [d.date() for d in ends if start < d.date() <= horizon]


def summarize(r: Any) -> dict[str, Any]:
    """The content of summary.json."""
    n = r.n
    w = r.weights
    ones = np.ones(n) if w is None else w
    agreed = r.ceasefire_flags()
    km = r.ceasefire_km()
    cond = r.meta.get("conditioning")
    threats = (
        float(np.sum(ones * r.column("threats_fired")) / np.sum(ones))
        if r.has("threats_fired") and n
        else None
    )
    m = r.meta
    out: dict[str, Any] = {
        "scenario": m.get("scenario"),
        "version": m.get("version"),
        "seed": m.get("seed"),
        "replicates": n,
        "scenario_sha256": m.get("scenario_sha256"),
        "start": r.start.isoformat(),
        "horizon": r.horizon.isoformat(),
        "horizon_days": r.horizon_days,
        "p_ceasefire": _share(agreed, w, r.groups),
        "p_truce": _share(~np.isnan(r.days("truce_day")), w, r.groups),
        "p_in_force_at_horizon": _share(r.flag("in_force_at_horizon"), w, r.groups),
        "p_decided_by_force": _share(~np.isnan(r.days("decided_day")), w, r.groups)
        if r.has("decided_day")
        else None,
        "p_signed_after_decision": _share(_signed_ends(r), w, r.groups)
        if r.has("decided_day")
        else None,
        "p_unkept": _share(~np.isnan(r.days("unkept_day")), w, r.groups)
        if r.has("unkept_day")
        else None,
        "median_days_to_ceasefire": km.median(),
        "base_rate": base_rate(m, r.start, r.horizon, cond["as_of"] if cond else None),
        "by_date": _by_date(r, km, cond),
        "terms": _terms(r, agreed, ones),
        "obstructed_by": _obstructed(r, ones),
        "threats_fired": threats,
        "diagnostics": m.get("diagnostics") or {},
        "wall_seconds": m.get("wall_seconds"),
        "overrides": list(m.get("overrides") or []),
        "calibration": m.get("calibration"),
        "warnings": list(m.get("warnings") or []),
        "flags": artefact_flags(r),
    }
    if cond:
        out["conditioning"] = cond
        out["posterior"] = cond.get("posterior", [])
    return jsonable(out)  # type: ignore[no-any-return]


def _signed_ends(r: Any) -> np.ndarray:
    """Futures whose first ceasefire closed a war decided by force (signed that day)."""
    decided, first = r.days("decided_day"), r.days("ceasefire_day")
    return np.asarray(~np.isnan(decided) & (first == decided))


def _by_date(r: Any, km: Any, cond: dict[str, Any] | None) -> list[dict[str, Any]]:
    """P(ceasefire) with its interval at each month end (from the as-of date when conditioned)."""
    after = dt.date.fromisoformat(cond["as_of"]) if cond else r.start
    out = []
    for d in month_ends(r.start, r.horizon):
        if d <= after and cond:
            continue  # conditioned: the curve from the as-of date on
        p, lo, hi = (float(v) for v in km.incidence_at((d - r.start).days))
        out.append(
            {"date": d.isoformat(), "p": _round(p), "ci_low": _round(lo), "ci_high": _round(hi)}
        )
    return out


def _terms(r: Any, agreed: np.ndarray, ones: np.ndarray) -> dict[str, Any]:
    """Per issue, the (weighted) mean and quantiles of the agreed terms, in real units."""
    terms: dict[str, Any] = {}
    for issue in r.issues():
        col = f"terms.{issue}"
        x = np.asarray(r.column(col), dtype=float) if r.has(col) else np.full(r.n, np.nan)
        keep = agreed & ~np.isnan(x) & (ones > 0)
        if keep.any():
            q = weighted_quantiles(x[keep], ones[keep], TERMS_QUANTILES)
            terms[issue] = {
                "n": int(keep.sum()),
                "mean": float(np.sum(x[keep] * ones[keep]) / np.sum(ones[keep])),
                "p10": q[0],
                "p50": q[1],
                "p90": q[2],
            }
        else:
            terms[issue] = {"n": 0, "mean": None, "p10": None, "p50": None, "p90": None}
    return terms


def _obstructed(r: Any, ones: np.ndarray) -> dict[str, float]:
    """The (weighted) share of replicates each side obstructed most."""
    obstructed: dict[str, float] = {}
    if r.has("obstructed_by") and r.n:
        codes, labels = r.codes("obstructed_by")
        mass = np.bincount(codes[codes >= 0], weights=ones[codes >= 0], minlength=len(labels))
        for k in sorted(set(labels) - {""}):
            obstructed[k] = float(mass[labels.index(k)] / np.sum(ones))
    return obstructed


def observations_of(r: Any) -> list[Observation]:
    """The scenario's observations, as recorded in meta.json at run time."""
    return [Observation.model_validate(o) for o in r.meta.get("observations") or []]


def conditioned(r: Any, as_of: dt.date | str) -> Any:
    """``r`` weighted by the observations dated on or before ``as_of`` (a new Results; the
    outcomes are shared, not copied)."""
    obs = observations_of(r)
    as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    if r.meta.get("resampling"):
        return _resampled(r, obs, as_of)
    cols = {
        i: np.asarray(r.column(f"obs.{i}"), dtype=float)
        for i, ob in enumerate(obs)
        if ob.date <= as_of
    }
    c = condition(obs, cols, r.start, as_of, r.n)
    inputs = _Columns(r, [k for k in r.columns if k.startswith(("param.", "stalling."))])
    meta = dict(r.meta)
    meta["conditioning"] = {
        "as_of": c.as_of.isoformat(),
        "observations": [
            {
                "index": i,
                "date": obs[i].date.isoformat(),
                "kind": obs[i].kind,
                "source": obs[i].source,
                "rules_out": c.removed.get(i, 0),
            }
            for i in c.used
        ],
        "ess": c.ess,
        "consistent": c.consistent,
        "replicates": r.n,
        "low_ess": c.ess < ESS_WARNING,
        "ess_check": effective_n(c.weights),
        "posterior": [
            {**row, "label": input_label(row["input"], r.meta)}
            for row in posterior_table(inputs, c.weights)
        ],
    }
    return r.reweighted(c.weights, meta)


def _resampled(r: Any, obs: list[Observation], as_of: dt.date) -> Any:
    """A resampled run (``sim run --resample``) weighted by its particle filters' weights: it can
    be read as of the date it was resampled on, and no other."""
    info = r.meta["resampling"]
    if as_of.isoformat() != info["as_of"]:
        raise UsageError(
            f"this run was resampled on the record up to {info['as_of']}: it can be read as of "
            f"that date only (asked: {as_of.isoformat()}); run again with --as-of "
            f"{as_of.isoformat()}, or without --resample to weigh one run as of any date"
        )
    w = run_weights(np.asarray(r.column("smc.log_weight"), dtype=float))
    if w is None:
        raise InconsistentRecord(
            f"no simulated future is consistent with the observations up to {info['as_of']} in "
            "any chunk: check the observations against the scenario, give uncertain evidence "
            "as 'value' with a wider 'sd', or run more replicates"
        )
    eve = np.asarray(r.column("smc.eve"), dtype=np.int64)
    parent = np.asarray(r.column("smc.parent"), dtype=np.int64)
    live = w > 0
    inputs = _Columns(r, [k for k in r.columns if k.startswith(("param.", "stalling."))])
    priors = _Columns(r, [k for k in inputs if r.has(f"prior.{k}")], "prior.")
    meta = dict(r.meta)
    meta["conditioning"] = {
        "as_of": info["as_of"],
        "observations": [
            {
                "index": st["index"],
                "date": st["date"],
                "kind": st["kind"],
                "source": obs[st["index"]].source,
                "rules_out": None,
                "ess_share_before": st["ess_share_before"],
                "resampled_chunks": st["resampled_chunks"],
                "plays_per_chunk": st.get("plays_per_chunk"),
            }
            for st in info["steps"]
        ],
        "method": "resample-move",
        "plays": info.get("plays", 1),
        "replay_below": info.get("replay_below"),
        "ess": (ess := ancestral_n(w, eve)),
        "ess_futures": effective_n(w),
        "distinct_ancestors": int(np.unique(eve[live]).size),
        "distinct_parents": int(np.unique(parent[live]).size),
        "consistent": int(np.sum(live)),
        "replicates": r.n,
        "low_ess": ess < ESS_WARNING,
        "ess_check": effective_n(w),
        "posterior": [
            {**row, "label": input_label(row["input"], r.meta)}
            for row in posterior_table(inputs, w, priors)
        ],
    }
    return r.reweighted(w, meta, eve)


class _Columns(Mapping[str, np.ndarray]):
    """A run's float columns by name, each read when asked for and not kept: the posterior
    table goes through the inputs one at a time, so memory does not grow with their number
    times the replicate count (``prefix``: read ``prefix + name``)."""

    def __init__(self, r: Any, names: list[str], prefix: str = ""):
        self.r, self.names, self.prefix = r, names, prefix

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.names:
            raise KeyError(name)
        return np.asarray(self.r.column(self.prefix + name), dtype=float)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def forecast_path(r: Any, dates: list[dt.date] | None = None) -> list[dict[str, Any]]:
    """P(ceasefire by the horizon) as the record comes in: for each as-of date (by default the
    start and every observation date up to the run's own as-of date, or the horizon), the
    forecast conditioned on the observations up to it, with its 95% interval and effective
    sample size (``consistent`` False where no simulated future fits the record)."""
    obs = observations_of(r)
    cond = r.meta.get("conditioning")
    if r.meta.get("resampling") and cond:  # its futures were chosen by the record to the end
        return jsonable(  # type: ignore[no-any-return]
            [
                *r.meta["resampling"].get("path", []),  # earlier dates: their own runs
                {
                    "as_of": cond["as_of"],
                    "observations": len(cond["observations"]),
                    **_share(r.ceasefire_flags(), r.weights, r.groups),
                    "ess": cond["ess"],
                    "consistent": True,
                },
            ]
        )
    last = dt.date.fromisoformat(cond["as_of"]) if cond else r.horizon
    if dates is None:
        dates = sorted({r.start, *(o.date for o in obs if o.date <= last)})
    agreed = r.ceasefire_flags()
    cols = {i: np.asarray(r.column(f"obs.{i}"), dtype=float) for i in range(len(obs))}
    out = []
    for d in dates:
        row: dict[str, Any] = {"as_of": d.isoformat(), "observations": 0}
        used = {i: c for i, c in cols.items() if obs[i].date <= d}
        if not used:
            row.update(_share(agreed, None), ess=float(r.n), consistent=True)
        else:
            try:
                c = condition(obs, used, r.start, d, r.n)
            except RunError:
                row.update(estimate=None, ci_low=None, ci_high=None, ess=0.0, consistent=False)
            else:
                row.update(_share(agreed, c.weights), ess=c.ess, consistent=True)
            row["observations"] = len(used)
        out.append(row)
    return jsonable(out)  # type: ignore[no-any-return]
