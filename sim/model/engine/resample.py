"""Resample-move inside a chunk: conditioning on the record by a particle filter.

A run made ``as_of`` a date weighs each replicate by the likelihood of the observations dated
on or before it (sim/model/history.py). Importance weighting alone runs out of futures: every
hard observation throws most of them away. Here the chunk walks its observations in date order
as it simulates; after each observation day it multiplies every replicate's weight by that
day's likelihood and, when the effective sample falls below ``threshold`` times the chunk's
size, draws a new population from the weights (systematic resampling) and continues every copy
from its ancestor's state. The copies then live different futures, because a replicate's chance
is drawn by its position in the chunk, keyed by (mechanism, day) (``WorldBase.rng``): a copy at
another position meets draws its ancestor never used. What was sampled once (parameters, latent
types, when the hidden obstacles lift) stays with the ancestor; nothing is jittered.

Each chunk is its own particle system; chunks are combined by their estimates of the record's
marginal likelihood (the mean weights before each resampling, multiplied), so a replicate's
weight over the run is ``Z_c * w_i`` with ``log`` of it in ``smc.log_weight``. With no
resampling this is the importance weight exactly. ``smc.eve`` is the replicate a future
descends from at the start (copies of one ancestor are not independent: intervals count
ancestors, not futures), ``smc.parent`` the one it descends from at the last resampling.

Reindexing a chunk's state: every NumPy array reachable from the chunk's mechanisms and draws
that has exactly one axis as long as the chunk is per-replicate state, and is reindexed in
place along that axis (views of an array reindexed with it are not touched twice). Arrays with
no such axis are shared by all replicates and stay. Chunks of fewer than ``MIN_PARTICLES``
replicates are not resampled (their other dimensions could be as long as the chunk), only
weighted, which is the same estimate with fewer distinct futures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...errors import RunError
from ..history import log_likelihood
from ..scenario.observations import Observation
from .world import Tracer, WorldBase

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MIN_PARTICLES = 64  # smaller chunks are weighted, never resampled
THRESHOLD = 0.5  # resample when the effective sample falls below this share of the chunk
RESAMPLE_STREAM = "smc.resample"  # the one uniform of systematic resampling, keyed by day
SKIP = frozenset({"spec", "layout"})  # per-run constants hanging off a mechanism


@dataclass(frozen=True)
class Resampling:
    """What a chunk conditions on: the observations dated on or before ``as_of`` (indices into
    the scenario's list, in date order, with the day each is recorded) and when to resample."""

    as_of: dt.date
    start: dt.date
    observations: tuple[Observation, ...]  # every observation of the scenario
    used: tuple[int, ...]  # those dated on or before as_of, in date order
    days: tuple[int, ...]  # the day each used one is recorded (days from start)
    threshold: float = THRESHOLD

    @classmethod
    def of(
        cls,
        observations: list[Observation],
        start: dt.date,
        as_of: dt.date,
        threshold: float = THRESHOLD,
    ) -> Resampling:
        used = sorted(
            (i for i, ob in enumerate(observations) if ob.date <= as_of),
            key=lambda i: (observations[i].date, i),
        )
        days = tuple((observations[i].date - start).days for i in used)
        return cls(as_of, start, tuple(observations), tuple(used), days, threshold)

    def columns(self) -> dict[str, str]:
        return {"smc.log_weight": "float", "smc.eve": "int", "smc.parent": "int"}

    def sums(self) -> dict[str, tuple[int, ...]]:
        """Per used observation: chunks counted, effective sample before resampling (as a
        share of the chunk), chunks that resampled, distinct parents after."""
        k = (len(self.used),)
        return {"smc.chunks": k, "smc.ess": k, "smc.resampled": k, "smc.distinct": k}


def run_weights(log_weights: FloatArray) -> FloatArray | None:
    """The replicates' weights over a resampled run from their ``smc.log_weight`` (scaled to
    sum to the replicate count; None when no replicate of any chunk fits the record)."""
    lw = np.asarray(log_weights, dtype=float)
    if not np.isfinite(lw).any():
        return None
    with np.errstate(under="ignore"):
        w = np.exp(lw - np.max(lw))
    return np.asarray(w * (len(lw) / w.sum()))


def systematic(w: FloatArray, u: float) -> IntArray:
    """Systematic resampling: the ancestors of n new particles from weights ``w`` (>= 0, not all
    0) and one uniform ``u``: particle i descends from the first j with cumsum(w)[j] > (i + u)/n
    of the total. Each j gets floor or ceil of n w_j / sum(w) copies."""
    n = len(w)
    c = np.cumsum(w)
    c /= c[-1]
    idx = np.searchsorted(c, (np.arange(n) + u) / n, side="right")
    return np.minimum(idx, n - 1).astype(np.int64)


class Filter:
    """The particle filter of one chunk: weights, ancestry, and the resampling steps."""

    def __init__(self, plan: Resampling, w: WorldBase, roots: list[Any], offset: int):
        self.plan, self.world, self.roots, self.offset = plan, w, roots, offset
        n = w.n
        self.logw = np.zeros(n)
        self.log_z = 0.0
        self.eve = np.arange(n, dtype=np.int64)
        self.parent = np.arange(n, dtype=np.int64)
        self.applied: set[int] = set()
        self.values: dict[int, FloatArray] = {}  # the recorded observations, as last told
        k = len(plan.used)
        self.stats = {key: np.zeros(k) for key in plan.sums()}
        self.can_resample = n >= MIN_PARTICLES

    def observe(self, values: dict[int, FloatArray]) -> None:
        """After the observations of today were recorded: weigh by those used, resample if the
        effective sample is low."""
        self.values = values
        w = self.world
        today = [
            k
            for k, (i, d) in enumerate(zip(self.plan.used, self.plan.days, strict=True))
            if d == w.day and i not in self.applied
        ]
        if not today:
            return
        for k in today:
            self._weigh(k)
        stats = self.stats
        for k in today:  # the figures after all of today's observations, under each of them
            stats["smc.chunks"][k] += 1
        top = float(np.max(self.logw))
        if not np.isfinite(top):  # no replicate of this chunk fits the record
            return
        r = np.exp(self.logw - top)
        ess = float(np.sum(r)) ** 2 / float(np.sum(r * r))
        resample = self.can_resample and ess < self.plan.threshold * w.n
        if resample:
            self.log_z += top + float(np.log(np.mean(r)))
            u = float(w.rng(RESAMPLE_STREAM, w.day).random())
            idx = systematic(r, u)
            reindex(self.roots, idx, w.n)
            _reindex_tracer(w.tracer, idx, self.offset, w.day)
            self.eve = self.eve[idx]
            self.parent = idx
            self.logw = np.zeros(w.n)
        distinct = float(len(np.unique(self.parent)))
        for k in today:
            stats["smc.ess"][k] += ess / w.n
            stats["smc.resampled"][k] += float(resample)
            stats["smc.distinct"][k] += distinct

    def _weigh(self, k: int) -> None:
        i = self.plan.used[k]
        self.applied.add(i)
        v = self.values.get(i, np.full(self.world.n, np.nan))  # never recorded: not seen
        ll = log_likelihood(self.plan.observations[i], v, self.plan.start)
        self.logw = self.logw + ll

    def finish(self) -> dict[str, NDArray[Any]]:
        """The chunk's columns: log weights (observations never recorded, e.g. dated at the
        horizon, are weighed now), eves and parents as replicate numbers of the run."""
        for k, i in enumerate(self.plan.used):
            if i not in self.applied:
                self._weigh(k)
        return {
            "smc.log_weight": self.log_z + self.logw,
            "smc.eve": self.offset + self.eve,
            "smc.parent": self.offset + self.parent,
        }


# ----------------------------------------------------------------------------- reindexing state


def reindex(roots: list[Any], idx: IntArray, n: int) -> None:
    """Reindex, in place, every per-replicate array reachable from ``roots`` by ``idx``: after
    it, replicate i holds what replicate idx[i] held."""
    found: dict[int, tuple[Any, Any, NDArray[Any], int]] = {}
    seen: set[int] = set()
    for root in roots:
        _collect(root, found, seen, n, roots, top=True)
    arrays = {id(a) for _, _, a, _ in found.values()}
    for holder, key, a, axis in found.values():
        base = _root_base(a)
        if base is not a and id(base) in arrays:
            continue  # a view of an array reindexed itself
        taken = np.take(a, idx, axis=axis)
        if a.flags.writeable:
            a[...] = taken
        else:
            _put(holder, key, taken)


def _root_base(a: NDArray[Any]) -> NDArray[Any]:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _put(holder: Any, key: Any, value: NDArray[Any]) -> None:
    if isinstance(holder, dict | list):
        holder[key] = value
    else:
        setattr(holder, key, value)


def _collect(
    obj: Any,
    found: dict[int, tuple[Any, Any, NDArray[Any], int]],
    seen: set[int],
    n: int,
    roots: list[Any],
    top: bool = False,
) -> None:
    """Walk ``obj``'s attributes, dicts, lists and tuples for per-replicate arrays."""
    if id(obj) in seen or (not top and any(obj is r for r in roots)):
        return
    seen.add(id(obj))
    for holder, key, v in _children(obj):
        if isinstance(v, np.ndarray):
            axes = [ax for ax, size in enumerate(v.shape) if size == n]
            if len(axes) > 1:
                raise RunError(
                    f"cannot resample a chunk of {n} replicates: an array of shape {v.shape} "
                    "has two axes of that length (run more replicates)"
                )
            if axes and id(v) not in found:
                found[id(v)] = (holder, key, v, axes[0])
        elif _walkable(v):
            _collect(v, found, seen, n, roots)


def _walkable(v: Any) -> bool:
    if isinstance(v, str | bytes | int | float | complex | bool | np.generic | type(None)):
        return False
    if callable(v) and not hasattr(v, "__dict__"):
        return False
    return isinstance(v, dict | list | tuple) or hasattr(v, "__dict__")


def _children(obj: Any) -> list[tuple[Any, Any, Any]]:
    if isinstance(obj, dict):
        return [(obj, k, v) for k, v in obj.items()]
    if isinstance(obj, list):
        return [(obj, i, v) for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return [(None, i, v) for i, v in enumerate(obj)]
    attrs = getattr(obj, "__dict__", {})
    return [(obj, k, v) for k, v in attrs.items() if k not in SKIP]


def _reindex_tracer(tr: Tracer, idx: IntArray, offset: int, day: int) -> None:
    """The traced replicates' stories follow their ancestors: a traced replicate now tells its
    ancestor's story so far (or, when the ancestor was not traced, only that it took over)."""
    if tr.k == 0:
        return
    date = tr.layout.date(day).isoformat()
    old = tr.logs
    new: list[list[dict[str, object]]] = []
    for i in range(tr.k):
        a = int(idx[i])
        story = [dict(e) for e in old[a]] if a < tr.k else []
        if a != i:
            text = f"resampled on the record: continues the future of replicate {offset + a}"
            story.append({"day": int(day), "date": date, "kind": "resample", "text": text})
        new.append(story)
    tr.logs = new


def resampling_meta(plan: Resampling, sums: dict[str, Any]) -> dict[str, Any]:
    """What the filters did, for meta.json: per observation used (date order), how many chunks
    weighed it, their mean effective sample before resampling (share of a chunk), how many
    resampled there and the mean number of distinct parents a chunk kept."""
    steps = []
    for k, i in enumerate(plan.used):
        ob = plan.observations[i]
        chunks = float(sums.get("smc.chunks", np.zeros(len(plan.used)))[k])
        seen = chunks > 0
        steps.append(
            {
                "index": i,
                "date": ob.date.isoformat(),
                "kind": ob.kind,
                "chunks": int(chunks),
                "ess_share_before": float(sums["smc.ess"][k] / chunks) if seen else None,
                "resampled_chunks": int(sums["smc.resampled"][k]) if seen else 0,
                "distinct_per_chunk": float(sums["smc.distinct"][k] / chunks) if seen else None,
            }
        )
    return {
        "as_of": plan.as_of.isoformat(),
        "threshold": plan.threshold,
        "min_particles": MIN_PARTICLES,
        "method": "resample-move: systematic resampling when the effective sample of a chunk "
        "falls below the threshold share, copies continued with the chance of their positions; "
        "chunks combined by their marginal-likelihood estimates",
        "steps": steps,
    }
