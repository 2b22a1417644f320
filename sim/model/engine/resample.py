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

When an observation leaves few futures that fit (an effective sample ``ess`` below
``REPLAY_BELOW``, half the threshold), resampling alone would copy those few: every future kept would share one of a
handful of pasts. So the filter first plays the days since its last observation again, up to
``passes`` times in all (as many as it takes to bring ``ess`` times the plays up to the
threshold), each time from the state it saved at that observation (engine/rejuvenate.py), with
futures drawn afresh from the weights it had there and dealt to other positions in the chunk,
so they meet other draws. It then resamples the chunk's futures from the futures of all plays
together, each weighted as in its play; the record's marginal likelihood for the stretch is the
mean weight over all plays. This is a bootstrap filter that uses ``passes`` times as many
particles for one stretch (the number of plays is chosen from the first play's effective
sample, a rule that, like adaptive resampling, makes the likelihood estimate very slightly
biased; the simulation-based calibration in bench/bench_sbc.py measures the whole).

Each chunk is its own particle system; chunks are combined by their estimates of the record's
marginal likelihood (the mean weights before each resampling, multiplied), so a replicate's
weight over the run is ``Z_c * w_i`` with ``log`` of it in ``smc.log_weight``. With no
resampling this is the importance weight exactly. ``smc.eve`` is the replicate a future
descends from at the start (copies of one ancestor are not independent: intervals count
ancestors, not futures), ``smc.parent`` names the past it continues at the last resampling.

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

from ..history import log_likelihood
from ..scenario.observations import Observation
from . import rejuvenate as rj
from .calendar import Step, play
from .world import Tracer, WorldBase

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MIN_PARTICLES = 64  # smaller chunks are weighted, never resampled
THRESHOLD = 0.5  # resample when the effective sample falls below this share of the chunk
RESAMPLE_STREAM = "smc.resample"  # the one uniform of systematic resampling, keyed by day
PASSES = 5  # at most this many plays of a stretch are pooled when futures run short (a cost
# budget: 8 plays took 2.2-2.6 times a plain run on the Russia-Ukraine record, 5 about twice)
REPLAY_BELOW = 0.25  # futures run short: an effective sample below this share of the chunk
# (half the resampling threshold); above it, resampling alone keeps at least as many pasts


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
    passes: int = PASSES  # at most this many plays of the stretch since the last observation
    replay_below: float = REPLAY_BELOW  # replay only when the effective sample share is below

    @classmethod
    def of(
        cls,
        observations: list[Observation],
        start: dt.date,
        as_of: dt.date,
        threshold: float = THRESHOLD,
        passes: int = PASSES,
        replay_below: float = REPLAY_BELOW,
    ) -> Resampling:
        used = sorted(
            (i for i, ob in enumerate(observations) if ob.date <= as_of),
            key=lambda i: (observations[i].date, i),
        )
        days = tuple((observations[i].date - start).days for i in used)
        obs = tuple(observations)
        return cls(as_of, start, obs, tuple(used), days, threshold, passes, replay_below)

    def columns(self) -> dict[str, str]:
        return {"smc.log_weight": "float", "smc.eve": "int", "smc.parent": "int"}

    def sums(self) -> dict[str, tuple[int, ...]]:
        """Per used observation: chunks counted, effective sample before resampling (as a
        share of the chunk), chunks that resampled, distinct futures kept, plays pooled."""
        k = (len(self.used),)
        keys = ("smc.chunks", "smc.ess", "smc.resampled", "smc.distinct", "smc.passes")
        return dict.fromkeys(keys, k)


def run_weights(log_weights: FloatArray) -> FloatArray | None:
    """The replicates' weights over a resampled run from their ``smc.log_weight`` (scaled to
    sum to the replicate count; None when no replicate of any chunk fits the record)."""
    lw = np.asarray(log_weights, dtype=float)
    if not np.isfinite(lw).any():
        return None
    with np.errstate(under="ignore"):
        w = np.exp(lw - np.max(lw))
    return np.asarray(w * (len(lw) / w.sum()))


def systematic(w: FloatArray, u: float, m: int | None = None) -> IntArray:
    """Systematic resampling: the ancestors of m (default len(w)) new particles from weights
    ``w`` (>= 0, not all 0) and one uniform ``u``: particle i descends from the first j with
    cumsum(w)[j] > (i + u)/m of the total. Each j gets floor or ceil of m w_j / sum(w) copies."""
    m = len(w) if m is None else m
    c = np.cumsum(w)
    c /= c[-1]
    idx = np.searchsorted(c, (np.arange(m) + u) / m, side="right")
    return np.minimum(idx, len(w) - 1).astype(np.int64)


