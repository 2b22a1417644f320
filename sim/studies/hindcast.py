"""Hindcasts: run historical cases from their snapshot, without the future, and score them against the record.

A case is a scenario written as of a snapshot date whose ``observations`` include what
happened after it. The forecast is the run conditioned on what was on the record on the
snapshot day (observations dated on or before it) and on nothing later; the record gives the
day the first ceasefire was in force (or that none came by the horizon). The model and two
base rates are scored alike: Brier and log score of P(ceasefire by the horizon); the CRPS of
the ceasefire day in days, sum over the horizon's days d of (F(d) - 1[realised day <= d])^2;
the mid-PIT of the realised day; whether it falls in the central 50, 80 and 95% intervals
("none by the horizon" is the distribution's upper end), and over the cases the share covered
with its Wilson interval (the scoring rules: sim/studies/scoring.py).

The base rates (docs/validation.md gives formulas and sources): a constant hazard with the
Correlates of War median duration of interstate wars, 139 days, as its half-life, which
ignores the war's age; and a lognormal of war duration with the CoW median (139 days) and mean
(408 days), conditioned on the war's age a at the snapshot (``war_began``):
P(ends by age a + t | lasted to a) = (F(a + t) - F(a)) / (1 - F(a)).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..io.jsonable import jsonable
from ..io.limits import MAX_MAGNITUDE
from ..model.mechanisms.durations import (
    COW_MEAN_DAYS,
    COW_MEDIAN_DAYS,
    LOGNORMAL_MU,
    LOGNORMAL_SIGMA,
    lognormal_cdf,
)
from ..model.scenario.schema import Scenario
from .cells import CellStore
from .hindcast_runs import RUN, side_by_side
from .scoring import LEVELS, base_rate_cdf, covered, forecast_cdf, scores
from .snapshot import FEW_FUTURES, MAX_GROWTH, snapshot_note, snapshot_run

# Correlates of War durations and their lognormal: one place, sim/mechanisms/durations.py
# (P. Ellis, "Durations of wars", 2026; docs/validation.md, "Base rates used and their sources").
BASE_MEDIAN_DAYS = COW_MEDIAN_DAYS  # the constant hazard's half-life
FORECASTERS = {  # key in a case's row -> human name
    "model": "sim",
    "base": "constant hazard (CoW median)",
    "lognormal": "lognormal by war age (CoW)",
}


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


def war_age_days(s: Scenario) -> int:
    """The war's age at the snapshot, in days: start - war_began (0 when war_began is not given)."""
    return 0 if s.war_began is None else (s.start - s.war_began).days


def coverage_bands(cases: list[dict[str, Any]], ci: float = 0.95) -> dict[str, Any]:
    """For each forecaster and level: how many cases' realised days fell in the central
    interval, the share and its Wilson ``ci`` interval (a calibrated forecaster's share is the
    level; with ten cases the interval is wide)."""
    from ..output.stats import wilson

    out: dict[str, Any] = {}
    for f in FORECASTERS:
        rows = [c[f]["covered"] for c in cases if "covered" in c.get(f, {})]
        out[f] = {}
        for lv in LEVELS:
            k, n = sum(bool(r[str(lv)]) for r in rows), len(rows)
            share, low, high = wilson(k, n, ci)
            out[f][str(lv)] = {"covered": k, "cases": n, "share": share, "low": low, "high": high}
    return out


SCORE_COLUMNS = {"p": "p", "brier": "brier", "log": "log", "crps": "crps_days", "pit": "pit"}


