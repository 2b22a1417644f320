"""Hindcasts: run historical cases from their snapshot, without the future, and score them against the record.

A case is a scenario written as of a snapshot date whose ``observations`` include what
happened after it. The forecast is the run conditioned on what was already on the record on
the snapshot day (observations dated on or before it, such as verdicts given that day) and on
nothing later; the record gives the day the first ceasefire was in force (or that none came
by the horizon). Scores, each next to a
base-rate forecast so that they mean something:

* Brier score and log score of P(ceasefire by the horizon);
* the continuous ranked probability score (CRPS) of the ceasefire day, in days, over the
  horizon: sum over days d of (F(d) - 1[realised day <= d])^2, F the forecast's cumulative
  probability of a first ceasefire by d (0 is perfect);
* whether the realised day falls in the forecast's central 50, 80 and 95% intervals (with
  "no ceasefire by the horizon" as the upper end of the distribution).

The base rate is a constant hazard: wars end at the same rate whatever their age (Bennett and
Stam 1996 find no duration dependence), with the Correlates of War median duration of
interstate wars, 139 days (docs/validation.md gives the sources), as the half-life.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UsageError
from .jsonable import jsonable
from .scenario.schema import Scenario

BASE_MEDIAN_DAYS = 139.0  # Correlates of War interstate wars, median duration (docs/validation.md)
LEVELS = (0.5, 0.8, 0.95)
FINITE_LOG = 1e-4  # log scores use probabilities clipped to [1e-4, 1 - 1e-4]


def realised_day(s: Scenario) -> int | None:
    """The day (from start) the first ceasefire was in force by the case's record, or None when
    the record says none came before the horizon; UsageError when it says neither."""
    days_true = [s.day_of(o.date) for o in s.observations if o.ceasefire is True]
    days_agreed = [
        s.day_of(o.between[0]) for o in s.observations if o.ceasefire == "agreed" and o.between
    ]
    found = sorted(days_true + days_agreed)
    if found:
        return found[0]
    none_by = [s.day_of(o.date) for o in s.observations if o.ceasefire is False]
    if none_by and max(none_by) >= s.horizon_days - s.round_days:
        return None
    raise UsageError(
        f"case '{s.name}': its record does not say when a ceasefire came, nor that none came "
        "before the horizon (add 'ceasefire: true' on the day one was in force, or "
        "'ceasefire: false' by the day before the horizon)"
    )


def crps_days(cdf: np.ndarray, realised: int | None) -> float:
    """sum_d (F(d) - 1[realised <= d])^2 over the days 0..H-1 of the horizon."""
    days = np.arange(len(cdf))
    outcome = np.zeros(len(cdf)) if realised is None else (days >= realised).astype(float)
    return float(np.sum((cdf - outcome) ** 2))


def forecast_cdf(
    first_days: np.ndarray, horizon_days: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """F(d) = (weighted) share of replicates whose first ceasefire came by day d, d = 0..H-1."""
    w = np.ones(len(first_days)) if weights is None else np.asarray(weights, dtype=float)
    d = np.where(np.isnan(first_days), np.inf, first_days)
    fin = np.isfinite(d)
    counts = np.bincount(d[fin].astype(np.int64), weights=w[fin], minlength=horizon_days)
    return np.asarray(np.cumsum(counts[:horizon_days]) / np.sum(w))


def base_rate_cdf(horizon_days: int, median_days: float = BASE_MEDIAN_DAYS) -> np.ndarray:
    """A constant hazard with the given median: F(d) = 1 - 2^(-(d + 1) / median)."""
    d = np.arange(horizon_days)
    return np.asarray(1.0 - np.power(2.0, -(d + 1) / median_days))


def covered(
    first_days: np.ndarray, realised: int | None, level: float, weights: np.ndarray | None = None
) -> bool:
    """Is the realised day inside the forecast's central ``level`` interval? (no ceasefire by
    the horizon is +inf: the distribution's upper end; quantiles by the inverted weighted CDF)."""
    d = np.where(np.isnan(first_days), np.inf, first_days)
    w = np.ones(len(d)) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(d, kind="stable")
    cum = np.cumsum(w[order]) / np.sum(w)
    lo, hi = (
        d[order][min(int(np.searchsorted(cum, q - 1e-12)), len(d) - 1)]
        for q in ((1 - level) / 2, (1 + level) / 2)
    )
    r = math.inf if realised is None else realised
    return bool(lo <= r <= hi)


