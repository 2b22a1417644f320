"""What scenario discovery found, as data: the restrictions of a PRIM box, the discovery of one
outcome (trajectory, chosen box), how it is written to and read from a results folder, and its
wording. The search itself (PRIM over a run's sampled inputs) is ``sim.studies.discover``; this
module is what reports and plots read back, so it needs neither PRIM nor a run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.jsonable import jsonable
from .formats import distinct, value, wrap_lines

__all__ = ["DISCOVER_FILE", "PEEL_ALPHA", "Discovery", "Restriction", "fmt_qp", "load_discoveries"]

DISCOVER_FILE = "discover.json"
PEEL_ALPHA = 0.05  # ema_workbench's peel (and paste) alpha used by sim discover


def fmt_qp(x: float | None) -> str:
    """A quasi-p-value for reading: "< 0.0001" below that, else two significant digits."""
    if x is None:
        return "—"
    return "< 0.0001" if x < 1e-4 else f"{x:.2g}"


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
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        """A few lines (the trajectory is long: see ``.text()``)."""
        c = self.chosen
        return (
            f"<Discovery of {self.outcome!r}: box {self.box} of {len(self.trajectory)}, coverage "
            f"{c['coverage']:.2f}, density {c['density']:.2f}, {len(self.restrictions)} inputs "
            "restricted\n  see .text()>"
        )

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
                "warnings": self.warnings,
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
            warnings=list(d.get("warnings") or []),
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
        lines += [f"  warning: {w}" for w in self.warnings]
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

        from ..io.atomic import atomic_write_json
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