@dataclass
class HindcastResults:
    """One row per case: the forecast, the record, the model's and the base rates' scores."""

    cases: list[dict[str, Any]]
    meta: dict[str, Any]
    folder: Path | None = None
    runs: dict[str, Any] = field(default_factory=dict)
    # where a run is already saved (a case kept by the checkpoint): copied, not written again
    saved: dict[str, Path] = field(default_factory=dict)

    def __repr__(self) -> str:
        """A few lines (the cases are long: see ``.table()``)."""
        return (
            f"<HindcastResults: {len(self.cases)} case{'' if len(self.cases) == 1 else 's'}, "
            f"{self.meta.get('replicates', '?')} replicates each\n  see .table(), .totals(), .skill(); "
            f"folder {self.folder}>"
        )

    def table(self) -> Any:
        """One row per case: p_<forecaster>, brier_, log_, crps_ (days), pit_ (mid-PIT) for the
        model, base (constant hazard) and lognormal; in_50/80/95 for the model and
        in_<level>_<comparator> for the base rates; the war's age at the snapshot."""
        import pandas as pd

        rows = []
        for c in self.cases:
            age = c.get("war_age_days", 0)
            row = {
                "case": c["name"],
                "snapshot": c["snapshot"],
                "war_began": c.get("war_began") or "not given: age taken as 0",
                "war_age_days": age,
                "horizon": c["horizon"],
                "outcome": c["outcome"],
            }
            for col, key in SCORE_COLUMNS.items():
                row.update({f"{col}_{f}": c[f][key] for f in FORECASTERS})
            for f in FORECASTERS:
                suffix = "" if f == "model" else f"_{f}"
                row.update(
                    {f"in_{int(100 * lv)}{suffix}": c[f]["covered"][str(lv)] for lv in LEVELS}
                )
            row["known_at_snapshot"] = c["known_at_snapshot"]["observations"]
            row["ess"] = c["known_at_snapshot"]["ess"]
            rows.append(row)
        return pd.DataFrame(rows)

    def totals(self) -> dict[str, float]:
        """Mean scores over the cases (lower is better; a calibrated forecaster's mean PIT is
        about 0.5) and interval coverage rates, per forecaster."""
        t = self.table()
        cols = [f"{col}_{f}" for col in ("brier", "log", "crps", "pit") for f in FORECASTERS]
        cols += [k for k in t.columns if k.startswith("in_")]
        return {k: float(t[k].astype(float).mean()) for k in cols}

    def skill(self) -> dict[str, Any]:
        """The model against each base rate over the cases: paired differences of the Brier,
        log and CRPS scores with their standard errors, and discrimination (AUC, DeLong
        standard errors): sim/output/skill.py."""
        from ..output.skill import skill

        return skill(self.cases, list(FORECASTERS))

    def save(
        self, folder: str | os.PathLike[str], report: bool = True, overwrite: bool = False
    ) -> Path:
        """Write hindcast.json, hindcast.csv, each case's run (runs/<case>/), the figures and
        report.html into ``folder`` (written in a temporary folder, renamed into place last).
        An existing folder that is not empty is replaced only with ``overwrite`` and only when
        sim wrote it."""

        from ..io.atomic import atomic_write_json, atomic_write_text
        from ..io.folders import write_folder
        from ..io.readback import copy_sealed, seal
        from ..output.plots.hindcast import hindcast_figures
        from ..output.report.hindcast import write_hindcast_report

        def fill(tmp: Path) -> None:
            for name, r in self.runs.items():
                kept = self.saved.get(name)
                if kept is None or not copy_sealed(kept, tmp / "runs" / name):
                    r.save(tmp / "runs" / name)
            for c in self.cases:
                c["base_median_days"] = self.meta["base_rate"]["median_days"]
            atomic_write_json(tmp / "hindcast.json", self.to_json())
            atomic_write_text(tmp / "hindcast.csv", self.table().to_csv(index=False))
            seal(tmp, "hindcast", ["hindcast.json", "hindcast.csv"])
            if report:
                pngs = hindcast_figures(self.cases)
                (tmp / "figures").mkdir(exist_ok=True)
                for name, png in pngs.items():
                    (tmp / "figures" / f"{name}.png").write_bytes(png)
                write_hindcast_report(tmp, pngs)

        target = write_folder(folder, overwrite, "hindcast", fill)
        self.folder = target
        return target

    def to_json(self) -> dict[str, Any]:
        cov = coverage_bands(self.cases)  # with Wilson 95% intervals
        data = {"meta": self.meta, "cases": self.cases, "totals": self.totals(), "coverage": cov}
        data["skill"] = self.skill()
        return jsonable(data)  # type: ignore[no-any-return]


