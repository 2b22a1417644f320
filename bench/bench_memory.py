"""Memory benchmark (not a test): peak resident memory of `sim run` per process, parent and workers.

    python bench/bench_memory.py [--replicates 1000000] [--workers 2]

Runs `sim run scenarios/baseline.yaml -n N --workers W --no-report --quiet` and samples
the resident set (VmRSS) of the parent and of each worker process every 0.1 s.
Prints the peaks recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--replicates", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "-n",
            str(a.replicates),
            "--workers",
            str(a.workers),
            "--no-report",
            "--quiet",
            "--out",
            str(Path(tmp) / "run"),
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        parent = 0.0
        workers: dict[int, float] = {}
        while proc.poll() is None:
            parent = max(parent, rss_mib(proc.pid))
            for c in children(proc.pid):
                workers[c] = max(workers.get(c, 0.0), rss_mib(c))
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        _, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"sim run failed ({proc.returncode}): {err.decode()[-2000:]}")
    print(f"sim run baseline -n {a.replicates:,} --workers {a.workers}: {wall:.1f} s wall")
    print(f"peak RSS, parent: {parent:7.1f} MiB")
    for i, (pid, m) in enumerate(sorted(workers.items())):
        print(f"peak RSS, worker {i + 1} (pid {pid}): {m:7.1f} MiB")


if __name__ == "__main__":
    main()