def scores(cdf: np.ndarray, realised: int | None) -> dict[str, float]:
    """Brier, log and CRPS of one forecast (its cumulative probability by day) against the record."""
    p = float(cdf[-1]) if len(cdf) else 0.0
    y = 0.0 if realised is None or realised >= len(cdf) else 1.0
    q = min(max(p, FINITE_LOG), 1 - FINITE_LOG)
    return {
        "p": p,
        "brier": (p - y) ** 2,
        "log": -math.log(q if y else 1 - q),
        "crps_days": crps_days(cdf, realised),
    }


@dataclass
class HindcastResults:
    """One row per case: the forecast, the record, the model's and the base rate's scores."""

    cases: list[dict[str, Any]]
    meta: dict[str, Any]
    folder: Path | None = None
    runs: dict[str, Any] = field(default_factory=dict)

    def table(self) -> Any:
        import pandas as pd

        rows = []
        for c in self.cases:
            rows.append(
                {
                    "case": c["name"],
                    "snapshot": c["snapshot"],
                    "horizon": c["horizon"],
                    "outcome": c["outcome"],
                    "p_model": c["model"]["p"],
                    "p_base": c["base"]["p"],
                    "brier_model": c["model"]["brier"],
                    "brier_base": c["base"]["brier"],
                    "log_model": c["model"]["log"],
                    "log_base": c["base"]["log"],
                    "crps_model": c["model"]["crps_days"],
                    "crps_base": c["base"]["crps_days"],
                    **{f"in_{int(100 * lv)}": c["covered"][str(lv)] for lv in LEVELS},
                    "known_at_snapshot": c["known_at_snapshot"]["observations"],
                    "ess": c["known_at_snapshot"]["ess"],
                }
            )
        return pd.DataFrame(rows)

    def totals(self) -> dict[str, float]:
        """Mean scores over the cases (lower is better) and interval coverage rates."""
        t = self.table()
        out = {
            k: float(t[k].mean())
            for k in (
                "brier_model",
                "brier_base",
                "log_model",
                "log_base",
                "crps_model",
                "crps_base",
            )
        }
        out.update({f"in_{int(100 * lv)}": float(t[f"in_{int(100 * lv)}"].mean()) for lv in LEVELS})
        return out

    def save(
        self, folder: str | os.PathLike[str], report: bool = True, overwrite: bool = False
    ) -> Path:
        """Write hindcast.json, hindcast.csv, each case's run (runs/<case>/), the figures and
        report.html into ``folder`` (written in a temporary folder, renamed into place last).
        An existing folder that is not empty is replaced only with ``overwrite`` and only when
        sim wrote it."""
        import shutil

        from .atomic import atomic_write_json, atomic_write_text, temp_dir_beside
        from .folders import refuse_special, why_not_write, write_marker
        from .plots import figure_bytes
        from .plots.hindcast import plot_calibration, plot_case_curves
        from .plots.style import new_figure
        from .report.hindcast import write_hindcast_report

        target = refuse_special(folder, "output folder")
        why = why_not_write(target, overwrite, " (use --force to replace it)")
        if why:
            raise UsageError(f"output folder {str(target)!r} {why}")
        tmp = temp_dir_beside(target)
        try:
            write_marker(tmp, "hindcast")
            for name, r in self.runs.items():
                r.save(tmp / "runs" / name)
            for c in self.cases:
                c["base_median_days"] = self.meta["base_rate"]["median_days"]
            atomic_write_json(tmp / "hindcast.json", self.to_json())
            atomic_write_text(tmp / "hindcast.csv", self.table().to_csv(index=False))
            pngs: dict[str, bytes] = {}
            if report:
                calib = new_figure((7.0, 4.5))
                plot_calibration(self.cases, ax=calib.add_subplot())
                pngs["calibration"] = figure_bytes(calib)
                pngs["cases"] = figure_bytes(plot_case_curves(self.cases))
                (tmp / "figures").mkdir(exist_ok=True)
                for name, png in pngs.items():
                    (tmp / "figures" / f"{name}.png").write_bytes(png)
                write_hindcast_report(tmp, pngs)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.folder = target
        return target

    def to_json(self) -> dict[str, Any]:
        return jsonable({"meta": self.meta, "cases": self.cases, "totals": self.totals()})  # type: ignore[no-any-return]


