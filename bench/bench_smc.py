"""As-of conditioning benchmark (not a test): resample-move against brute-force weighting.

    python bench/bench_smc.py [--particles 20000] [--brute 1000000] [--as-of 2025-11-01]
                              [--workers 2] [--seed 1] [--checkpoint DIR] [--repeat K]

On the Russia–Ukraine 2025 case (its record of May–December 2025), conditions the forecast as
of one date three ways and prints, for each, P(ceasefire by the horizon) with its 95% interval,
the effective sample, the distinct futures and the wall time:

* resample-move with ``--particles`` futures (``sim.run(..., resample=True)``);
* plain weighting of a run of the same size (what ``--as-of`` does without ``--resample``);
* plain weighting of a run of ``--brute`` futures (the reference; ``--checkpoint`` keeps its
  chunks so an interrupted reference run resumes).

and whether the resampled estimate and the reference agree within their combined 95% intervals
(the half-widths added in quadrature). ``--repeat K`` also times the resampled, the weighted
and the plain run (no ``--as-of``) of the same size K times in turn and prints the median
ratios. docs/performance.md and docs/validation.md record the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import sim  # noqa: E402

CASE = ROOT / "scenarios" / "history" / "russia_ukraine_2025.yaml"


def measure(label: str, **kw: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = sim.run(sim.load_scenario(CASE), progress=False, **kw)
    wall = time.perf_counter() - t0
    s = r.summary()
    c, p = s["conditioning"], s["p_ceasefire"]
    row = {
        "label": label,
        "n": r.n,
        "p": p["estimate"],
        "lo": p["ci_low"],
        "hi": p["ci_high"],
        "ess": c["ess"],
        "wall": wall,
        "ancestors": c.get("distinct_ancestors"),
        "parents": c.get("distinct_parents"),
        "consistent": c["consistent"],
        # distinct futures: the front line at the horizon differs between futures that differ
        "futures": int(np.unique(np.asarray(r.column("final_control"))[r.weights > 0]).size),
    }
    print(
        f"{label:<28} n={r.n:>9,}  P={100 * row['p']:6.2f}%  95% CI {100 * row['lo']:5.2f}–"
        f"{100 * row['hi']:5.2f}%  ESS {row['ess']:>9,.0f}  consistent {row['consistent']:>9,}"
        + (
            f"  ancestors {row['ancestors']:,}  parents at last resampling {row['parents']:,}"
            f"  distinct futures {row['futures']:,}"
            if row["ancestors"] is not None
            else ""
        )
        + f"  {wall:7.1f} s",
        flush=True,
    )
    return row


def timed(**kw: Any) -> float:
    t0 = time.perf_counter()
    sim.run(sim.load_scenario(CASE), progress=False, **kw)
    return time.perf_counter() - t0


def ratios(a: argparse.Namespace) -> None:
    """The resampled run's wall time over the weighted run's and over the plain run's, each
    of ``a.particles`` futures, timed ``a.repeat`` times in turn: every ratio and the medians."""
    size = {"replicates": a.particles, "seed": a.seed, "workers": a.workers}
    over_weighted, over_plain = [], []
    for _ in range(a.repeat):
        smc = timed(as_of=a.as_of, resample=True, **size)
        weighted = timed(as_of=a.as_of, **size)
        plain = timed(**size)
        over_weighted.append(smc / weighted)
        over_plain.append(smc / plain)
        print(
            f"  resample-move {smc:5.1f} s, weighting {weighted:5.1f} s, plain {plain:5.1f} s: "
            f"{smc / weighted:.2f}x, {smc / plain:.2f}x",
            flush=True,
        )
    print(
        f"median over {a.repeat}: resample-move / weighting {np.median(over_weighted):.2f}x, "
        f"resample-move / plain run {np.median(over_plain):.2f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--particles", type=int, default=20_000)
    ap.add_argument("--brute", type=int, default=1_000_000)
    ap.add_argument("--as-of", default="2025-11-01")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time the resampled, the weighted and the plain run (no --as-of) of the same size\n"
        "this many times in turn and print the median ratios (wall times vary 10-20%% run to run)",
    )
    a = ap.parse_args()
    common = {"as_of": a.as_of, "workers": a.workers}
    sim.run(sim.load_scenario(CASE), replicates=300, seed=0)  # compile numba's kernels first
    smc = measure("resample-move", replicates=a.particles, seed=a.seed, resample=True, **common)
    same = measure("weighting, same size", replicates=a.particles, seed=a.seed, **common)
    print(f"resample-move / weighting wall time: {smc['wall'] / same['wall']:.2f}x")
    if a.repeat > 1:
        ratios(a)
    if a.brute:
        ref = measure(
            "weighting, reference",
            replicates=a.brute,
            seed=a.seed + 1,
            checkpoint=a.checkpoint,
            **common,
        )
        half = float(np.hypot((smc["hi"] - smc["lo"]) / 2, (ref["hi"] - ref["lo"]) / 2))
        gap = abs(smc["p"] - ref["p"])
        verdict = "agree" if gap <= half else "DISAGREE"
        print(
            f"resample-move vs reference: difference {100 * gap:.2f} points, combined 95% "
            f"half-width {100 * half:.2f} points: {verdict}"
        )


if __name__ == "__main__":
    main()
