"""Parameter sweeps: designs (grid, LHS, Sobol), point execution (local pool or Dask), checkpoints.

A sweep varies numeric scenario paths over a design, runs every point with the same
seed (common random numbers, unless ``independent``) and commits each finished point
to ``points/<i>.json`` as it completes; ``manifest.json`` (written once, first) fixes
the scenario hash, seed, replicates and the points, so ``resume`` runs only the
missing points and rebuilds the same ``sweep.parquet``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .atomic import atomic_write_json, atomic_write_parquet
from .errors import RunError, ScenarioError, SimError, UsageError
from .results import jsonable

__all__ = [
    "DESIGNS",
    "SweepResults",
    "Vary",
    "design_points",
    "parse_vary",
    "scenario_at",
    "sweep",
]

DESIGNS = ("grid", "lhs", "sobol")
SCHEDULER_TIMEOUT_S = 5  # seconds to wait for a Dask scheduler before giving up
MANIFEST = "manifest.json"
POINTS_DIR = "points"
# Fields of the manifest that must agree for --resume to continue a folder.
RESUME_KEYS = ("scenario_sha256", "seed", "replicates", "independent", "design", "vary", "points")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class ResumeMismatch(UsageError):
    """``--resume`` names a folder written by a different sweep (scenario, seed, ...)."""


class SchedulerUnreachable(RunError):
    """The Dask scheduler given with ``--scheduler`` cannot be reached."""


# ----------------------------------------------------------------------------- vary specs


@dataclass(frozen=True)
class Vary:
    """One varied path: a range ``lo..hi`` with ``steps`` grid values, or explicit ``values``."""

    path: str
    lo: float
    hi: float
    steps: int | None = None
    values: tuple[float, ...] | None = None

    def grid(self) -> list[float]:
        if self.values is not None:
            return list(self.values)
        return [float(x) for x in np.linspace(self.lo, self.hi, self.steps or 2)]

    def scale(self, u: np.ndarray) -> np.ndarray:
        """Unit-cube coordinates → values (LHS/Sobol); a value list is sampled by index."""
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            picked: np.ndarray = np.asarray(self.values, dtype=float)[idx]
            return picked
        return np.asarray(self.lo + u * (self.hi - self.lo), dtype=float)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "lo": self.lo,
            "hi": self.hi,
            "steps": self.steps,
            "values": list(self.values) if self.values is not None else None,
        }


def parse_vary(spec: str | Vary) -> Vary:
    """``PATH=LO:HI:STEPS`` (or ``PATH=LO:HI`` for LHS/Sobol) or ``PATH=v1,v2,...``."""
    if isinstance(spec, Vary):
        return spec
    path, sep, text = str(spec).partition("=")
    path, text = path.strip(), text.strip()
    if not sep or not path or not text:
        raise UsageError(f"--vary expects PATH=LO:HI:STEPS or PATH=v1,v2,... (got {spec!r})")
    if ":" in text:
        parts = [p.strip() for p in text.split(":")]
        if len(parts) not in (2, 3) or not all(re.fullmatch(_NUMBER, p) for p in parts[:2]):
            raise UsageError(f"--vary {path}: expected LO:HI:STEPS with numbers (got {text!r})")
        lo, hi = float(parts[0]), float(parts[1])
        if lo > hi:
            raise UsageError(f"--vary {path}: LO must not exceed HI (got {lo:g} > {hi:g})")
        steps = None
        if len(parts) == 3:
            if not re.fullmatch(r"\d+", parts[2]):
                raise UsageError(f"--vary {path}: STEPS must be a whole number (got {parts[2]!r})")
            steps = int(parts[2])
            if steps < 2:
                raise UsageError(f"--vary {path}: STEPS must be at least 2 (got {steps})")
        return Vary(path, lo, hi, steps)
    items = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in items if not re.fullmatch(_NUMBER, p)]
    if bad or not items:
        raise UsageError(f"--vary {path}: values must be numbers (got {bad[0] if bad else text!r})")
    values = tuple(float(p) for p in items)
    return Vary(path, min(values), max(values), None, values)


def design_points(
    vary: Sequence[Vary], design: str = "grid", samples: int | None = None, seed: int = 0
) -> list[dict[str, float]]:
    """The points of a design: a list of {path: value}; LHS/Sobol are seeded from ``seed``."""
    if design not in DESIGNS:
        raise UsageError(f"design must be one of {', '.join(DESIGNS)} (got {design!r})")
    if not vary:
        raise UsageError("a sweep needs at least one --vary PATH=...")
    paths = [v.path for v in vary]
    if len(set(paths)) != len(paths):
        raise UsageError(
            f"a path is varied twice: {sorted({p for p in paths if paths.count(p) > 1})}"
        )
    if design == "grid":
        for v in vary:
            if v.values is None and v.steps is None:
                raise UsageError(f"--vary {v.path}: a grid needs LO:HI:STEPS or a list of values")
        grids = np.meshgrid(*[v.grid() for v in vary], indexing="ij")
        flat = np.stack([g.ravel() for g in grids], axis=1)
        return [dict(zip(paths, map(float, row), strict=True)) for row in flat]
    if samples is None or samples < 1:
        raise UsageError(f"--design {design} needs --samples K (K >= 1)")
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5EE9,)))
    d = len(vary)
    if design == "lhs":
        u = qmc.LatinHypercube(d=d, rng=rng).random(samples)
    else:
        m = samples.bit_length() - 1
        if 2**m != samples:
            lower = 2**m
            upper = lower * 2
            near = lower if samples - lower <= upper - samples else upper
            raise UsageError(
                f"--samples for a Sobol design must be a power of two (got {samples}; "
                f"nearest is {near})"
            )
        u = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m)
    cols = [v.scale(u[:, j]) for j, v in enumerate(vary)]
    return [{p: float(c[i]) for p, c in zip(paths, cols, strict=True)} for i in range(samples)]


# ----------------------------------------------------------------------------- scenarios


def _get(tree: Any, path: str) -> Any:
    node = tree
    for part in path.split("."):
        if isinstance(node, list) and re.fullmatch(r"\d+", part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


_MISSING = object()


def check_numeric_path(tree: dict[str, Any], path: str) -> None:
    """UsageError unless ``path`` holds a number or a distribution in the raw tree."""
    from .scenario.distributions import DISTRIBUTIONS

    v = _get(tree, path)
    if v is _MISSING:
        return  # set_path/validation say precisely what is wrong
    is_dist = isinstance(v, dict) and len(v) == 1 and next(iter(v)) in DISTRIBUTIONS
    if isinstance(v, bool) or not (isinstance(v, (int, float)) or is_dist):
        raise UsageError(
            f"--vary {path}: not a numeric field (it holds {json.dumps(jsonable(v), ensure_ascii=False)[:60]})"
        )


def apply_values(tree: dict[str, Any], values: dict[str, Any], marks: Any = None) -> dict[str, Any]:
    """A copy of ``tree`` with each path set; correlations of paths made constant are dropped."""
    from .scenario.loader import set_path

    out = copy.deepcopy(tree)
    for path, value in values.items():
        set_path(out, path, value, marks, origin="--vary")
    fixed = {p for p, v in values.items() if not isinstance(v, dict)}
    if isinstance(out.get("correlations"), list) and fixed:
        out["correlations"] = [
            c
            for c in out["correlations"]
            if not (isinstance(c, dict) and fixed & set(map(str, c.get("between") or [])))
        ]
    return out


def scenario_at(tree: dict[str, Any], marks: Any, values: dict[str, Any]) -> Any:
    """The validated Scenario with ``values`` applied to the raw ``tree``."""
    from .scenario.loader import validate_loaded

    m = copy.deepcopy(marks) if marks is not None else None
    return validate_loaded(apply_values(tree, values, m), m)


# ----------------------------------------------------------------------------- one point


def point_stats(results: Any) -> dict[str, Any]:
    """The statistics kept per point: the run summary without timing, plus split-half medians."""
    s = dict(results.summary())
    s.pop("wall_seconds", None)
    # Split-half estimate of run-to-run chance in the median (sensitivity analysis uses it).
    days = results.outcomes["ceasefire_day"].to_numpy(dtype=float)
    h = results.horizon_days
    halves = [fast_median(days[: len(days) // 2], h), fast_median(days[len(days) // 2 :], h)]
    s["median_split_halves"] = halves
    return jsonable(s)  # type: ignore[no-any-return]


def fast_median(days: np.ndarray, horizon: float) -> float | None:
    """Kaplan–Meier median when every censoring is at the horizon: the ceil(n/2)-th event day."""
    n = len(days)
    if n == 0:
        return None
    t = np.sort(np.where(np.isnan(days), np.inf, days))
    k = math.ceil(n / 2) - 1
    return float(t[k]) if np.isfinite(t[k]) else None


def run_point(job: tuple[Any, int, int]) -> dict[str, Any]:
    """Run one point (scenario, replicates, seed) in this process; return its statistics."""
    from .engine.runner import run

    scenario, replicates, seed = job
    return point_stats(run(scenario, replicates=replicates, seed=seed, workers=1))


# ----------------------------------------------------------------------------- executors


# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also pins glibc's
# mmap threshold: every engine temporary of a few MB is then mmap'ed and page-faulted
# afresh, and a sweep point ran 2.3x slower than in a plain process (0.54 s vs 0.23 s
# measured here). Serving such blocks from the heap again restores the local speed.
WORKER_MMAP_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_"
WORKER_MMAP_THRESHOLD = 64 * 2**20  # bytes


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int = 1) -> Iterator[Any]:
    """A dask.distributed Client: ``"local"`` starts a LocalCluster (processes, loopback)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install -e '.[dask]'") from None
    if scheduler == "local":
        import dask

        with dask.config.set({WORKER_MMAP_SETTING: str(WORKER_MMAP_THRESHOLD)}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    addr = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    try:
        client = Client(addr, timeout=f"{SCHEDULER_TIMEOUT_S}s")
    except Exception as e:  # refused, timed out, or not a Dask scheduler at all
        raise SchedulerUnreachable(
            f"cannot reach the Dask scheduler at {addr} within {SCHEDULER_TIMEOUT_S} s "
            f"({type(e).__name__}); is 'dask scheduler' running there?"
        ) from None
    try:
        yield client
    finally:
        client.close()


def _map_unordered(
    fn: Callable[[Any], Any], jobs: dict[int, Any], workers: int, scheduler: Any
) -> Iterator[tuple[int, Any]]:
    """Yield (key, fn(job)) as each job finishes: ``scheduler`` is an address or a dask Client."""
    if not jobs:
        return
    if scheduler is not None:
        from distributed import as_completed as dask_completed

        cm = (
            dask_client(scheduler, workers)
            if isinstance(scheduler, str)
            else contextlib.nullcontext(scheduler)
        )
        with cm as client:
            futs = {
                client.submit(fn, job, pure=False, key=f"sim-point-{k}-{os.getpid()}-{id(jobs)}"): k
                for k, job in jobs.items()
            }
            try:
                for f in dask_completed(list(futs)):
                    yield futs[f], f.result()
            finally:
                client.cancel(list(futs))
        return
    if workers <= 1 or len(jobs) == 1:
        for k, job in jobs.items():
            yield k, fn(job)
        return
    import multiprocessing as mp

    pool: Executor = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=mp.get_context("fork")
    )
    try:
        pfuts = {pool.submit(fn, job): k for k, job in jobs.items()}
        for f in as_completed(pfuts):
            yield pfuts[f], f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------- results