def score_case(
    scenario: Scenario, results: Any, median_days: float = BASE_MEDIAN_DAYS
) -> dict[str, Any]:
    """Scores of one case's run, and of the two base rates, against its record."""
    h = scenario.horizon_days
    real = realised_day(scenario)
    first = np.asarray(results.column("ceasefire_day"), dtype=float)
    w = results.weights
    cdf = forecast_cdf(first, h, w)
    model = scores(cdf, real)
    # the model's intervals from its replicates (the same quantiles as covered_cdf on its CDF)
    model["covered"] = {
        str(lv): covered(first, real if real is None or real < h else None, lv, w) for lv in LEVELS
    }
    age = war_age_days(scenario)
    logn = lognormal_cdf(h, age)  # the age-conditioned base rate
    outcome = (
        "no ceasefire by the horizon"
        if real is None or real >= h
        else f"ceasefire in force {(scenario.start + dt.timedelta(days=real)).isoformat()} (day {real})"
    )
    return {
        "name": scenario.name,
        "snapshot": scenario.start.isoformat(),
        "war_began": None if scenario.war_began is None else scenario.war_began.isoformat(),
        "war_age_days": age,
        "horizon": scenario.horizon_date.isoformat(),
        "horizon_days": h,
        "realised_day": real,
        "outcome": outcome,
        "replicates": results.n,
        "model": model,
        "base": scores(base_rate_cdf(h, median_days), real),
        "lognormal": scores(logn, real),
        "covered": model["covered"],
        "cdf": cdf.round(5).tolist(),
        "cdf_lognormal": logn.round(5).tolist(),
        "known_at_snapshot": snapshot_note(results),
    }


def run_case(
    job: tuple[Scenario, int, int, int, float, bool, float],
) -> tuple[dict[str, Any], Any]:
    """One case of a hindcast (scenario, replicates, seed, workers, median_days, resample,
    min_futures): its run from the snapshot on ``workers`` processes, conditioned on the record
    that day (by resample-move, or weighted; grown while it leaves fewer than min_futures
    effective futures: sim/studies/snapshot.py), and its row."""
    s, replicates, seed, workers, median_days, resample, min_futures = job
    r = snapshot_run(s, replicates, seed, workers, 5, resample, min_futures)
    return score_case(s, r, median_days), r


def _run_cases(
    scenarios: list[Scenario],
    size: tuple[int, int, int, float],
    progress: Callable[[int, int], None] | None,
    resample: bool = True,
    kept: tuple[CellStore, list[str]] | None = None,
    scheduler: str | None = None,
    min_futures: float = FEW_FUTURES,
) -> list[tuple[dict[str, Any], Any]]:
    """Each case's (row, Results) in the cases' order (``size``: replicates, seed, workers,
    median_days); ``progress(done, total)`` as cases finish, side by side or in turn; with
    ``kept`` (a store and the cases' names) finished cases are kept and read back."""
    from ..model.scenario.loader import scenario_sha256
    from ..version import build
    from .cells import run_jobs
    from .hindcast_runs import case_cells, case_cost, longest_first

    replicates, seed, workers, median_days = size
    apart = scheduler is not None or side_by_side(len(scenarios), replicates, workers)
    each = 1 if apart else workers
    order = longest_first([case_cost(s) for s in scenarios]) if apart else range(len(scenarios))
    job = (replicates, seed, each, median_days, resample, min_futures)
    jobs = {i: (scenarios[i], *job) for i in order}
    cells = None
    if kept is not None:
        what: dict[str, Any] = {"replicates": replicates, "seed": seed, "resample": resample}
        what |= {"median_days": median_days, "min_futures": min_futures, "version": build()}
        keys = [{"sha256": scenario_sha256(s), **what} for s in scenarios]
        cells = case_cells(kept[0], kept[1], keys)
    done = run_jobs(run_case, jobs, workers if apart else 1, progress, cells, scheduler)
    return [done[i] for i in range(len(jobs))]


