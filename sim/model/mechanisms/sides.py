"""The two belligerents: what each wants (ideal points, salience, red lines) and what it has (capability, economy, support).

Pressures change a side's state (the battlefield its capability, sanctions its economy,
domestic politics its support, learning its optimism, elections its ideal point); the
bargaining reads it. Side 0 is A, side 1 is B.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..bargaining.evaluate import Lines, evaluate
from ..bargaining.frontier import SideTerms
from ..engine.layout import Layout
from ..engine.sampling import Draws, Num, num
from ..scenario.schema import Belligerent, Scenario
from .base import BOOL, FLOAT, Build, Mechanism, Spec
from .effects import Targets

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

# A hard red line's penalty in the proposers' arithmetic (utility, before audience x support):
# prohibitive on the 0..1 utility scale, so the frontier steers clear of it; acceptance
# itself refuses any crossing outright (sim.mechanisms.signing.hard_crossed).
HARD_PENALTY = 10.0


@dataclass(frozen=True)
class RedLineSpec:
    issue: int
    above: bool  # violated above the threshold (else below)
    threshold: float  # scaled
    penalty: Num
    hard: bool = False  # indivisible: never accepted crossed
    relative: bool = False  # threshold is an offset (scaled) from the front line where it stands


@dataclass(frozen=True)
class SideSpec:
    id: str
    ideal: tuple[Num, ...]  # real units, per issue
    salience: tuple[Num | None, ...]  # per issue (None: not salient)
    capability: Num
    economy: Num
    support: Num
    patience: Num
    risk: Num
    optimism: Num
    audience: Num
    cost: Num
    regroup: Num
    reference: tuple[tuple[int, float], ...]  # (issue, scaled reference)
    red_lines: tuple[RedLineSpec, ...]
    stalling: tuple[Num, Num, Num] | None  # prior, weeks, premium
    insists: tuple[int, ...] = ()  # issues it insists a ceasefire settle


@dataclass
class RedLine:
    issue: int
    above: bool
    threshold: FloatArray  # (n,) scaled
    penalty: FloatArray  # (n,)
    hard: bool = False
    offset: float | None = None  # a relative line's scaled offset from the front line


@dataclass(frozen=True)
class SidesSpec(Spec):
    name: ClassVar[str] = "sides"

    layout: Layout
    sides: tuple[SideSpec, SideSpec]
    cost_scale: float = 1.0  # structure.cost_scale
    optimism_scale: float = 1.0  # structure.optimism_scale

    @classmethod
    def of(cls, s: Scenario, lay: Layout) -> SidesSpec:
        st = s.structure
        both = (_side(s, lay, lay.sides[0]), _side(s, lay, lay.sides[1]))
        return cls(lay, both, st.cost_scale, st.optimism_scale)

    def columns(self) -> dict[str, str]:
        cols = {f"final_support.{sid}": FLOAT for sid in self.layout.sides}
        cols.update({f"stalling.{sid}": BOOL for sid in self.layout.sides})
        return cols

    def sums(self, rounds: int) -> dict[str, tuple[int, ...]]:
        return {"support": (2, rounds)}

    def series(self, sums: dict[str, FloatArray], n: int) -> dict[str, FloatArray]:
        return {
            f"support_mean.{sid}": sums["support"][j] / n for j, sid in enumerate(self.layout.sides)
        }

    def build(self, ctx: Build) -> Sides:
        return Sides(self, ctx.d, ctx.targets)


def _side(s: Scenario, lay: Layout, sid: str) -> SideSpec:
    b = s.actors[sid]
    assert isinstance(b, Belligerent)
    base = f"actors.{sid}"
    reds = []
    for li, rl in enumerate(b.red_lines):
        i = lay.issue(rl.issue)
        thr = rl.above if rl.above is not None else rl.below
        assert thr is not None
        reds.append(
            RedLineSpec(
                i,
                rl.above is not None,
                float(thr / lay.span[i]) if rl.from_front else float(lay.scale(i, thr)),
                HARD_PENALTY if rl.hard else num(rl.penalty, f"{base}.red_lines.{li}.penalty"),
                rl.hard,
                rl.from_front,
            )
        )
    stall = None
    if b.stalling is not None:
        st = b.stalling
        stall = (
            num(st.prior, f"{base}.stalling.prior"),
            num(st.weeks, f"{base}.stalling.weeks"),
            num(st.premium, f"{base}.stalling.premium"),
        )
    return SideSpec(
        id=sid,
        ideal=tuple(num(b.ideal[k], f"{base}.ideal.{k}") for k in lay.issues),
        salience=tuple(
            num(b.salience[k], f"{base}.salience.{k}") if k in b.salience else None
            for k in lay.issues
        ),
        capability=num(b.capability, f"{base}.capability"),
        economy=num(b.economy, f"{base}.economy"),
        support=num(b.support, f"{base}.support"),
        patience=num(b.patience, f"{base}.patience"),
        risk=num(b.risk, f"{base}.risk"),
        optimism=num(b.optimism, f"{base}.optimism"),
        audience=num(b.audience_cost, f"{base}.audience_cost"),
        cost=num(b.cost, f"{base}.cost"),
        regroup=num(b.regroup, f"{base}.regroup"),
        reference=tuple(
            (lay.issue(k), float(lay.scale(lay.issue(k), v))) for k, v in b.reference.items()
        ),
        red_lines=tuple(reds),
        stalling=stall,
        insists=tuple(
            range(lay.k) if b.insists_on is None else sorted(lay.issue(k) for k in b.insists_on)
        ),
    )


class Sides(Mechanism):
    """Per-replicate parameters and state of both sides; arrays over sides are (2, n)."""

    key = "sides"

    def __init__(self, spec: SidesSpec, d: Draws, targets: Targets):
        lay = spec.layout
        n, K = d.n, lay.k
        self.spec = spec
        self.n = n

        def both(attr: str) -> FloatArray:
            return np.stack([d(getattr(sp, attr)) for sp in spec.sides])

        self.weight = np.zeros((2, n, K))  # normalised salience
        self.ideal = np.empty((2, n, K))  # scaled; state: an election moves it
        self.reference: list[dict[int, float]] = []
        self.red_lines: list[list[RedLine]] = []
        self.stall_type = np.zeros((2, n), dtype=bool)
        self.stall_until = np.zeros((2, n))  # day the regroup window ends
        self.stall_premium = np.zeros((2, n))
        stall_u = np.stack([d.uniforms(f"stalling.{sp.id}") for sp in spec.sides])
        for j, sp in enumerate(spec.sides):
            for i in range(K):
                self.ideal[j, :, i] = lay.scale(i, d(sp.ideal[i]))
                sal = sp.salience[i]
                if sal is not None:
                    self.weight[j, :, i] = d(sal)
            tot = self.weight[j].sum(axis=1, keepdims=True)
            self.weight[j] /= np.where(tot > 0, tot, 1.0)
            self.reference.append(dict(sp.reference))
            self.red_lines.append(
                [
                    RedLine(
                        r.issue,
                        r.above,
                        np.full(n, r.threshold),
                        d(r.penalty),
                        r.hard,
                        r.threshold if r.relative else None,
                    )
                    for r in sp.red_lines
                ]
            )
            if sp.stalling is not None:
                prior, weeks, premium = sp.stalling
                self.stall_type[j] = stall_u[j] < d(prior)
                self.stall_until[j] = 7.0 * d(weeks)
                self.stall_premium[j] = d(premium)
        self.risk = both("risk")
        self.patience = both("patience")
        self.regroup = both("regroup")  # shift of the balance a ceasefire's pause gives it
        self.audience = both("audience")
        self.support0 = both("support")  # support at the start (what domestic politics reverts to)
        # state
        self.capability = both("capability")
        self.economy = both("economy")
        self.support = self.support0.copy()
        self.optimism = both("optimism") * spec.optimism_scale
        self.cost = both("cost") * spec.cost_scale  # utility per round of fighting at intensity 1
        self.lines = self._lines(n)
        self._front: FloatArray | None = None  # the front line the red lines last followed
        self._listeners: list[Callable[[int, IntArray], None]] = []
        for head in ("capability", "economy", "support", "optimism", "cost"):
            targets.add(head, self._row_getter(head))

    def _row_getter(self, head: str) -> Callable[[str | None], FloatArray]:
        def get(who: str | None) -> FloatArray:
            arr: FloatArray = getattr(self, head)
            return np.asarray(arr[self.spec.layout.side(str(who))])

        return get

    @property
    def moving_lines(self) -> bool:
        """Whether some red line is measured from the front line."""
        return any(r.offset is not None for lines in self.red_lines for r in lines)

    def follow_front(self, control: FloatArray) -> None:
        """Red lines measured from the front line move with it (``control``: scaled, n)."""
        if self._front is not None and np.array_equal(control, self._front):
            return  # where they stand already
        self._front = control.copy()
        for lines in self.red_lines:
            for r in lines:
                if r.offset is not None:
                    r.threshold[:] = np.clip(control + r.offset, 0.0, 1.0)
        self.lines = self._lines(self.n)

    # -- ideal points ------------------------------------------------------------------
    def on_new_ideal(self, fn: Callable[[int, IntArray], None]) -> None:
        """Call ``fn(side, rows)`` whenever an election moves a side's ideal point in ``rows``."""
        self._listeners.append(fn)

    def clear_listeners(self) -> None:
        self._listeners.clear()

    def release(self) -> None:
        self.clear_listeners()

    def finite_state(self) -> list[tuple[str, NDArray[Any]]]:
        return [
            ("capability", self.capability),
            ("economy", self.economy),
            ("support", self.support),
        ]

    def move_ideal(self, side: int, rows: IntArray, shift: FloatArray) -> None:
        """Shift the ideal point of ``side`` in ``rows`` by ``shift`` (K,) scaled units."""
        self.ideal[side, rows] = np.clip(self.ideal[side, rows] + shift, 0.0, 1.0)
        for fn in self._listeners:
            fn(side, rows)

    def _lines(self, n: int) -> Lines:
        """Both sides' red lines and references flattened for the compiled evaluation."""
        reds = [(j, r) for j in (0, 1) for r in self.red_lines[j]]
        refs = [(j, k, v) for j in (0, 1) for k, v in self.reference[j].items()]
        return Lines(
            side=np.array([j for j, _ in reds], dtype=np.int64),
            issue=np.array([r.issue for _, r in reds], dtype=np.int64),
            above=np.array([r.above for _, r in reds], dtype=np.bool_),
            threshold=np.stack([r.threshold for _, r in reds]) if reds else np.zeros((0, n)),
            penalty=np.stack([r.penalty for _, r in reds]) if reds else np.zeros((0, n)),
            ref_side=np.array([j for j, _, _ in refs], dtype=np.int64),
            ref_issue=np.array([k for _, k, _ in refs], dtype=np.int64),
            ref_value=np.array([v for _, _, v in refs], dtype=np.float64),
        )

    def evaluate(
        self, rows: IntArray, x: FloatArray, settled: BoolArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Both sides' utility and audience penalty (before a S) of terms x (r, K): (2, r) each;
        ``settled`` (K,): the issues the terms settle (red lines on the others are not broken)."""
        front = self.spec.layout.front
        return evaluate(rows, x, self.ideal, self.weight, self.risk, self.lines, front, settled)

    def terms(
        self,
        rows: IntArray,
        relief: int | None,
        audience: FloatArray | None = None,
        relief_cost: FloatArray | None = None,
    ) -> tuple[SideTerms, SideTerms]:
        """Both sides' value of terms in ``rows`` for the frontier arithmetic: ``audience`` (2, r)
        scales the penalties (1 if not given), ``relief_cost`` (2, r) the sanctions a deal keeps."""
        out = []
        for i in (0, 1):
            out.append(
                SideTerms(
                    ideal=self.ideal[i, rows],
                    weight=self.weight[i, rows],
                    risk=self.risk[i, rows],
                    audience=np.ones(len(rows)) if audience is None else audience[i],
                    red_lines=[
                        (
                            r.issue,
                            r.above,
                            float(r.threshold[0]) if r.offset is None else r.threshold[rows],
                            r.penalty[rows],
                        )
                        for r in self.red_lines[i]
                    ],
                    reference=self.reference[i],
                    relief_issue=relief,
                    relief_cost=None if relief_cost is None else relief_cost[i],
                    front=self.spec.layout.front,
                    side=i,
                )
            )
        return out[0], out[1]

    # -- stalling --------------------------------------------------------------------------
    def stall(self, side: int, day: int) -> FloatArray:
        """The regroup premium a stalling type adds to its war value on ``day`` (n,)."""
        return self.stalls(day, side, slice(None))

    def stalls(self, day: int, side: int | slice, rows: IntArray | slice) -> FloatArray:
        """``stall`` of ``side`` (or both sides: a slice) in ``rows``."""
        on = self.stall_type[side, rows] & (day < self.stall_until[side, rows])
        return np.asarray(np.where(on, self.stall_premium[side, rows], 0.0))

    def accumulate(self, w: object, r: int, sums: dict[str, FloatArray]) -> None:
        sums["support"][:, r] = self.support.sum(axis=1)

    def outcomes(self, w: object) -> dict[str, NDArray[np.generic]]:
        out: dict[str, NDArray[np.generic]] = {}
        for j, sid in enumerate(self.spec.layout.sides):
            out[f"final_support.{sid}"] = self.support[j]
        for j, sid in enumerate(self.spec.layout.sides):
            out[f"stalling.{sid}"] = self.stall_type[j]
        return out
