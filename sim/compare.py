"""Paired comparisons of scenarios on common random numbers: differences with paired intervals.

Every scenario runs with the same seed, so replicate i of A and of B share their
random streams (scenario paths and mechanisms each draw from their own stream).
Differences are taken replicate by replicate:

- P(ceasefire), P(in force at horizon): mean of the paired difference of the
  0/1 indicators, normal-approximation interval (mean ± z·sd/√n).
- mean terms per issue: paired difference over the replicates where both
  scenarios reached a ceasefire, normal-approximation interval.
- median days to ceasefire: percentile bootstrap of the paired replicates
  (resampled jointly), ``BOOTSTRAP`` resamples from a Generator seeded by the seed.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from .errors import UsageError
from .jsonable import jsonable
from .results import Results
from .stats import fast_median

__all__ = ["Comparison", "comparable", "compare"]

BOOTSTRAP = 1000  # resamples for the median-time interval
LEVEL = 0.95


@dataclass
class Comparison:
    """Results of each scenario (same seed) and the differences of each against the first."""

    labels: list[str]
    results: list[Results]
    seed: int
    replicates: int
    notes: list[str] = field(default_factory=list)  # e.g. issues not shared by every scenario

    def differences(self) -> list[dict[str, Any]]:
        base = self.results[0]
        return [
            {"label": lab, "vs": self.labels[0], **paired_differences(base, r, self.seed)}
            for lab, r in zip(self.labels[1:], self.results[1:], strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(
            {
                "seed": self.seed,
                "replicates": self.replicates,
                "level": LEVEL,
                "method": {
                    "probabilities": "paired difference of per-replicate indicators, normal approximation",
                    "terms": "paired difference over replicates where both agreed, normal approximation",
                    "median_days": f"paired percentile bootstrap, {BOOTSTRAP} resamples",
                },
                "scenarios": [
                    {
                        "label": lab,
                        "scenario": r.meta.get("scenario"),
                        "scenario_sha256": r.meta.get("scenario_sha256"),
                        "p_ceasefire": r.summary()["p_ceasefire"],
                        "p_in_force_at_horizon": r.summary()["p_in_force_at_horizon"],
                        "median_days_to_ceasefire": r.summary()["median_days_to_ceasefire"],
                    }
                    for lab, r in zip(self.labels, self.results, strict=True)
                ],
                "differences": self.differences(),
                "notes": self.notes,
            }
        )
        return out

    def text(self) -> str:
        """A few lines for the terminal."""
        d = self.to_dict()
        lines = [
            f"{len(self.labels)} scenarios, {self.replicates:,} replicates each, seed {self.seed} "
            "(common random numbers)"
        ]
        lines += [f"  note: {n}" for n in self.notes]
        for s in d["scenarios"]:
            p = s["p_ceasefire"]
            med = s["median_days_to_ceasefire"]
            lines.append(
                f"  {s['label']}: P(ceasefire) {100 * p['estimate']:.1f}%, median days "
                f"{'not reached' if med is None else f'{med:.0f}'}"
            )
        for x in d["differences"]:
            p = x["p_ceasefire"]
            lines.append(
                f"  {x['label']} - {x['vs']}: ΔP(ceasefire) {100 * p['diff']:+.1f} pts "
                f"(95% CI {100 * p['ci_low']:+.1f} to {100 * p['ci_high']:+.1f})"
            )
            m = x["median_days"]
            if m["diff"] is not None:
                lo = "n/a" if m["ci_low"] is None else f"{m['ci_low']:+.0f}"
                hi = "n/a" if m["ci_high"] is None else f"{m['ci_high']:+.0f}"
                lines.append(f"      Δmedian days {m['diff']:+.0f} (95% CI {lo} to {hi})")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Cumulative P(ceasefire by day) of every scenario, overlaid, with bands."""
        from .plots import new_axes

        if ax is None:
            ax = new_axes((7, 4.5))
        for lab, r in zip(self.labels, self.results, strict=True):
            days = np.arange(0, r.horizon_days + 1)
            p, lo, hi = r.ceasefire_km().incidence_at(days)
            (line,) = ax.step(days, p, where="post", label=lab)
            ax.fill_between(days, lo, hi, step="post", alpha=0.15, color=line.get_color())
        ax.set_xlabel("days from start")
        ax.set_ylabel("P(ceasefire by day)")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize=8)
        return ax

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write compare.json and figures/compare.png into ``folder``."""

        from .atomic import atomic_write_json
        from .folders import write_marker
        from .plots import save_png

        out = Path(folder)
        atomic_write_json(out / "compare.json", self.to_dict())
        write_marker(out, "compare")
        save_png(self.plot().figure, out / "figures" / "compare.png")
        return out


def _normal_diff(d: np.ndarray) -> dict[str, float | None]:
    n = len(d)
    if n == 0:
        return {"diff": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = float(d.mean())
    if n < 2:
        return {"diff": mean, "ci_low": None, "ci_high": None, "n": n}
    z = float(sps.norm.ppf(0.5 + LEVEL / 2))
    se = float(d.std(ddof=1)) / math.sqrt(n)
    return {"diff": mean, "ci_low": mean - z * se, "ci_high": mean + z * se, "n": n}


def paired_differences(a: Results, b: Results, seed: int = 0) -> dict[str, Any]:
    """Differences b − a replicate by replicate (both runs must share seed and replicates)."""
    if a.n != b.n:
        raise UsageError(f"paired comparison needs equal replicate counts (got {a.n} and {b.n})")
    out: dict[str, Any] = {}
    for key, fa, fb in (
        ("p_ceasefire", a.ceasefire_flags(), b.ceasefire_flags()),
        ("p_in_force_at_horizon", a._flag("in_force_at_horizon"), b._flag("in_force_at_horizon")),
    ):
        out[key] = _normal_diff(fb.astype(float) - fa.astype(float))
    both = a.ceasefire_flags() & b.ceasefire_flags()
    terms = {}
    for issue in a.issues():
        col = f"terms.{issue}"
        if col in a.outcomes and col in b.outcomes:
            d = (b.outcomes[col].to_numpy(float) - a.outcomes[col].to_numpy(float))[both]
            terms[issue] = _normal_diff(d[~np.isnan(d)])
    out["terms_mean"] = terms
    out["median_days"] = _median_diff(a, b, seed)
    return out


def _median_diff(a: Results, b: Results, seed: int) -> dict[str, float | None]:
    da = a.outcomes["ceasefire_day"].to_numpy(float)
    db = b.outcomes["ceasefire_day"].to_numpy(float)
    ma, mb = fast_median(da, a.horizon_days), fast_median(db, b.horizon_days)
    diff = None if ma is None or mb is None else mb - ma
    if diff is None:
        return {"diff": None, "ci_low": None, "ci_high": None, "n": len(da)}
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xB007,)))
    n = len(da)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    ta = np.sort(np.where(np.isnan(da), np.inf, da)[idx], axis=1)
    tb = np.sort(np.where(np.isnan(db), np.inf, db)[idx], axis=1)
    k = math.ceil(n / 2) - 1
    with np.errstate(invalid="ignore"):
        boot = tb[:, k] - ta[:, k]  # inf − inf → nan: median not reached in both resamples
    ok = np.isfinite(boot)
    if ok.mean() < 0.975:  # too many resamples without a median: no interval
        return {"diff": diff, "ci_low": None, "ci_high": None, "n": n}
    lo, hi = np.quantile(boot[ok], [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
    return {"diff": diff, "ci_low": float(lo), "ci_high": float(hi), "n": n}


def compare(
    scenarios: Sequence[Any],
    labels: Sequence[str] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    overrides: Sequence[str] | None = None,
    variants: Sequence[str] | None = None,
    allow_large: bool = False,
) -> Comparison:
    """Run scenarios (paths, mappings or Scenario objects) on common random numbers.

    With one scenario and ``variants`` (each a space-separated list of PATH=VALUE),
    the baseline is the scenario itself and each variant applies its values on top.
    Seed and replicates default to those of the first scenario. Scenarios with another
    start or horizon than the first are refused; issues not shared are noted (``notes``).
    A comparison beyond this machine's free memory is refused unless ``allow_large``.
    """
    from .engine.runner import run
    from .estimate import check_fits, compare_estimate, rounds_of
    from .points import scenario_at
    from .scenario.loader import load_scenario, load_tree, parse_yaml, validate_loaded
    from .scenario.schema import Scenario

    items = list(scenarios)
    if not items:
        raise UsageError("compare needs at least one scenario")
    loaded: list[Scenario] = []
    names: list[str] = []
    if variants:
        if len(items) != 1:
            raise UsageError(
                "--variant compares one scenario with itself; give exactly one scenario"
            )
        src = items[0]
        if isinstance(src, Scenario):
            raise UsageError("variants need a scenario file or mapping, not a Scenario object")
        tree, marks = load_tree(src, list(overrides or []))
        loaded.append(validate_loaded(copy.deepcopy(tree), copy.deepcopy(marks)))
        names.append("base")
        for v in variants:
            sets = v.split()
            if not sets or any("=" not in x for x in sets):
                raise UsageError(f"--variant expects 'PATH=VALUE [PATH=VALUE ...]' (got {v!r})")
            values = {}
            for x in sets:
                path, _, text = x.partition("=")
                value, _, problems = parse_yaml(text, "--variant")
                if problems:
                    raise UsageError(f"--variant {x!r}: {problems[0].message}")
                values[path] = value
            # set like a sweep point: a path made constant leaves its correlations
            loaded.append(scenario_at(tree, marks, values, origin="--variant"))
            names.append(v)
    else:
        if len(items) < 2:
            raise UsageError("compare needs two or more scenarios (or one with --variant)")
        for src in items:
            loaded.append(
                src if isinstance(src, Scenario) else load_scenario(src, list(overrides or []))
            )
            names.append(
                Path(os.fspath(src)).stem
                if isinstance(src, (str, os.PathLike))
                else loaded[-1].name
            )
    if labels is not None:
        if len(labels) != len(loaded):
            raise UsageError(f"{len(labels)} labels for {len(loaded)} scenarios")
        names = list(labels)
    notes = comparable(loaded, names)
    n = loaded[0].run.replicates if replicates is None else replicates
    s = loaded[0].run.seed if seed is None else seed
    check_fits(compare_estimate(len(loaded), n, rounds_of(loaded[0]), workers), None, allow_large)
    results = [run(sc, replicates=n, seed=s, workers=workers) for sc in loaded]
    return Comparison(labels=names, results=results, seed=s, replicates=n, notes=notes)


def comparable(scenarios: Sequence[Any], labels: Sequence[str]) -> list[str]:
    """UsageError unless the scenarios share start and horizon (their paired differences
    are by the same dates); notes on issues not shared by all (terms are compared only
    on the issues both sides of a difference have)."""
    first, name = scenarios[0], labels[0]
    for sc, lab in zip(scenarios[1:], labels[1:], strict=True):
        for what, a, b in (
            ("start", first.start, sc.start),
            ("horizon", first.horizon_date, sc.horizon_date),
        ):
            if a != b:
                raise UsageError(
                    f"cannot compare {lab!r} with {name!r}: different {what} ({b} vs {a}); "
                    f"give them the same one, e.g. --set {what}={a}"
                )
    notes = []
    for sc, lab in zip(scenarios[1:], labels[1:], strict=True):
        only = sorted(set(sc.issues) ^ set(first.issues))
        if only:
            notes.append(
                f"{lab!r} and {name!r} do not share the issue(s) {', '.join(only)}; "
                "their terms are compared only on the issues they share"
            )
    return notes