def hindcast(
    cases: Sequence[str | os.PathLike[str]],
    replicates: int = 4000,
    seed: int = 1,
    workers: int = 1,
    median_days: float = BASE_MEDIAN_DAYS,
    progress: Callable[[int, int], None] | None = None,
    overrides: Sequence[str] | None = None,
    resample: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    min_futures: float = FEW_FUTURES,
) -> HindcastResults:
    """Run every case from its snapshot, conditioned on what was on the record that day (and
    nothing later; by resample-move, or with ``resample=False`` by weighting one run), and
    score it; a case whose record at the snapshot leaves fewer than ``min_futures`` effective
    futures is rerun with more replicates, up to MAX_GROWTH times as many (0: never; sim/
    studies/snapshot.py);
    ``overrides`` ("PATH=VALUE", as --set) apply to every case.
    With ``workers`` > 1, cases of few chunks run side by side (``side_by_side``), others in
    turn on all the workers; the results are the same either way. With ``checkpoint`` (a
    folder) each finished case is kept there, and a case already kept for the same scenario,
    size, seed and conditioning is read back instead of run. With ``scheduler`` (an address,
    or "local") the cases run side by side on Dask, one task each."""
    from ..io.folders import file_folder_names
    from ..io.limits import MAX_CASES, check_at_most
    from ..model.scenario.loader import load_scenario

    if not cases:
        raise UsageError("hindcast needs at least one CASE file")
    check_at_most(len(cases), MAX_CASES, "cases in one hindcast")
    names = file_folder_names(cases, "case")  # refuses a case file given twice
    if isinstance(median_days, bool) or not 0 < median_days <= MAX_MAGNITUDE:
        raise UsageError(f"median_days must be a finite number > 0 (got {median_days!r})")
    if isinstance(min_futures, bool) or not 0 <= min_futures <= MAX_MAGNITUDE:
        raise UsageError(f"min_futures must be a finite number >= 0 (got {min_futures!r})")
    scenarios = [load_scenario(c, list(overrides or [])) for c in cases]
    for s in scenarios:
        realised_day(s)  # refuse a case without a readable record before running anything
    out, runs = [], {}
    kept = None if checkpoint is None else (CellStore(checkpoint), names)
    size = (replicates, seed, workers, median_days)
    done = _run_cases(scenarios, size, progress, resample, kept, scheduler, min_futures)
    for path, name, (row, r) in zip(cases, names, done, strict=True):
        row["file"] = os.fspath(path)
        row["run"] = f"runs/{name}"
        out.append(row)
        runs[name] = r
    meta = _meta(replicates, seed, median_days, resample)
    meta["min_futures"] = {"effective_futures": min_futures, "max_growth": MAX_GROWTH}
    saved = {} if kept is None else {n: kept[0].folder / n / RUN for n in names}
    meta["overrides"] = list(overrides or [])
    return HindcastResults(out, meta, runs=runs, saved=saved)


def _meta(replicates: int, seed: int, median_days: float, resample: bool) -> dict[str, Any]:
    """A hindcast's provenance and the rules of its comparators."""
    from ..version import build

    return {
        "version": build(),
        "replicates": replicates,
        "seed": seed,
        "conditioning": "resample-move" if resample else "weighting",
        "base_rate": {
            "median_days": median_days,
            "rule": "constant hazard, F(d) = 1 - 2^(-(d+1)/median)",
        },
        "lognormal": {
            "median_days": COW_MEDIAN_DAYS,
            "mean_days": COW_MEAN_DAYS,
            "mu": LOGNORMAL_MU,
            "sigma": LOGNORMAL_SIGMA,
            "rule": "P(ends by age a+d+1 | lasted to a) = (F(a+d+1) - F(a)) / (1 - F(a)), "
            "F lognormal(mu, sigma), a = start - war_began in days (0 when not given)",
        },
        "pit": "mid-PIT (F(r-1) + F(r)) / 2; none by the horizon: (F(H-1) + 1) / 2",
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