@dataclass
class SweepResults:
    """A sweep: one row per point in ``table`` (varied values then statistics), plus its manifest."""

    table: pd.DataFrame
    manifest: dict[str, Any]
    points: list[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None

    @property
    def paths(self) -> list[str]:
        return [v["path"] for v in self.manifest["vary"]]

    def plot(self, ax: Any = None) -> Any:
        """One path: P(ceasefire) with its band; two: heatmap; more: partial-dependence grid."""
        return plot_sweep(self.table, self.paths, ax=ax)


def _row(values: dict[str, float], st: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict(values)
    for key in ("p_ceasefire", "p_in_force_at_horizon", "p_truce"):
        e = st.get(key) or {}
        row[key] = e.get("estimate")
        row[f"{key}_ci_low"] = e.get("ci_low")
        row[f"{key}_ci_high"] = e.get("ci_high")
    row["median_days_to_ceasefire"] = st.get("median_days_to_ceasefire")
    for issue, t in (st.get("terms") or {}).items():
        row[f"terms_mean.{issue}"] = t.get("mean")
    row["threats_fired"] = st.get("threats_fired")
    return row


def build_table(points: list[dict[str, float]], stats: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"point": i, **_row(p, s)} for i, (p, s) in enumerate(zip(points, stats, strict=True))]
    df = pd.DataFrame(rows)
    for c in df.columns:
        if c != "point":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {str(path)!r}: {e}") from None


# ----------------------------------------------------------------------------- sweep


def point_seed(seed: int, i: int, independent: bool) -> int:
    """The seed of point ``i``: the sweep's seed (common random numbers) or a distinct one."""
    if not independent:
        return seed
    return int(np.random.SeedSequence(seed, spawn_key=(0x1D, i)).generate_state(1, np.uint32)[0])


def sweep(
    scenario_path: str | os.PathLike[str] | None,
    vary: Sequence[str | Vary] = (),
    design: str = "grid",
    samples: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    resume: str | os.PathLike[str] | None = None,
    independent: bool = False,
    overrides: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    figures: bool = True,
) -> SweepResults:
    """Run ``scenario_path`` at every point of a design over ``vary``; see the module docstring.

    With ``resume`` (a folder of an earlier sweep) the varied paths, design and
    replicates default to the manifest's, and only the points without a
    ``points/<i>.json`` are run. ``out`` defaults to results/<scenario>-sweep-<time>/.
    """
    from .scenario.loader import load_tree, scenario_sha256, validate_loaded

    if scenario_path is None:  # resume from the manifest alone
        if resume is None:
            raise UsageError("sweep needs a scenario file (or --resume DIR)")
        prior = _read_json(Path(resume) / MANIFEST) if (Path(resume) / MANIFEST).is_file() else {}
        if "scenario_file" not in prior:
            raise UsageError(f"--resume {str(resume)!r}: not a sweep folder (no {MANIFEST})")
        scenario_path = prior["scenario_file"]
        overrides = prior.get("overrides") if overrides is None else overrides
        seed = prior.get("seed") if seed is None else seed
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be an integer >= 1 (got {workers!r})")
    tree, marks = load_tree(scenario_path, list(overrides or []))
    base = validate_loaded(copy.deepcopy(tree), copy.deepcopy(marks))
    sha = scenario_sha256(base)
    seed = base.run.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an integer >= 0 (got {seed!r})")

    old: dict[str, Any] | None = None
    if resume is not None:
        folder = Path(resume)
        if not (folder / MANIFEST).is_file():
            raise UsageError(f"--resume {str(folder)!r}: not a sweep folder (no {MANIFEST})")
        old = _read_json(folder / MANIFEST)
        if old.get("scenario_sha256") != sha:
            raise ResumeMismatch(
                f"--resume {str(folder)!r} was written for another scenario "
                f"({old.get('scenario')!r}, sha256 {str(old.get('scenario_sha256'))[:12]}...); "
                "use the same scenario file and --set overrides"
            )
        if old.get("seed") != seed:
            raise ResumeMismatch(
                f"--resume {str(folder)!r} was run with seed {old.get('seed')}, not {seed}; "
                f"add --seed {old.get('seed')}"
            )
        if not vary:
            vary = [_vary_from_json(v) for v in old["vary"]]
            design, samples = old["design"], old.get("samples")
            independent = bool(old["independent"])
            replicates = old["replicates"] if replicates is None else replicates
    specs = [parse_vary(v) for v in vary]
    n = base.run.replicates if replicates is None else replicates
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UsageError(f"replicates must be an integer >= 1 (got {n!r})")
    for v in specs:
        check_numeric_path(tree, v.path)
    points = design_points(specs, design, samples, seed)

    # Validate every point before running anything: a bad path or value fails fast.
    scenarios = []
    for p in points:
        try:
            scenarios.append(scenario_at(tree, marks, p))
        except ScenarioError as e:
            first = e.problems[0]
            vals = ", ".join(f"{k}={v:g}" for k, v in p.items())
            raise ScenarioError(
                [
                    type(first)(
                        f"{first.message} (at sweep point {vals})",
                        first.file,
                        first.line,
                        first.column,
                        first.path,
                    )
                ]
            ) from None
    manifest = {
        "kind": "sim-sweep",
        "scenario": base.name,
        "scenario_file": os.path.abspath(scenario_path),
        "description": base.description,
        "version": __version__,
        "overrides": list(overrides or []),
        "scenario_sha256": sha,
        "seed": seed,
        "replicates": n,
        "independent": bool(independent),
        "design": design,
        "samples": samples,
        "vary": [v.to_json() for v in specs],
        "points": points,
    }
    manifest = jsonable(manifest)
    stack = contextlib.ExitStack()
    client = stack.enter_context(dask_client(scheduler, workers)) if scheduler else None
    with stack:
        return _sweep_run(
            manifest,
            old,
            resume,
            out,
            base.name,
            scenarios,
            seed,
            n,
            independent,
            workers,
            client,
            progress,
            figures,
        )


def _sweep_run(
    manifest: dict[str, Any],
    old: dict[str, Any] | None,
    resume: Any,
    out: Any,
    name: str,
    scenarios: list[Any],
    seed: int,
    n: int,
    independent: bool,
    workers: int,
    client: Any,
    progress: Callable[[int, int], None] | None,
    figures: bool,
) -> SweepResults:
    from .results import default_folder

    points = manifest["points"]
    if old is not None:
        for k in RESUME_KEYS:
            if jsonable(old.get(k)) != manifest[k]:
                raise ResumeMismatch(
                    f"--resume {str(resume)!r} was a different sweep ({k} differs); "
                    "repeat the original command with --resume, or leave out --vary to reuse it"
                )
        folder = Path(str(resume))
    else:
        folder = Path(out) if out is not None else default_folder(f"{name} sweep")
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--out {str(folder)!r} is a file, not a folder")
        if folder.is_dir() and any(folder.iterdir()):
            hint = f" (continue it with --resume {folder})" if (folder / MANIFEST).is_file() else ""
            raise UsageError(f"--out {str(folder)!r} is not empty{hint}")
        atomic_write_json(folder / MANIFEST, manifest)

    pdir = folder / POINTS_DIR
    pdir.mkdir(parents=True, exist_ok=True)
    done: dict[int, dict[str, Any]] = {}
    for i in range(len(points)):
        f = pdir / f"{i}.json"
        if f.is_file():
            rec = _read_json(f)
            if rec.get("values") == manifest["points"][i]:
                done[i] = rec["stats"]
    jobs = {
        i: (scenarios[i], n, point_seed(seed, i, independent))
        for i in range(len(points))
        if i not in done
    }
    total = len(points)
    try:
        for i, st in _map_unordered(run_point, jobs, workers, client):
            atomic_write_json(
                pdir / f"{i}.json", {"point": i, "values": manifest["points"][i], "stats": st}
            )
            done[i] = st
            if progress is not None:
                progress(len(done), total)
    except SimError:
        raise
    except (OSError, TimeoutError) as e:
        raise RunError(
            f"sweep interrupted ({type(e).__name__}: {e}); "
            f"finished points are kept, continue with --resume {folder}"
        ) from None

    stats = [done[i] for i in range(total)]
    table = build_table(manifest["points"], stats)
    atomic_write_parquet(folder / "sweep.parquet", table)
    res = SweepResults(table=table, manifest=manifest, points=stats, folder=folder)
    if figures:
        save_sweep_figure(res, folder / "figures")
    return res


def _vary_from_json(v: dict[str, Any]) -> Vary:
    vals = v.get("values")
    return Vary(
        v["path"],
        float(v["lo"]),
        float(v["hi"]),
        v.get("steps"),
        tuple(float(x) for x in vals) if vals is not None else None,
    )


def load_sweep(folder: str | os.PathLike[str]) -> SweepResults:
    """Read a finished sweep folder (manifest, points, sweep.parquet)."""
    p = Path(folder)
    if not (p / MANIFEST).is_file() or not (p / "sweep.parquet").is_file():
        raise UsageError(
            f"{str(p)!r} is not a finished sweep folder (needs {MANIFEST} and sweep.parquet)"
        )
    manifest = _read_json(p / MANIFEST)
    table = pd.read_parquet(p / "sweep.parquet")
    stats = [_read_json(p / POINTS_DIR / f"{i}.json")["stats"] for i in range(len(table))]
    return SweepResults(table=table, manifest=manifest, points=stats, folder=p)


# ----------------------------------------------------------------------------- figures


def plot_sweep(table: pd.DataFrame, paths: list[str], ax: Any = None) -> Any:
    """P(ceasefire) against the varied paths; returns the Axes (the first, for a grid)."""
    from .plots import new_axes, new_figure

    y = "p_ceasefire"
    if len(paths) == 1:
        if ax is None:
            ax = new_axes((6, 4))
        t = table.groupby(paths[0], as_index=False)[[y, f"{y}_ci_low", f"{y}_ci_high"]].mean()
        t = t.sort_values(paths[0])
        ax.fill_between(
            t[paths[0]], t[f"{y}_ci_low"], t[f"{y}_ci_high"], alpha=0.25, label="95% CI"
        )
        ax.plot(t[paths[0]], t[y], marker="o", label="P(ceasefire by horizon)")
        ax.set_xlabel(paths[0])
        ax.set_ylabel("P(ceasefire by horizon)")
        ax.set_ylim(0, 1)
        ax.legend(loc="best")
        return ax
    if len(paths) == 2:
        if ax is None:
            ax = new_axes((6, 5))
        a, b = paths
        if table[a].nunique() * table[b].nunique() == len(table):
            grid = table.pivot_table(index=b, columns=a, values=y, aggfunc="mean")
            im = ax.pcolormesh(
                grid.columns,
                grid.index,
                grid.to_numpy(),
                shading="nearest",
                vmin=0,
                vmax=1,
                cmap="viridis",
            )
        else:
            im = ax.scatter(table[a], table[b], c=table[y], vmin=0, vmax=1, cmap="viridis", s=30)
        ax.figure.colorbar(im, ax=ax, label="P(ceasefire by horizon)")
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        return ax
    k = len(paths)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig = new_figure((4 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, p in enumerate(paths):
        a = axes[j // cols][j % cols]
        x = table[p]
        if x.nunique() > 12:  # LHS/Sobol: partial dependence in deciles of the path
            bins = pd.qcut(x, 10, duplicates="drop")
            t = table.groupby(bins, observed=True).agg(x=(p, "mean"), y=(y, "mean"))
        else:
            t = table.groupby(p).agg(x=(p, "mean"), y=(y, "mean"))
        a.plot(t["x"], t["y"], marker="o")
        a.set_xlabel(p, fontsize=8)
        a.set_ylim(0, 1)
        if j % cols == 0:
            a.set_ylabel("P(ceasefire), averaged")
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return axes[0][0]


def save_sweep_figure(res: SweepResults, folder: Path) -> Path:
    from .plots import save_png

    return save_png(res.plot().figure, folder / "sweep.png")
