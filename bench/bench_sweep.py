"""Benchmark: a 200-point LHS sweep x 2,000 replicates on the baseline, local pool vs Dask."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.studies.sweep import sweep

VARY = ["pressures.sanctions.level=0.2:1", "actors.russia.stalling.prior=0:1"]


def timed(label: str, **kw: object) -> tuple[float, pd.DataFrame]:
    out = Path(tempfile.mkdtemp(prefix="bench-sweep-")) / "s"
    t0 = time.perf_counter()
    res = sweep("scenarios/baseline.yaml", VARY, design="lhs", out=out, figures=False, **kw)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    shutil.rmtree(out.parent, ignore_errors=True)
    print(f"{label:<28} {wall:7.1f} s")
    return wall, res.table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("-n", "--replicates", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-dask", action="store_true")
    a = ap.parse_args()
    kw = dict(samples=a.samples, replicates=a.replicates, seed=a.seed, workers=a.workers)
    print(f"{a.samples}-point LHS sweep x {a.replicates} replicates, {a.workers} workers")
    local, t_local = timed("local process pool", **kw)
    if not a.no_dask:
        dask, t_dask = timed("dask LocalCluster", scheduler="local", **kw)
        pd.testing.assert_frame_equal(t_local, t_dask)
        print(
            f"dask overhead vs local pool: {dask - local:+.1f} s ({100 * (dask / local - 1):+.1f}%); "
            "tables identical"
        )


if __name__ == "__main__":
    main()