class Filter:
    """The particle filter of one chunk: weights, ancestry, and the resampling steps."""

    def __init__(self, plan: Resampling, w: WorldBase, roots: list[Any], offset: int):
        self.plan, self.world, self.roots, self.offset = plan, w, roots, offset
        self.shared = [w, *vars(w).values()]  # what the roots may reference but do not own
        n = w.n
        self.logw = np.zeros(n)
        self.log_z = 0.0
        self.eve = np.arange(n, dtype=np.int64)
        self.parent = np.arange(n, dtype=np.int64)  # the past each continues (see finish)
        self.kept = float(n)  # distinct pasts kept at the last resampling
        self.applied: set[int] = set()
        self.values: dict[int, FloatArray] = {}  # the recorded observations, as last told
        self.pending: list[int] = []  # observations weighed during the current step
        self.replaying = False
        self.steps: list[Step] = []
        self.mark: Mark | None = None
        self.made: rj.Made = []  # what the last replay's copy made (live until replaced)
        k = len(plan.used)
        self.stats = {key: np.zeros(k) for key in plan.sums()}
        self.can_resample = n >= MIN_PARTICLES

    def start(self, steps: list[Step]) -> None:
        """Before the first step of the chunk's schedule ``steps``: the first state to replay from."""
        self.steps = steps
        if self.plan.used:
            self._mark(-1)

    def observe(self, values: dict[int, FloatArray]) -> None:
        """The observations of today were recorded: weigh by those used (settled after the step)."""
        self.values = values
        if self.replaying:
            return
        w = self.world
        for k, (i, d) in enumerate(zip(self.plan.used, self.plan.days, strict=True)):
            if d == w.day and i not in self.applied:
                self._weigh(k)
                self.pending.append(k)

    def after_step(self, j: int) -> None:
        """After step ``j`` of the schedule: if it weighed observations, resample when the
        effective sample is low (replaying the stretch since the last observation as often as
        needed), then remember this state as the one to replay from."""
        if not self.pending:
            return
        today, self.pending = self.pending, []
        for k in today:
            self.stats["smc.chunks"][k] += 1
        ess = _ess(self.logw)
        resample = self.can_resample and ess < self.plan.threshold * self.world.n
        passes = 1
        short = ess < self.plan.replay_below * self.world.n
        if resample and short and self.mark is not None and np.isfinite(np.max(self.mark.logw)):
            passes = min(
                self.plan.passes, int(np.ceil(self.plan.threshold * self.world.n / max(ess, 1.0)))
            )
        if resample:
            self.kept = self._resample(today, passes, j)
        for k in today:
            self.stats["smc.ess"][k] += ess / self.world.n
            self.stats["smc.resampled"][k] += float(resample)
            self.stats["smc.distinct"][k] += self.kept
            self.stats["smc.passes"][k] += passes
        if any(d > self.world.day for d in self.plan.days):  # a later observation may replay
            self._mark(j)
        elif self.mark is not None:
            rj.discard(self.mark.made)
            self.mark = None

    def _mark(self, j: int) -> None:
        tr = self.world.tracer
        if self.mark is not None:
            rj.discard(self.mark.made)
        state, made = rj.save(self.roots, self.shared)
        logs = [list(x) for x in tr.logs]
        self.mark = Mark(j, state, made, self.logw.copy(), self.eve.copy(), logs)

    def _resample(self, today: list[int], passes: int, j: int) -> float:
        """Pool the futures of ``passes`` plays of the stretch since the mark (this one and
        replays) and draw the chunk's futures from them; the number of distinct ones kept."""
        w, n = self.world, self.world.n
        day = w.day
        logws, eves, logs = [self.logw], [self.eve], [w.tracer.logs]
        saved: list[dict[rj.Path, NDArray[Any]]] = []
        kept: list[IntArray] = []  # per saved play, its futures that carry weight
        for p in range(1, passes):
            kept.append(np.flatnonzero(np.isfinite(logws[-1])))
            saved.append(rj.arrays(self.roots, n, kept[-1]))
            lw, eve = self._replay(today, p, day, j)
            logws.append(lw)
            eves.append(eve)
            logs.append(w.tracer.logs)
        lw = np.concatenate(logws)
        top = float(np.max(lw))
        if not np.isfinite(top):  # no future of any pass fits the record
            self.logw = logws[-1]
            return 0.0
        r = np.exp(lw - top)
        self.log_z += top + float(np.log(np.mean(r)))
        picks = systematic(r, float(w.rng(RESAMPLE_STREAM, day).random()), n)
        if passes == 1:
            reindex(self.roots, picks, n)
        else:
            which, pos = np.divmod(picks, n)
            rows = pos.copy()
            for p, keep in enumerate(kept):  # rows of the saved plays: among their kept futures
                at = which == p
                rows[at] = np.searchsorted(keep, pos[at])
            rj.pool(self.roots, saved, which, rows, n)
        _pool_tracer(w.tracer, logs, picks, n, self.offset, day)
        self.eve = np.concatenate(eves)[picks]
        self.parent = picks
        self.logw = np.zeros(n)
        return float(len(np.unique(picks)))

    def _replay(self, today: list[int], p: int, day: int, j: int) -> tuple[FloatArray, IntArray]:
        """Play the stretch since the mark again from its state, the futures drawn afresh from
        the mark's weights and dealt to other positions: their weights after today's
        observations and their eves."""
        m, w, n = self.mark, self.world, self.world.n
        assert m is not None
        g = w.rng(f"{RESAMPLE_STREAM}.{p}", day)
        r = np.exp(m.logw - np.max(m.logw))
        idx = systematic(r, float(g.random()))[g.permutation(n)]
        if not self.made:  # the state built with the chunk is dropped now: break its cycles
            rj.release(self.roots)
        made = rj.restore(self.roots, m.state, self.shared, idx)
        rj.discard(self.made)  # the replay before this one (its arrays are kept for pooling)
        self.made = made
        w.tracer.logs = [list(x) for x in m.logs]
        _reindex_tracer(w.tracer, idx, self.offset, day)
        self.replaying = True
        try:
            play(self.steps[m.step + 1 : j + 1], m.step + 1, None)
        finally:
            self.replaying = False
        lw = np.full(n, float(np.log(np.mean(r))) + float(np.max(m.logw)))
        for k in today:
            lw = lw + self._ll(k)
        return lw, m.eve[idx]

    def _ll(self, k: int) -> FloatArray:
        i = self.plan.used[k]
        v = self.values.get(i, np.full(self.world.n, np.nan))  # never recorded: not seen
        return log_likelihood(self.plan.observations[i], v, self.plan.start)

    def _weigh(self, k: int) -> None:
        self.applied.add(self.plan.used[k])
        self.logw = self.logw + self._ll(k)

    def finish(self) -> dict[str, NDArray[Any]]:
        """The chunk's columns: log weights (observations never recorded, e.g. dated at the
        horizon, are weighed now), eves as replicate numbers of the run, and parents: which past
        a future continues at the last resampling (future a of play p of the chunk at
        ``offset`` is numbered passes * offset + p * n + a, so the number is unique in the run),
        equal for futures that share their whole past."""
        for k, i in enumerate(self.plan.used):
            if i not in self.applied:
                self._weigh(k)
        if self.mark is not None:
            rj.discard(self.mark.made)
            self.mark = None
        return {
            "smc.log_weight": self.log_z + self.logw,
            "smc.eve": self.offset + self.eve,
            "smc.parent": self.plan.passes * self.offset + self.parent,
        }


