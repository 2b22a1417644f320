"""Engine benchmark (not a test): replicate-rounds per second, vectorized vs one at a time, memory.

    python bench/bench_engine.py [--replicates 100000] [--workers 2]
    python bench/bench_engine.py --yardstick [--replicates 8192]

Prints the figures recorded in docs/performance.md. ``--yardstick`` instead measures, in one
process, the engine's cost per replicate-round (1 worker, after a warm-up run so that numba's
compilation is left out) against a yardstick: one "round" of 25 elementwise numpy operations
on float64 arrays of 4,096 replicates, the cost of a round that array code cannot beat by
much. It prints both in ns per replicate-round and their ratio, for the baseline and for a
history case with daily rounds and the same case with weekly rounds.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

import sim  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
DAILY_CASE = ROOT / "scenarios" / "history" / "cyprus_1974.yaml"  # round_days: 1
FloatArray = NDArray[np.float64]
YARD_N = 4_096  # replicates in the yardstick's arrays (a chunk)


def rounds_of(s: sim.Scenario) -> int:
    return -(-s.horizon_days // s.round_days)


def timed(s: sim.Scenario, **kw: object) -> float:
    t0 = time.perf_counter()
    sim.run(s, seed=7, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t0


def peak_rss_mib(replicates: int) -> float:
    """Peak resident memory of a fresh process running ``replicates`` on one worker."""
    # VmHWM (peak resident set of this address space) rather than ru_maxrss, which Linux
    # carries over from the forking parent across exec.
    code = (
        "import re, sim;"
        f"sim.run(sim.load_scenario({str(BASELINE)!r}, sim.library_calibration()), "
        f"replicates={replicates}, seed=7);"
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def yard_round(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """One yardstick round: 25 elementwise operations on float64 arrays."""
    x = a * b + c  # 2
    y = np.maximum(x, 0.0) - 0.5 * a  # 3
    z = np.where(y > b, x, y)  # 2
    w = np.minimum(z * c, 1.0) + b * b  # 4
    v = np.where(w < a, w, a) * 0.9  # 3
    u = (v + x) * (y - z)  # 3
    t = np.maximum(u, w) + v * 0.1  # 3
    s = np.where(t > 0.0, t, -t) - c  # 4
    return np.asarray(s * 0.5)  # 1


def yardstick_ns(rounds: int = 400, repeats: int = 9) -> float:
    """Best of ``repeats``: ns per replicate-round of the yardstick on YARD_N replicates."""
    rng = np.random.default_rng(0)
    a, b, c = (rng.random(YARD_N) for _ in range(3))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(rounds):
            a = yard_round(a, b, c)
        best = min(best, time.perf_counter() - t0)
    return best / (rounds * YARD_N) * 1e9


def engine_ns(s: sim.Scenario, replicates: int) -> tuple[float, float]:
    """(ns per replicate-round, s of wall) of a 1-worker run, after a warm-up run."""
    sim.run(s, replicates=min(replicates, 512), seed=1, workers=1)
    wall = timed(s, replicates=replicates, workers=1)
    return wall / (replicates * rounds_of(s)) * 1e9, wall


# the daily case as it is, with weekly rounds (its talks still meet daily: every_days 1), and
# with weekly rounds and talks (the negotiation and the Council's standing call every 7 days)
CASE_VARIANTS = {
    "daily rounds": [],
    "weekly rounds": ["round_days=7"],
    "weekly rounds and talks": [
        "round_days=7",
        "negotiation.every_days=7",
        "proposals.1.every_days=7",
    ],
}


def yardstick(replicates: int, case_replicates: int) -> None:
    yard = yardstick_ns()
    base, wall = engine_ns(sim.load_scenario(BASELINE, sim.library_calibration()), replicates)
    cases = {}
    for name, overrides in CASE_VARIANTS.items():
        s = sim.load_scenario(DAILY_CASE, overrides=[*sim.library_calibration(), *overrides])
        cases[name] = (rounds_of(s), *engine_ns(s, case_replicates))
    yard = min(yard, yardstick_ns())  # best of before and after: the machine may be shared
    print(
        f"yardstick: 25 elementwise ops on {YARD_N:,} float64 replicates: {yard:.2f} ns per replicate-round"
    )
    print(
        f"{BASELINE.name} ({replicates:,} replicates, 1 worker, {wall:.2f} s): "
        f"{base:,.0f} ns per replicate-round = {base / yard:,.0f}x the yardstick"
    )
    for name, (rounds, ns, w) in cases.items():
        print(
            f"{DAILY_CASE.name}, {name} ({rounds} rounds, {case_replicates:,} replicates, "
            f"{w:.2f} s): {ns:,.0f} ns per replicate-round = {ns / yard:,.0f}x the yardstick"
        )
    daily = cases["daily rounds"][2]
    for name in ("weekly rounds", "weekly rounds and talks"):
        print(f"wall of the same horizon, daily rounds / {name}: {daily / cases[name][2]:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--replicates", type=int, default=None, help="default 100,000 (8,192 with --yardstick)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--single", type=int, default=200, help="replicates for the one-at-a-time run")
    ap.add_argument("--yardstick", action="store_true", help="engine cost against the yardstick")
    ap.add_argument(
        "--case-replicates",
        type=int,
        default=2048,
        help="replicates of the daily case (--yardstick)",
    )
    a = ap.parse_args()
    if a.yardstick:
        yardstick(a.replicates or 8_192, a.case_replicates)
        return
    a.replicates = a.replicates or 100_000
    s = sim.load_scenario(BASELINE, sim.library_calibration())  # as every command runs it
    r = rounds_of(s)
    sim.run(s, replicates=500, seed=1)  # warm imports and caches

    wall_1 = timed(s, replicates=a.replicates, workers=1)
    wall_w = timed(s, replicates=a.replicates, workers=a.workers)
    wall_single = timed(s, replicates=a.single, workers=1, chunk_size=1)
    vec_rate = a.replicates * r / wall_1
    single_rate = a.single * r / wall_single
    print(f"scenario: {BASELINE.name}, {r} rounds, {a.replicates:,} replicates")
    print(f"1 worker : {wall_1:6.2f} s wall  {vec_rate:12,.0f} replicate-rounds/s")
    print(
        f"{a.workers} workers: {wall_w:6.2f} s wall  {a.replicates * r / wall_w:12,.0f} replicate-rounds/s"
    )
    print(
        f"one replicate at a time (chunk size 1, {a.single} replicates): {single_rate:,.0f} replicate-rounds/s"
    )
    print(f"vectorized / one-at-a-time throughput: {vec_rate / single_rate:,.0f}x")
    for n in (4_096, 40_960, 409_600):
        print(f"peak RSS, {n:>7,} replicates, 1 worker: {peak_rss_mib(n):7.1f} MiB")
    print(
        f"(this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