def score_case(
    scenario: Scenario, results: Any, median_days: float = BASE_MEDIAN_DAYS
) -> dict[str, Any]:
    """Scores of one case's run against its record."""
    h = scenario.horizon_days
    real = realised_day(scenario)
    first = np.asarray(results.column("ceasefire_day"), dtype=float)
    w = results.weights
    cdf = forecast_cdf(first, h, w)
    model = scores(cdf, real)
    base = scores(base_rate_cdf(h, median_days), real)
    outcome = (
        "no ceasefire by the horizon"
        if real is None or real >= h
        else f"ceasefire in force {(scenario.start + dt.timedelta(days=real)).isoformat()} (day {real})"
    )
    return {
        "name": scenario.name,
        "snapshot": scenario.start.isoformat(),
        "horizon": scenario.horizon_date.isoformat(),
        "horizon_days": h,
        "realised_day": real,
        "outcome": outcome,
        "replicates": results.n,
        "model": model,
        "base": base,
        "covered": {
            str(lv): covered(first, real if real is None or real < h else None, lv, w)
            for lv in LEVELS
        },
        "cdf": cdf.round(5).tolist(),
        "known_at_snapshot": _snapshot_note(results),
    }


def _snapshot_note(results: Any) -> dict[str, Any]:
    """What the forecast was conditioned on: the observations on the record at the snapshot."""
    cond = results.meta.get("conditioning")
    if not cond:
        return {"observations": 0, "ess": None}
    return {"observations": len(cond["observations"]), "ess": cond["ess"]}


def at_snapshot(s: Scenario, results: Any) -> Any:
    """``results`` conditioned on the observations dated on or before the snapshot (as a
    forecaster on that day knew them); unchanged when there are none."""
    if not any(o.date <= s.start for o in s.observations):
        return results
    return results.condition(s.start)


def hindcast(
    cases: Sequence[str | os.PathLike[str]],
    replicates: int = 4000,
    seed: int = 1,
    workers: int = 1,
    median_days: float = BASE_MEDIAN_DAYS,
    progress: Callable[[int, int], None] | None = None,
) -> HindcastResults:
    """Run every case from its snapshot, conditioned on what was on the record that day (and
    nothing later), and score it."""
    from .engine.runner import run
    from .scenario.loader import load_scenario
    from .version import __version__

    if not cases:
        raise UsageError("hindcast needs at least one CASE file")
    scenarios = [load_scenario(c) for c in cases]
    for s in scenarios:
        realised_day(s)  # refuse a case without a readable record before running anything
    out, runs = [], {}
    for i, (path, s) in enumerate(zip(cases, scenarios, strict=True)):
        r = at_snapshot(s, run(s, replicates=replicates, seed=seed, workers=workers, trace=5))
        row = score_case(s, r, median_days)
        row["file"] = os.fspath(path)
        out.append(row)
        runs[Path(path).stem] = r
        if progress is not None:
            progress(i + 1, len(cases))
    meta = {
        "version": __version__,
        "replicates": replicates,
        "seed": seed,
        "base_rate": {
            "median_days": median_days,
            "rule": "constant hazard, F(d) = 1 - 2^(-(d+1)/median)",
        },
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return HindcastResults(out, meta, runs=runs)
