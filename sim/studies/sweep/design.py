"""Sweep designs: ``--vary`` specs and the points of a grid, Latin hypercube or Sobol design."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import UsageError
from ...io.limits import MAX_POINTS

__all__ = ["DESIGNS", "Vary", "design_points", "parse_vary"]

DESIGNS = ("grid", "lhs", "sobol")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


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

    @classmethod
    def from_json(cls, v: dict[str, Any]) -> Vary:
        """The Vary that ``to_json`` wrote (into a sweep manifest)."""
        vals = v.get("values")
        return cls(
            v["path"],
            float(v["lo"]),
            float(v["hi"]),
            v.get("steps"),
            tuple(float(x) for x in vals) if vals is not None else None,
        )


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
            if steps > MAX_POINTS:
                raise UsageError(
                    f"--vary {path}: STEPS must be at most {MAX_POINTS:,} (got {steps:,})"
                )
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
        size = math.prod(len(v.values) if v.values is not None else int(v.steps or 2) for v in vary)
        if size > MAX_POINTS:
            raise UsageError(
                f"the grid has {size:,} points; at most {MAX_POINTS:,} are run: use fewer "
                "STEPS, or an LHS or Sobol design with --samples"
            )
        grids = np.meshgrid(*[v.grid() for v in vary], indexing="ij")
        flat = np.stack([g.ravel() for g in grids], axis=1)
        return [dict(zip(paths, map(float, row), strict=True)) for row in flat]
    if samples is None or samples < 1:
        raise UsageError(f"--design {design} needs --samples K (K >= 1)")
    if samples > MAX_POINTS:
        raise UsageError(f"--samples must be at most {MAX_POINTS:,} (got {samples:,})")
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