@dataclass(frozen=True)
class Mark:
    """The chunk as it stood after step ``step`` of its schedule (the last observation day)."""

    step: int
    state: rj.State
    made: rj.Made  # what the copy made, taken apart when the mark is dropped
    logw: FloatArray
    eve: IntArray
    logs: list[list[dict[str, object]]]


def _ess(logw: FloatArray) -> float:
    top = float(np.max(logw))
    if not np.isfinite(top):
        return 0.0
    r = np.exp(logw - top)
    return float(np.sum(r)) ** 2 / float(np.sum(r * r))


# ----------------------------------------------------------------------------- reindexing state


def reindex(roots: list[Any], idx: IntArray, n: int) -> None:
    """Reindex, in place, every per-replicate array reachable from ``roots`` by ``idx``: after
    it, replicate i holds what replicate idx[i] held."""
    for holder, key, a, axis in rj.per_replicate(roots, n, roots).values():
        rj.write(holder, key, a, np.take(a, idx, axis=axis))


def _reindex_tracer(tr: Tracer, idx: IntArray, offset: int, day: int) -> None:
    """The traced replicates' stories follow their ancestors (see ``_pool_tracer``)."""
    _pool_tracer(tr, [tr.logs], idx, len(idx), offset, day)


def _pool_tracer(
    tr: Tracer,
    logs: list[list[list[dict[str, object]]]],
    picks: IntArray,
    n: int,
    offset: int,
    day: int,
) -> None:
    """A traced replicate now tells the story so far of the future it continues (future
    ``picks[i] % n`` of play ``picks[i] // n``, whose stories are ``logs``), or, when that one
    was not traced, only that it took over."""
    if tr.k == 0:
        return
    date = tr.layout.date(day).isoformat()
    new: list[list[dict[str, object]]] = []
    for i in range(tr.k):
        p, a = divmod(int(picks[i]), n)
        story = [dict(e) for e in logs[p][a]] if a < tr.k else []
        if a != i or p > 0:
            text = f"resampled on the record: continues the future of replicate {offset + a}"
            if len(logs) > 1:
                text += f" in play {p + 1} of {len(logs)} of the days since the last observation"
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
                "plays_per_chunk": float(sums["smc.passes"][k] / chunks) if seen else None,
            }
        )
    return {
        "as_of": plan.as_of.isoformat(),
        "threshold": plan.threshold,
        "plays": plan.passes,
        "replay_below": plan.replay_below,
        "min_particles": MIN_PARTICLES,
        "method": "resample-move: systematic resampling when the effective sample of a chunk "
        "falls below the threshold share, after playing the days since the previous observation "
        "again when it is below 'replay_below' (up to 'plays' times in all) and pooling the "
        "futures of every play; copies "
        "continued with the chance of their positions; "
        "chunks combined by their marginal-likelihood estimates",
        "steps": steps,
    }
