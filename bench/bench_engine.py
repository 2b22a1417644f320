"""Engine benchmark (not a test): replicate-rounds per second, vectorized vs one at a time, memory.

    python bench/bench_engine.py [--replicates 100000] [--workers 2]

Prints the figures recorded in docs/performance.md.
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

import sim  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"


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
        f"sim.run(sim.load_scenario({str(BASELINE)!r}), replicates={replicates}, seed=7);"
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--replicates", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--single", type=int, default=200, help="replicates for the one-at-a-time run")
    a = ap.parse_args()
    s = sim.load_scenario(BASELINE)
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
