"""Scenario discovery: which sampled inputs must hold for an outcome (PRIM, from ema_workbench).

Every run records each replicate's sampled inputs (``param.*`` columns of the outcomes),
so "what must be true for a ceasefire by December?" is a classification question over
them. PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010) peels thin slices off a box in
input space so that the share of replicates with the outcome inside it (density) rises,
then pastes back what it can; each step trades coverage (the share of all such replicates
that fall in the box) for density. The implementation is ema_workbench's
``analysis.prim.Prim`` (peeling, pasting, quasi-p-values), the maintained reference
implementation of scenario discovery (see docs/analysis.md, "Scenario discovery").

The box reported is the one on the peeling trajectory that maximises coverage times the
normalised lift, coverage · (density − base rate) / (1 − base rate): the start box (all
futures) scores 0, a tiny pure box scores its small coverage. Another box can be chosen
with ``box=``. Each restriction carries its quasi-p-value (a one-sided binomial test of
whether dropping it would lower the density, Bryant & Lempert 2010) and, with
``resamples``, its stability: the share of PRIM runs on random halves of the data whose
chosen box restricts the same input.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .discover_prim import PEEL_ALPHA, best_box, restricted, run_prim, stability
from .errors import UsageError
from .formats import distinct, value, wrap_lines
from .jsonable import jsonable
from .labels import Vocabulary
from .results import Results

__all__ = ["DISCOVER_FILE", "Discovery", "discover", "outcome_flags"]

DISCOVER_FILE = "discover.json"
MAX_ROWS = 20_000  # PRIM runs on at most this many replicates (a seeded random subset)


def fmt_qp(x: float | None) -> str:
    """A quasi-p-value for reading: "< 0.0001" below that, else two significant digits."""
    if x is None:
        return "—"
    return "< 0.0001" if x < 1e-4 else f"{x:.2g}"


def outcome_flags(results: Results, outcome: str) -> tuple[np.ndarray, str]:
    """The 0/1 outcome per replicate and its wording: ``ceasefire``, ``in_force`` or
    ``ceasefire_by=YYYY-MM-DD``."""
    if outcome == "ceasefire":
        return results.ceasefire_flags(), f"a ceasefire by {results.horizon.isoformat()}"
    if outcome == "in_force":
        return (
            results.flag("in_force_at_horizon"),
            f"a ceasefire in force on {results.horizon.isoformat()}",
        )
    name, sep, value = outcome.partition("=")
    if name == "ceasefire_by" and sep:
        try:
            date = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(
                f"--outcome ceasefire_by=DATE: DATE must be YYYY-MM-DD (got {value!r})"
            ) from None
        if not results.start <= date <= results.horizon:
            raise UsageError(
                f"--outcome ceasefire_by={date}: the date must lie between the run's start "
                f"({results.start}) and horizon ({results.horizon})"
            )
        days = np.asarray(results.column("ceasefire_day"), dtype=float)
        with np.errstate(invalid="ignore"):
            y = days <= (date - results.start).days
        return y, f"a ceasefire by {date.isoformat()}"
    raise UsageError(
        f"--outcome must be ceasefire, in_force or ceasefire_by=YYYY-MM-DD (got {outcome!r})"
    )


@dataclass(frozen=True)
class Restriction:
    """One input the box restricts: its limits, the sampled range, quasi-p-values, stability."""

    path: str
    label: str
    unit: str
    lo: float | None  # None: that side is not restricted
    hi: float | None
    sampled_lo: float
    sampled_hi: float
    qp_lo: float | None
    qp_hi: float | None
    stability: float | None = None

    def limits(self) -> str:
        """The restriction in words, e.g. "≤ 0.42" or "between 0.1 and 0.3"."""
        u = f" {self.unit}" if self.unit and self.unit != "probability" else ""
        v = self._number
        if self.lo is not None and self.hi is not None:
            return f"between {v(self.lo)} and {v(self.hi)}{u}"
        if self.hi is not None:
            return f"≤ {v(self.hi)}{u}"
        return f"≥ {v(self.lo)}{u}"

    def _number(self, x: float | None) -> str:
        """A limit or an end of the sampled range, with the digits that tell them apart."""
        ends = [e for e in (self.lo, self.hi, self.sampled_lo, self.sampled_hi) if e is not None]
        return value(x, sig=distinct(ends))

    def sampled(self) -> str:
        """The sampled range, e.g. "0.999 to 1" (digits enough to tell it from the limits)."""
        return f"{self._number(self.sampled_lo)} to {self._number(self.sampled_hi)}"

    def qp(self) -> float | None:
        """The larger (least significant) quasi-p-value of the restricted sides."""
        vals = [v for v in (self.qp_lo, self.qp_hi) if v is not None]
        return max(vals) if vals else None


@dataclass
class Discovery:
    """The PRIM trajectory of one outcome and the box chosen on it."""

    outcome: str
    wording: str
    base_rate: float
    rows: int
    replicates: int
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per step
    box: int
    restrictions: list[Restriction]
    resamples: int = 0
    weighted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> dict[str, float]:
        row = self.trajectory.iloc[self.box]
        return {k: float(row[k]) for k in ("coverage", "density", "mass", "res_dim")}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(
            {
                "outcome": self.outcome,
                "wording": self.wording,
                "method": "PRIM (ema_workbench.analysis.prim), peel and paste alpha "
                f"{PEEL_ALPHA}, box chosen by coverage x normalised lift",
                "base_rate": self.base_rate,
                "rows": self.rows,
                "replicates": self.replicates,
                "weighted": self.weighted,
                "resamples": self.resamples,
                "box": self.box,
                "chosen": self.chosen,
                "restrictions": [r.__dict__ for r in self.restrictions],
                "trajectory": self.trajectory.to_dict(orient="list"),
                "notes": self.notes,
            }
        )
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Discovery:
        return cls(
            outcome=d["outcome"],
            wording=d["wording"],
            base_rate=float(d["base_rate"]),
            rows=int(d["rows"]),
            replicates=int(d["replicates"]),
            trajectory=pd.DataFrame(d["trajectory"]),
            box=int(d["box"]),
            restrictions=[Restriction(**r) for r in d["restrictions"]],
            resamples=int(d.get("resamples") or 0),
            weighted=bool(d.get("weighted")),
            notes=list(d.get("notes") or []),
        )

    def text(self) -> str:
        c = self.chosen
        lines = [
            f"What must be true for {self.wording}: PRIM over {self.rows:,} of "
            f"{self.replicates:,} replicates (base rate {100 * self.base_rate:.1f}%)",
            f"  box {self.box} of {len(self.trajectory) - 1}: {100 * c['density']:.1f}% reach it "
            f"inside the box (density), {100 * c['coverage']:.1f}% of those that reach it are "
            f"inside (coverage), {100 * c['mass']:.1f}% of all futures (mass)",
        ]
        if not self.restrictions:
            lines.append("  no restriction: no input region is markedly richer in this outcome")
        width = max((len(r.label) for r in self.restrictions), default=0)
        for r in self.restrictions:
            qp = r.qp()
            extra = f"  quasi-p {fmt_qp(qp)}" if qp is not None else ""
            if r.stability is not None:
                extra += f"  stable in {100 * r.stability:.0f}% of resamples"
            lines.append(f"  {r.label:<{width}}  {r.limits():<28} (sampled {r.sampled()}){extra}")
        lines += [f"  note: {n}" for n in self.notes]
        return wrap_lines("\n".join(lines))

    # -- figures ------------------------------------------------------------------------
    def plot_tradeoff(self, ax: Any = None) -> Any:
        from .plots.discover import plot_tradeoff

        return plot_tradeoff(self, ax)

    def plot_box(self, ax: Any = None) -> Any:
        from .plots.discover import plot_box

        return plot_box(self, ax)

    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.outcome.lower()).strip("-")

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Add this discovery to ``folder``/discover.json (one entry per outcome) and
        write its two figures under ``folder``/figures."""
        import json

        from .atomic import atomic_write_json
        from .plots import save_png

        out = Path(folder)
        path = out / DISCOVER_FILE
        known: dict[str, Any] = {}
        if path.is_file():
            try:
                known = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                known = {}
        known[self.outcome] = self.to_dict()
        atomic_write_json(path, known)
        save_png(
            self.plot_tradeoff().figure, out / "figures" / f"discover_{self.slug()}_tradeoff.png"
        )
        save_png(self.plot_box().figure, out / "figures" / f"discover_{self.slug()}_box.png")
        return path


