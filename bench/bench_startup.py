"""Startup benchmark (not a test): wall time of the quick verbs, each in a fresh process.

    python bench/bench_startup.py [--runs 7]

Every command runs in a new interpreter, as when a user types it; the first run of each
is a warm-up (file cache, bytecode) and is not counted, the rest give the median (and
min/max). It also names the heavy packages each command imports, and the floor: Python
alone, and Python with pydantic and PyYAML (which validate needs). Bytecode caching
matters here: with PYTHONDONTWRITEBYTECODE set, sim's own modules are compiled on
every start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "scenarios/baseline.yaml"
HEAVY = ("numpy", "scipy", "pandas", "pyarrow", "matplotlib", "sim.model.engine")

# label -> (arguments after `sim`, target wall seconds or None)
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "sim --version": (["--version"], 0.3),
    f"sim validate {BASELINE}": (["validate", BASELINE], 0.8),
    f"sim show {BASELINE}": (["show", BASELINE], None),
    "sim schema": (["schema"], None),
}
FLOOR: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import pydantic, yaml'": ["-c", "import pydantic, yaml"],
}


def sim_command() -> list[str]:
    """The console script beside this interpreter, else ``python -m sim``."""
    script = Path(sys.executable).with_name("sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def wall_times(cmd: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        if i:  # the first run warms the caches
            times.append(time.perf_counter() - t0)
    return times


def heavy_imports(args: list[str]) -> list[str]:
    """The heavy packages (HEAVY) that ``sim ARGS`` imports, from ``python -X importtime``."""
    cmd = [sys.executable, "-X", "importtime", "-m", "sim", *args]
    err = subprocess.run(
        cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ).stderr
    found = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "|" in line}
    return [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in found)]


def row(label: str, times: list[float], target: float | None, heavy: str) -> str:
    med = statistics.median(times)
    mark = "" if target is None else (" ok" if med <= target else " SLOW")
    goal = "" if target is None else f"<= {target:.1f}{mark}"
    return f"{label:<42} {med:6.3f} {min(times):6.3f} {max(times):6.3f}  {goal:<10} {heavy}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    args = ap.parse_args()
    bytecode = (
        "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    )
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, bytecode cache {bytecode}")
    print(f"median of {args.runs} runs after one warm-up; wall seconds\n")
    print(f"{'command':<42} {'median':>6} {'min':>6} {'max':>6}  {'target':<10} heavy imports")
    sim = sim_command()
    for label, (cmd_args, target) in COMMANDS.items():
        times = wall_times([*sim, *cmd_args], args.runs)
        heavy = ", ".join(heavy_imports(cmd_args)) or "none"
        print(row(label, times, target, heavy))
    for label, py_args in FLOOR.items():
        print(row(label, wall_times([sys.executable, *py_args], args.runs), None, ""))


if __name__ == "__main__":
    main()
