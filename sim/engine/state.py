"""The batch state of a chunk: numpy arrays over replicates (sides on the first axis)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..bargaining.utility import penalty_candidates, utility_candidates, utility_rows
from .model import ChunkParams, Compiled

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ThreatKey = tuple[str, int]


@dataclass
class State:
    """Everything that changes during a run, for every replicate of a chunk."""

    day: int
    control: FloatArray  # (n,) scaled share of the front-line issue held by B
    capability: FloatArray  # (2, n)
    economy: FloatArray  # (2, n)
    support: FloatArray  # (2, n)
    optimism: FloatArray  # (2, n)
    cost: FloatArray  # (2, n) utility per round of fighting at intensity 1
    sanctions: FloatArray  # (n,) sigma
    relief: FloatArray  # (n,) share of scheduled sanctions still applied after agreed relief
    intensity: FloatArray  # (n,)
    aid: dict[str, FloatArray]
    engaged: dict[str, BoolArray]
    talks: BoolArray  # (n,) talks open
    p: FloatArray  # (n,) probability B prevails
    war: FloatArray  # (2, n) W_i: value of fighting on
    reject: FloatArray  # (2, n) what rejecting a deal is worth (W plus threats and stalling)
    truce_until: FloatArray  # (n,) day the current truce ends (-inf: none)
    truce_day: FloatArray  # (n,) first truce (NaN: none)
    agreed: BoolArray  # (n,) a ceasefire was agreed at some point
    ceasefire_day: FloatArray  # (n,) first agreement (NaN: none)
    terms: FloatArray  # (n, K) first agreement, scaled (NaN: none)
    in_force: BoolArray  # (n,)
    current: FloatArray  # (n, K) terms in force, scaled
    u_current: FloatArray  # (2, n) utility of the terms in force
    pen_current: FloatArray  # (2, n) audience penalty of the terms in force (before a*S)
    since: FloatArray  # (n,) day the terms in force were agreed
    breakdown_day: FloatArray  # (n,) first breakdown (NaN: none)
    obstructions: NDArray[np.int64]  # (2, n) how often each side obstructed
    last_obstructer: NDArray[np.int64]  # (n,) -1 none, 0 A, 1 B
    threat_pending: dict[ThreatKey, FloatArray]  # day the threat takes effect (inf: none)
    threat_fired: dict[ThreatKey, BoolArray]
    threat_target: dict[ThreatKey, NDArray[np.int64]]  # side an armed threat falls on
    threats_fired: NDArray[np.int64]  # (n,)
    u_cand: FloatArray  # (2, n, M) utility of each candidate
    pen_cand: FloatArray  # (2, n, M) audience penalty of each candidate
    u_war: FloatArray  # (2, 2, n): u_war[i, j] = U_i(y_j), the outcome if j prevails

    @property
    def n(self) -> int:
        return int(self.control.shape[0])

    @property
    def fighting(self) -> BoolArray:
        """Replicates at war today (no ceasefire in force, no truce running)."""
        return ~self.in_force & (self.truce_until <= self.day)

    def fight_share(self, round_days: int) -> FloatArray:
        """Share of this round's days that are fought: a truce ending mid-round pauses part of it."""
        fought = self.day + round_days - np.maximum(self.day, self.truce_until)
        return np.where(self.in_force, 0.0, np.clip(fought / round_days, 0.0, 1.0))


def initial_state(c: Compiled, p: ChunkParams) -> State:
    n, K = p.n, c.k
    s = c.scenario
    u_cand = np.stack(
        [utility_candidates(p.ideal[j], p.weight[j], p.risk[j], c.candidates) for j in (0, 1)]
    )
    pen_cand = np.stack([penalty_candidates(p, j, c.candidates) for j in (0, 1)])
    st = State(
        day=0,
        control=p.control.copy(),
        capability=p.capability.copy(),
        economy=p.economy.copy(),
        support=p.support.copy(),
        optimism=p.optimism.copy(),
        cost=p.cost.copy(),
        sanctions=p.sanctions_level.copy(),
        relief=np.ones(n),
        intensity=p.intensity.copy(),
        aid={k: v.copy() for k, v in p.aid.items()},
        engaged={m: np.full(n, s.actors[m].engaged) for m in c.mediators},  # type: ignore[union-attr]
        talks=np.zeros(n, dtype=bool),
        p=np.full(n, 0.5),
        war=np.zeros((2, n)),
        reject=np.zeros((2, n)),
        truce_until=np.full(n, -np.inf),
        truce_day=np.full(n, np.nan),
        agreed=np.zeros(n, dtype=bool),
        ceasefire_day=np.full(n, np.nan),
        terms=np.full((n, K), np.nan),
        in_force=np.zeros(n, dtype=bool),
        current=np.full((n, K), np.nan),
        u_current=np.zeros((2, n)),
        pen_current=np.zeros((2, n)),
        since=np.full(n, np.inf),
        breakdown_day=np.full(n, np.nan),
        obstructions=np.zeros((2, n), dtype=np.int64),
        last_obstructer=np.full(n, -1, dtype=np.int64),
        threat_pending={k: np.full(n, np.inf) for k in p.threat_cred},
        threat_fired={k: np.zeros(n, dtype=bool) for k in p.threat_cred},
        threat_target={k: np.full(n, -1, dtype=np.int64) for k in p.threat_cred},
        threats_fired=np.zeros(n, dtype=np.int64),
        u_cand=u_cand,
        pen_cand=pen_cand,
        u_war=np.zeros((2, 2, n)),
    )
    refresh_war_outcomes(st, p)
    return st


def refresh_war_outcomes(st: State, p: ChunkParams, rows: NDArray[np.intp] | None = None) -> None:
    """U_i(y_j) for both sides (after the start, or when an election moves ideal points)."""
    sel = slice(None) if rows is None else rows
    for i in (0, 1):
        for j in (0, 1):
            st.u_war[i, j][sel] = utility_rows(
                p.ideal[i][sel], p.weight[i][sel], p.risk[i][sel], p.ideal[j][sel]
            )