def load_discoveries(folder: str | os.PathLike[str]) -> list[Discovery]:
    """The discoveries saved in a results folder (none when there is no discover.json)."""
    import json

    path = Path(folder) / DISCOVER_FILE
    if not path.is_file():
        return []
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        return [Discovery.from_dict(d) for d in known.values()]
    except (ValueError, KeyError, TypeError):
        return []


def _inputs(results: Results) -> pd.DataFrame:
    cols = {}
    for c in results.columns:
        if c.startswith("param."):
            x = np.asarray(results.column(c), dtype=float)
            if np.isfinite(x).all() and np.nanmin(x) < np.nanmax(x):
                cols[c[len("param.") :]] = x
    return pd.DataFrame(cols)


def discover(
    results: Results | str | os.PathLike[str],
    outcome: str = "ceasefire",
    min_mass: float = 0.05,
    box: int | None = None,
    resamples: int = 0,
    seed: int | None = None,
    max_rows: int = MAX_ROWS,
) -> Discovery:
    """PRIM over the sampled inputs of a run (a Results or its folder) for ``outcome``.

    Runs of more than ``max_rows`` replicates are subsampled (seeded); a weighted run (one
    conditioned on evidence, with ``weights``, or with a ``weight`` column) is resampled in
    proportion to its weights first, so the box describes the weighted ensemble.
    """
    r = results if isinstance(results, Results) else Results.load(Path(results))
    if not 0 < min_mass < 1:
        raise UsageError(f"--min-mass must lie strictly between 0 and 1 (got {min_mass})")
    if resamples < 0:
        raise UsageError(f"resamples must be >= 0 (got {resamples})")
    y_all, wording = outcome_flags(r, outcome)
    x_all = _inputs(r)
    if x_all.shape[1] == 0:
        raise UsageError("the run has no sampled inputs (no distributions in the scenario)")
    seed = int(r.meta.get("seed") or 0) if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xD15C,)))
    idx, weighted, notes = _rows(r, len(y_all), max_rows, rng)
    x, y = x_all.iloc[idx].reset_index(drop=True), np.asarray(y_all[idx], dtype=bool)
    base = float(y.mean())
    if base in (0.0, 1.0):
        raise UsageError(
            f"{'no' if base == 0 else 'every'} replicate has {wording}: nothing to discover"
        )
    found = run_prim(x, y, min_mass)
    traj = found.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(
        drop=True
    )
    i = best_box(traj, base) if box is None else box
    if not 0 <= i < len(traj):
        raise UsageError(f"--box must be between 0 and {len(traj) - 1} (got {box})")
    stable = stability(x, y, restricted(found, i), resamples, min_mass, rng)
    return Discovery(
        outcome=outcome,
        wording=wording,
        base_rate=base,
        rows=len(y),
        replicates=len(y_all),
        trajectory=traj.astype(float),
        box=i,
        restrictions=_restrictions(found, i, x, Vocabulary.from_meta(r.meta), stable),
        resamples=resamples,
        weighted=weighted,
        notes=notes,
    )


