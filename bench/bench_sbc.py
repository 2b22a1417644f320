"""Simulation-based calibration of resample-move (Talts et al. 2018; a benchmark, not a test).

    python bench/bench_sbc.py [--truths 100] [--particles 1000] [--as-of 2025-11-01]
                              [--case scenarios/history/russia_ukraine_2025.yaml]

Draws "true" futures from the model (the replicates of one plain run), writes for each the
record it would have left (the case's observations, each re-read from the true future: a
verdict, talks, a ceasefire agreed or not, a threat carried out, a mediator's stance; soft
levels as the true value plus noise of the record's own sd; hard levels as the bin of a fixed
partition that holds the truth), conditions a resampled run on that record as of the date, and
takes the rank of the truth among the conditioned futures (a weighted, randomised PIT): of the
first ceasefire's day (no ceasefire ranks above every day) and of sampled inputs (--input;
by default the first two in the scenario's order of paths). If the
conditioning is right the PITs are uniform; a Kolmogorov–Smirnov test at 1% says whether they
are. Truths no conditioned future fits are counted and left out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

import sim  # noqa: E402
from sim.model.scenario.observations import Observation  # noqa: E402

CASE = ROOT / "scenarios" / "history" / "russia_ukraine_2025.yaml"


def record_of(
    obs: list[Observation], truth: dict[str, Any], rng: np.random.Generator, start: dt.date
) -> list[Any]:
    """The observations the true future would have left (None where it leaves none)."""
    out: list[Any] = []
    for i, ob in enumerate(obs):
        v = float(truth[f"obs.{i}"])
        d = ob.model_dump(exclude_none=True)
        if ob.proposal is not None:
            if np.isnan(v):
                out.append(None)
                continue
            side = ob.proposal.accepted_by or ob.proposal.rejected_by
            d["proposal"] = {
                "name": ob.proposal.name,
                ("accepted_by" if v else "rejected_by"): side,
            }
        elif ob.kind == "ceasefire" and ob.between is not None:  # the first day, coarsened to
            last = ob.between[1]  # "agreed by the window's end" (a function of the truth)
            agreed = bool(v <= (last - start).days)  # NaN (none): False
            d = {"by": last, "ceasefire": "agreed" if agreed else False, "source": ob.source}
        elif ob.kind == "ceasefire" and ob.ceasefire is True:
            d = {"on": ob.date, "in_force": bool(v), "source": ob.source}
        elif ob.kind == "ceasefire":  # false, or agreed by a date: 1 if agreed by then
            d["ceasefire"] = "agreed" if v else False
        elif ob.kind in ("talks", "in_force", "broke_down"):
            d[ob.kind] = bool(v)
        elif ob.threat is not None:
            d["threat"] = {"name": ob.threat.name, "carried_out": bool(v)}
        elif ob.mediator is not None:
            d["mediator"] = {next(iter(ob.mediator)): "engaged" if v else "exited"}
        elif ob.kind in ("front_line", "support", "sanctions"):
            level = dict(d[ob.kind])
            if "sd" in level:
                level["value"] = v + float(rng.normal(0.0, level["sd"]))
            else:  # a fixed partition: the recorded interval and what lies outside it
                lo, hi = level["between"]
                level["between"] = (
                    [lo, hi] if lo <= v <= hi else ([-1e9, lo] if v < lo else [hi, 1e9])
                )
            d[ob.kind] = level
        else:
            raise SystemExit(f"observation {i} ({ob.kind}): not handled by this benchmark")
        out.append(Observation.model_validate(d))
    return out


def pit(x: np.ndarray, w: np.ndarray, truth: float, u: float) -> float:
    """Weighted randomised PIT of ``truth`` among ``x`` (weights ``w``)."""
    w = w / w.sum()
    return float(np.sum(w[x < truth]) + u * np.sum(w[x == truth]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--case", default=str(CASE))
    ap.add_argument("--truths", type=int, default=100)
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--as-of", default="2025-11-01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--input", action="append", help="a sampled input to rank (param.PATH)")
    a = ap.parse_args()
    s = sim.load_scenario(a.case)
    as_of = dt.date.fromisoformat(a.as_of)
    truths = sim.run(s, replicates=a.truths, seed=10_000 + a.seed)
    cols = [c for c in truths.columns if c.startswith(("obs.", "param.")) or c == "ceasefire_day"]
    table = {c: np.asarray(truths.column(c), dtype=float) for c in cols}
    rng = np.random.default_rng(a.seed)
    inputs = a.input or sorted(c for c in cols if c.startswith("param."))[:2]
    pits: dict[str, list[float]] = {"ceasefire_day": [], **{k: [] for k in inputs}}
    skipped = 0
    big = float(s.horizon_days + 1)  # no ceasefire ranks above every day
    for t in range(a.truths):
        truth = {c: v[t] for c, v in table.items()}
        record = [o for o in record_of(list(s.observations), truth, rng, s.start) if o is not None]
        world = s.model_copy(update={"observations": record})
        try:
            r = sim.run(world, replicates=a.particles, seed=a.seed + t, as_of=as_of, resample=True)
        except sim.RunError:
            skipped += 1
            continue
        w = r.weights
        for name in pits:
            x = np.nan_to_num(r.days(name), nan=big)
            true = float(np.nan_to_num(truth[name], nan=big))
            pits[name].append(pit(x, w, true, float(rng.random())))
        if (t + 1) % 10 == 0:
            print(f"  {t + 1} truths", flush=True)
    print(f"{a.truths} truths, {skipped} that no conditioned future fits (left out)")
    for name, p in pits.items():
        ks = stats.kstest(p, "uniform")
        hist = np.histogram(p, bins=5, range=(0, 1))[0].tolist()
        verdict = "uniform at 1%" if ks.pvalue >= 0.01 else "NOT uniform at 1%"
        print(f"{name:<48} n={len(p):4d}  KS p={ks.pvalue:.3f} ({verdict})  fifths {hist}")


if __name__ == "__main__":
    main()
