"""Paired speed comparison of two versions of the engine (not a test): A/B runs taken in turn.

    python bench/bench_ab.py --base REV [--cases F ...] [--pairs 6] [--replicates 4096]

On a shared machine the speed of one version drifts by a third within an hour, more than most
changes to the engine, so figures taken at different times do not compare
(docs/performance.md). This runs the working tree and the commit REV (checked out in a
temporary git worktree) one after the other, ``--pairs`` times, each pair in a new order, and
reports the CPU seconds of each run (a hindcast of the cases in one process: the runs
conditioned on their record as ``sim hindcast`` makes them, nothing saved or drawn) with
the mean paired difference and its standard error. Each version runs in its own interpreter,
started without site packages' startup hooks so that it imports its own ``sim``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the library's calibration, where each version keeps it (package data since the fit became
# every command's default; a file under scenarios/ before)
CALIBRATIONS = (
    "sim/model/scenario/history_library.yaml",
    "scenarios/calibration/history_library.yaml",
)
DEFAULT_CASES = [
    "scenarios/history/north_yemen_1962.yaml",
    "scenarios/history/arab_israeli_1948.yaml",
    "scenarios/history/offshore_islands_1954.yaml",
    "scenarios/history/armenia_azerbaijan_2022.yaml",
    "scenarios/history/papua_1965.yaml",
    "scenarios/history/biafra_1967.yaml",
]

# what one timed run does, in a fresh interpreter whose sim is the tree given as argv[1]
RUN = """
import sys, time, yaml
root = sys.argv[1]
sys.path.insert(0, root)
import sim
from sim.studies.hindcast import hindcast
assert sim.__file__.startswith(root), sim.__file__
import os
cal_file = next(root + "/" + c for c in {calibrations!r} if os.path.isfile(root + "/" + c))
cal = yaml.safe_load(open(cal_file))["set"]
cases = [root + "/" + c for c in sys.argv[3:]]
hindcast(cases, replicates=128, seed=1, workers=1, overrides=cal)  # compile, warm caches
c0 = time.process_time()
hindcast(cases, replicates=int(sys.argv[2]), seed=1, workers=1, overrides=cal)
print(time.process_time() - c0)
"""


def cpu_seconds(tree: Path, cases: list[str], replicates: int) -> float:
    """CPU seconds of one hindcast of ``cases`` with the ``sim`` of ``tree``."""
    paths = sysconfig.get_paths()
    env = {**os.environ, "PYTHONPATH": f"{tree}:{paths['purelib']}:{paths['platlib']}"}
    code = RUN.format(calibrations=CALIBRATIONS)
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(tree), str(replicates), *cases],
        capture_output=True, text=True, check=True, cwd=tree, env=env,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base", required=True, help="the commit to compare the working tree with")
    ap.add_argument("--cases", nargs="+", default=DEFAULT_CASES, help="history cases (paths)")
    ap.add_argument("--pairs", type=int, default=6, help="runs of each version (default 6)")
    ap.add_argument("--replicates", type=int, default=4096, help="futures per case (4,096)")
    args = ap.parse_args()
    if args.pairs < 2:
        ap.error("--pairs must be at least 2 (a standard error needs two pairs)")
    missing = [c for c in args.cases if not (ROOT / c).is_file()]
    if missing:
        ap.error(f"no such case in the working tree: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="sim-ab-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            rows = []
            for j in range(args.pairs):
                order = [("base", base), ("tree", ROOT)]
                if j % 2:
                    order.reverse()
                got = {name: cpu_seconds(tree, args.cases, args.replicates) for name, tree in order}
                rows.append((got["base"], got["tree"]))
                print(
                    f"pair {j + 1}: {args.base} {got['base']:.2f} s, working tree "
                    f"{got['tree']:.2f} s",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False
            )
    diff = [t - b for b, t in rows]
    mean_b = statistics.mean(b for b, _ in rows)
    mean_d = statistics.mean(diff)
    se = statistics.stdev(diff) / math.sqrt(len(diff))
    print(
        f"{len(args.cases)} cases, {args.replicates:,} futures, {len(rows)} pairs: "
        f"{args.base} {mean_b:.2f} s, working tree {statistics.mean(t for _, t in rows):.2f} s; "
        f"paired difference {mean_d:+.2f} s ({100 * mean_d / mean_b:+.1f}%, standard error "
        f"{se:.2f} s, {100 * se / mean_b:.1f}%)"
    )


if __name__ == "__main__":
    main()