def _rows(
    r: Results, n: int, max_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, bool, list[str]]:
    """The replicates PRIM runs on: drawn by weight in a weighted run, else at most
    ``max_rows`` of them; whether the run was weighted, and a note on what was done."""
    w = getattr(r, "weights", None)  # a run conditioned on evidence (Results.condition)
    if w is None and r.has("weight"):
        w = r.column("weight")
    if w is not None:
        w = np.asarray(w, dtype=float)
        idx = rng.choice(n, size=min(n, max_rows), replace=True, p=w / w.sum())
        return idx, True, ["weighted run: replicates resampled in proportion to their weights"]
    if n > max_rows:
        idx = np.sort(rng.choice(n, size=max_rows, replace=False))
        return idx, False, [f"PRIM ran on a random {max_rows:,} of the {n:,} replicates"]
    return np.arange(n), False, []


def _restrictions(
    found: Any, i: int, x: pd.DataFrame, vocab: Vocabulary, stable: dict[str, float] | None
) -> list[Restriction]:
    """The inputs step ``i`` of the box restricts, most significant first (``stable``: the
    share of resamples restricting each again, None without resamples)."""
    lim, init = found.box_lims[i], found.box_lims[0]
    qps = found.qp[i] if i < len(found.qp) else {}
    rows = []
    for d in restricted(found, i):
        lo_on = bool(lim.loc[0, d] != init.loc[0, d])
        hi_on = bool(lim.loc[1, d] != init.loc[1, d])
        qlo, qhi = [*qps.get(d, []), -1, -1][:2]
        rows.append(
            Restriction(
                path=d,
                label=vocab.label(d),
                unit=vocab.unit(d),
                lo=float(lim.loc[0, d]) if lo_on else None,
                hi=float(lim.loc[1, d]) if hi_on else None,
                sampled_lo=float(x[d].min()),
                sampled_hi=float(x[d].max()),
                qp_lo=float(qlo) if lo_on and qlo >= 0 else None,
                qp_hi=float(qhi) if hi_on and qhi >= 0 else None,
                stability=None if stable is None else stable[d],
            )
        )
    rows.sort(key=_by_significance)
    return rows


def _by_significance(r: Restriction) -> float:
    """Sort key: the restriction's quasi-p-value (1 when it has none)."""
    q = r.qp()
    return 1.0 if q is None else q
