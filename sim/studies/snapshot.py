"""A case's forecast as of its snapshot: the run conditioned on that day's record, grown when the
record leaves it few futures.

A hindcast case's record often includes the snapshot day itself (a proposal refused that day,
a front line reported). Conditioning on it keeps the futures whose sampled inputs (optimism,
costs, latent types) make that record likely; resample-move refreshes the chance after the
day, not those inputs, so the forecast rests on as many distinct pasts as the conditioning
leaves (its *effective sample*, copies of one ancestor counted once). Where that is a handful,
P is mostly Monte Carlo noise: the Afghanistan 2001 case kept 3 effective futures of 1,000
(P = 0.97) and 79 of 16,384 (P = 0.92). Noise in P costs a forecaster on average under a
proper score, so a thin case is scored on a larger run: rerun with more replicates until the
effective sample reaches ``min_futures`` (FEW_FUTURES, 100, by default) or the run reaches
MAX_GROWTH times the replicates asked. Each size is a plain run of that size and seed, so the
result is reproducible and independent of the workers. A record that no future fits at the
size asked is a contradiction between the model and the record (a finding, not noise): such a
case is scored unconditioned, as before, and not grown.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ..errors import RunError
from ..model.scenario.schema import Scenario
from ..output.report.hindcast import FEW_FUTURES

__all__ = [
    "FEW_FUTURES",
    "MAX_GROWTH",
    "at_snapshot",
    "grown_size",
    "snapshot_note",
    "snapshot_run",
    "without_outcome",
]

MAX_GROWTH = 16  # a thin case is rerun with at most this many times the replicates asked
MARGIN = 1.25  # project a quarter more replicates than proportionality says (one rerun, mostly)


def grown_size(replicates: int, ess: float, min_futures: float, cap: int) -> int:
    """The next size to try for a run of ``replicates`` that kept ``ess`` effective futures,
    to reach ``min_futures``: proportional to the shortfall with a margin, at least double,
    at most ``cap``; whole 4,096-replicate chunks beyond the first (the engine's chunk)."""
    from .runner import CHUNK_SIZE

    want = max(2 * replicates, math.ceil(replicates * min_futures / max(ess, 1e-9) * MARGIN))
    if want > CHUNK_SIZE:
        want = math.ceil(want / CHUNK_SIZE) * CHUNK_SIZE
    return min(cap, want)


def snapshot_ess(results: Any) -> float | None:
    """The effective sample the snapshot's record left (None: nothing to condition on, or the
    record contradicted and the case scored unconditioned)."""
    cond = results.meta.get("conditioning")
    if results.meta.get("snapshot_contradicted") or not cond:
        return None
    return float(cond["ess"])


def snapshot_run(
    s: Scenario,
    replicates: int,
    seed: int,
    workers: int,
    trace: int,
    resample: bool = True,
    min_futures: float = FEW_FUTURES,
) -> Any:
    """The case's run from its snapshot, conditioned on the record that day: by resample-move
    (the default), or by weighting one run; scored unconditioned, and marked so, when no future
    fits that day's record. Rerun larger while the record leaves fewer than ``min_futures``
    effective futures (0: never), up to MAX_GROWTH times ``replicates``; a grown run's meta
    has ``grown_from`` (the replicates asked)."""
    s = without_outcome(s)
    r = _conditioned(s, replicates, seed, workers, trace, resample)
    n, cap = replicates, MAX_GROWTH * replicates
    while (e := snapshot_ess(r)) is not None and e < min_futures and n < cap:
        n = grown_size(n, e, min_futures, cap)
        r = _conditioned(s, n, seed, workers, trace, resample)
    if n != replicates:
        r.meta["grown_from"] = replicates
    return r


def without_outcome(s: Scenario) -> Scenario:
    """``s`` without the records, dated on or before the snapshot, of a ceasefire agreed or in
    force: the event a hindcast scores is never evidence for its own forecast (a ceasefire
    reached the evening of the snapshot day is on that day's record). Scoring reads the full
    record. What led to it stays evidence, as every other day's record is: a record that no
    ceasefire had come, talks, and each side's verdict on a proposal (one accepted by both
    may still never take effect)."""
    keep = [o for o in s.observations if not (o.date <= s.start and o.ceasefire)]
    if len(keep) == len(s.observations):
        return s
    return s.model_copy(update={"observations": keep})


def _conditioned(
    s: Scenario, replicates: int, seed: int, workers: int, trace: int, resample: bool
) -> Any:
    from .runner import run

    def once(as_of: dt.date | None = None) -> Any:
        return run(
            s, replicates, seed, workers, trace=trace, as_of=as_of, resample=as_of is not None
        )

    if resample and any(o.date <= s.start for o in s.observations):
        try:
            return once(s.start)
        except RunError as e:  # no future fits that day's record: scored unconditioned
            r = once()
            r.meta["snapshot_contradicted"] = str(e)
            return r
    return at_snapshot(s, once())


def at_snapshot(s: Scenario, results: Any) -> Any:
    """``results`` conditioned on the observations dated on or before the snapshot (as a
    forecaster on that day knew them); unchanged when there are none."""
    if not any(o.date <= s.start for o in s.observations):
        return results
    try:
        return results.condition(s.start)
    except RunError as e:
        # the model contradicts what was on the record that day: the case is scored on its
        # unconditioned forecast, and the table and page say so (a finding, not a failure)
        results.meta["snapshot_contradicted"] = str(e)
        return results


def snapshot_note(results: Any) -> dict[str, Any]:
    """What the forecast was conditioned on: the observations on the record at the snapshot,
    the effective sample they left, and the replicates asked when the run was grown."""
    cond = results.meta.get("conditioning")
    contradicted = results.meta.get("snapshot_contradicted")
    if contradicted:
        return {"observations": 0, "ess": None, "contradicted": contradicted}
    if not cond:
        return {"observations": 0, "ess": None}
    note = {"observations": len(cond["observations"]), "ess": cond["ess"]}
    if "grown_from" in results.meta:
        note["grown_from"] = results.meta["grown_from"]
    return note
