"""Checks of the files a results folder holds, so a damaged one is named instead of failing later.

``meta_problem`` looks at ``meta.json`` (the facts the summary and report read) and
``outcomes_problem`` at the column types of ``outcomes.parquet`` (from its schema alone,
without reading the data). Each returns what is wrong, or "" when nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["meta_problem", "outcomes_problem", "results_problem"]

# meta.json: key -> the JSON types it holds when it is there (every one may be missing)
_META: dict[str, tuple[type, ...]] = {
    "horizon_days": (int,),
    "round_days": (int,),
    "issues": (dict,),
    "actors": (dict,),
    "threats": (list,),
    "sources": (list,),
    "diagnostics": (dict,),
    "scenario": (str,),
    "description": (str,),
    "overrides": (list,),
    "calibration": (dict,),
    "warnings": (list,),
}
_BOOL_COLUMNS = ("ceasefire", "in_force_at_horizon", "mediator_engaged", "below_reservation")
_BOOL_PREFIXES = ("stalling.", "fired.")
_NUMBER_PREFIXES = ("terms.", "final_", "param.")
_NUMBER_COLUMNS = ("replicate", "threats_fired")


def meta_problem(meta: Any) -> str:
    """What is wrong with the content of a meta.json ("" when nothing is)."""
    if not isinstance(meta, dict):
        return "not a JSON object"
    for key in ("start", "horizon"):
        v = meta.get(key)
        try:
            dt.date.fromisoformat(str(v)[:10])
        except ValueError:
            return f"{key!r} is missing or not a date"
    for key, types in _META.items():
        v = meta.get(key)
        if v is not None and (not isinstance(v, types) or isinstance(v, bool)):
            return f"{key!r} is of the wrong type"
    for key in ("issues", "actors"):
        if not all(isinstance(x, dict) for x in (meta.get(key) or {}).values()):
            return f"an entry of {key!r} is not a mapping"
    return _days_problem(meta)


def _days_problem(meta: dict[str, Any]) -> str:
    """The horizon and round length in days must be whole numbers a run can have (a report
    sizes its per-day arrays by them) and agree with the dates."""
    from .limits import MAX_HORIZON_DAYS

    span = (dt.date.fromisoformat(str(meta["horizon"])[:10])
            - dt.date.fromisoformat(str(meta["start"])[:10])).days  # fmt: skip
    horizon = meta.get("horizon_days", span)
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        return f"'horizon_days' must be from 1 to {MAX_HORIZON_DAYS:,} (got {horizon:,})"
    if horizon != span:
        return f"'horizon_days' is {horizon:,} but the dates are {span:,} days apart"
    rd = meta.get("round_days", 1)
    if not 1 <= rd <= horizon:
        return f"'round_days' must be from 1 to the horizon, {horizon:,} days (got {rd:,})"
    return ""


def _kind(column: str) -> str | None:
    """The kind of values an outcome column must hold, or None for one not checked."""
    if column in _BOOL_COLUMNS or column.startswith(_BOOL_PREFIXES):
        return "flag"
    if column.endswith("_day") or column in _NUMBER_COLUMNS:
        return "number"
    if column.startswith(_NUMBER_PREFIXES):
        return "number"
    if column == "obstructed_by":
        return "text"
    return None


def outcomes_problem(schema: Any) -> str:
    """What is wrong with the column types of an outcomes table (a pyarrow Schema)."""
    import pyarrow as pa

    t = pa.types
    ok = {
        "number": lambda x: t.is_integer(x) or t.is_floating(x) or t.is_null(x),
        "flag": lambda x: t.is_boolean(x) or t.is_integer(x) or t.is_floating(x) or t.is_null(x),
        "text": lambda x: t.is_string(x) or t.is_large_string(x) or t.is_null(x),
    }
    words = {"number": "numbers", "flag": "true/false values", "text": "text"}
    for name, typ in zip(schema.names, schema.types, strict=True):
        kind = _kind(str(name))
        if kind is not None and not ok[kind](typ):
            return f"column {name!r} holds {typ}, not {words[kind]}"
    return ""


def results_problem(folder: Path, meta: Any, schema: Callable[[], Any]) -> str:
    """The damaged file of a results folder and what is wrong with it ("" when none is):
    its meta.json, or its outcomes.parquet (``schema()`` reads that table's schema), or a
    file read back that is not the one the folder's manifest records (sim/readback.py)."""
    problem = meta_problem(meta)
    if problem:
        return f"{str(folder / 'meta.json')!r} is damaged ({problem})"
    problem = outcomes_problem(schema())
    if problem:
        return f"{str(folder / 'outcomes.parquet')!r} is damaged ({problem})"
    from .readback import sealed_problem

    for name in ("meta.json", "outcomes.parquet", "series.parquet", "traces.jsonl"):
        problem = sealed_problem(folder, name)  # the file sim wrote here, not another run's
        if problem:
            return problem
    return ""
