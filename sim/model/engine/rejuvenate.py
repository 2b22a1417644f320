"""A chunk's state saved and put back, and several replays of one stretch pooled into one state.

When an observation leaves a chunk's particle filter few futures that fit the record, the filter
(engine/resample.py) plays the days since its last observation again from the state it saved
there, with the futures at other positions in the chunk (so they meet other draws), and pools
the futures of every pass before it resamples. What is saved is every attribute of the chunk's
mechanisms and draws (``roots``), deep-copied: lazily created caches included. Putting a state
back replaces every attribute of the roots with a fresh copy of the saved ones, so an attribute
created since is gone and references among the roots' state stay as they were saved.

A pooled state is assembled array by array: every per-replicate array (one axis as long as the
chunk) is found by its path of attribute names and keys from its root, in the live state and in
each pass's copy, and the live one is overwritten with the chosen futures of all passes.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...errors import RunError

SKIP = frozenset({"spec", "layout"})  # per-run constants hanging off a mechanism
Path = tuple[Any, ...]
State = list[dict[str, Any]]
Made = list[Any]


def save(roots: list[Any], shared: list[Any]) -> tuple[State, Made]:
    """A deep copy of every root's attributes (``shared`` objects and the roots themselves are
    referenced, not copied), and what the copy made (for ``discard``)."""
    memo = _memo(roots, shared)
    seeded = set(memo)
    state = copy.deepcopy([_attrs(r) for r in roots], memo)
    return state, _made(memo, seeded)


def restore(roots: list[Any], state: State, shared: list[Any], idx: NDArray[np.int64]) -> Made:
    """Put a fresh copy of ``state`` back into ``roots``, future i holding what future idx[i]
    held (the saved state stays untouched for another pass); what the copy made is returned
    (``discard`` it once another state has replaced it). The roots keep their identity; what
    hangs off them is replaced, so whatever reaches their state does so through the roots (as
    the effect targets and listeners do)."""
    memo = _memo(roots, shared)
    for _, _, a, axis in per_replicate(list(state), len(idx), roots).values():
        memo[id(a)] = np.take(a, idx, axis=axis)  # the copy, reindexed on the way
    seeded = set(memo)
    fresh = copy.deepcopy(state, memo)
    for r, attrs in zip(roots, fresh, strict=True):
        keep = {k: v for k, v in r.__dict__.items() if k in SKIP}
        r.__dict__.clear()
        r.__dict__.update(attrs)
        r.__dict__.update(keep)
    return _made(memo, seeded)


def _made(memo: dict[int, Any], seeded: set[int]) -> Made:
    """The containers and objects a deep copy made (its memo holds only real copies)."""
    return [
        v
        for k, v in memo.items()
        if k not in seeded and k != id(memo) and not isinstance(v, np.ndarray)
        and (isinstance(v, dict | list | set) or (hasattr(v, "__dict__") and not callable(v)))
    ]  # fmt: skip


def release(roots: list[Any]) -> None:
    """Break the reference cycles of the state the roots hold (a table and the callbacks that
    point back at it: each root's ``release``) before ``restore`` drops it, so its arrays are
    freed at once rather than when the cyclic garbage collector next runs."""
    for root in roots:
        getattr(root, "release", lambda: None)()


def discard(made: Made) -> None:
    """Take apart what a deep copy made, once nothing live uses it: its reference cycles (a
    table and the callbacks that point back at it) would otherwise hold its arrays until the
    cyclic garbage collector runs, and a chunk makes a copy at every observation."""
    for v in made:
        if isinstance(v, dict | list | set):
            v.clear()
        else:
            v.__dict__.clear()


def arrays(roots: list[Any], n: int, rows: NDArray[np.int64]) -> dict[Path, NDArray[Any]]:
    """Copies of the futures ``rows`` of every per-replicate array of ``roots``, by path: what
    ``pool`` needs of a play about to be replaced (only its futures that carry weight)."""
    return {
        p: np.take(a, rows, axis=ax) for p, (_, _, a, ax) in per_replicate(roots, n, roots).items()
    }


def _memo(roots: list[Any], shared: list[Any]) -> dict[int, Any]:
    return {id(x): x for x in [*roots, *shared]}


def _attrs(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in obj.__dict__.items() if k not in SKIP}


def per_replicate(
    tops: list[Any], n: int, stop: list[Any]
) -> dict[Path, tuple[Any, Any, NDArray[Any], int]]:
    """Every per-replicate array reachable from ``tops`` (the roots, or a saved state's attribute
    dicts) by its path: (holder, key, array, the axis as long as the chunk). Objects in ``stop``
    (the live roots) are not entered from below. An array reached by two paths is kept under the
    first; a view of a kept array is left out."""
    found: dict[Path, tuple[Any, Any, NDArray[Any], int]] = {}
    seen: set[int] = set()
    stops = {id(r) for r in stop}
    for i, r in enumerate(tops):
        _walk(r, (i,), found, seen, stops, n)
    bases = {id(a) for _, _, a, _ in found.values()}
    return {
        p: e
        for p, e in found.items()
        if _root_base(e[2]) is e[2] or id(_root_base(e[2])) not in bases
    }


def _walk(
    obj: Any,
    path: Path,
    found: dict[Path, tuple[Any, Any, NDArray[Any], int]],
    seen: set[int],
    stops: set[int],
    n: int,
) -> None:
    if id(obj) in seen:
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
            if axes and id(v) not in seen:
                seen.add(id(v))
                found[(*path, key)] = (holder, key, v, axes[0])
        elif id(v) not in stops and _walkable(v):
            _walk(v, (*path, key), found, seen, stops, n)


def _children(obj: Any) -> list[tuple[Any, Any, Any]]:
    """(holder to write a new value into, key, value) of a dict, a list, a tuple (no holder) or
    an object's attributes."""
    if isinstance(obj, dict):
        return [(obj, k, v) for k, v in obj.items()]
    if isinstance(obj, list):
        return [(obj, i, v) for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return [(None, i, v) for i, v in enumerate(obj)]
    return [(obj, k, v) for k, v in obj.__dict__.items() if k not in SKIP]


def _walkable(v: Any) -> bool:
    if isinstance(v, str | bytes | int | float | complex | bool | np.generic | type(None)):
        return False
    if callable(v) and not hasattr(v, "__dict__"):
        return False
    return isinstance(v, dict | list | tuple) or hasattr(v, "__dict__")


def _root_base(a: NDArray[Any]) -> NDArray[Any]:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def pool(
    roots: list[Any],
    plays: list[dict[Path, NDArray[Any]]],
    which: NDArray[np.int64],
    rows: NDArray[np.int64],
    n: int,
) -> None:
    """Overwrite every per-replicate array of the live ``roots`` with futures chosen from the
    plays: future i becomes row ``rows[i]`` of play ``which[i]``, where play p < len(plays) is
    the arrays ``plays[p]`` (``arrays``) and play len(plays) is the live state itself."""
    live = per_replicate(roots, n, roots)
    for c in plays:
        if c.keys() != live.keys():
            missing = sorted(map(str, c.keys() ^ live.keys()))[:3]
            raise RunError(f"the replays of a chunk differ in their state ({', '.join(missing)})")
    chosen = [np.flatnonzero(which == p) for p in range(len(plays) + 1)]
    for path, (holder, key, a, axis) in live.items():
        parts = [*(c[path] for c in plays), a]
        if any(p.shape[:axis] + p.shape[axis + 1 :] != a.shape[:axis] + a.shape[axis + 1 :]
               for p in parts):  # fmt: skip
            raise RunError(f"the replays of a chunk differ in the shape of {path}")
        out = np.empty_like(np.moveaxis(a, axis, 0))
        for at, part in zip(chosen, parts, strict=True):
            if at.size:
                out[at] = np.moveaxis(part, axis, 0)[rows[at]]
        write(holder, key, a, np.moveaxis(out, 0, axis))


def write(holder: Any, key: Any, a: NDArray[Any], new: NDArray[Any]) -> None:
    """Put ``new`` in place of ``a`` (held by ``holder`` under ``key``): into it if writable."""
    if a.flags.writeable:
        a[...] = new
    elif isinstance(holder, dict | list):
        holder[key] = new
    else:
        setattr(holder, key, new)
