"""The scenario compiled for the engine: issue scaling, sides, candidates and per-chunk arrays.

`Compiled` is built once per run (picklable, shared by all chunks); `ChunkParams`
holds the per-replicate parameter arrays of one chunk, in scaled issue units.
Side index 0 is side A, 1 is side B throughout the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from ..scenario.distributions import Dist
from ..scenario.schema import Belligerent, Mediator, Patron, Proposal, Scenario
from .params import PARAM_STREAM, Sampled, sample, stream

FloatArray = NDArray[np.float64]

# Sobol candidates are drawn from their own stream so they are the same in every chunk.
CANDIDATE_STREAM_KEY = 2**32 - 1


@dataclass(frozen=True)
class Package:
    """A named proposal's terms: fixed scaled values, and which issues follow the live status quo."""

    name: str
    fixed: FloatArray  # (K,) scaled; NaN where the live status quo applies
    live: NDArray[np.bool_]  # (K,) True where the value follows the front line


@dataclass
class Compiled:
    """Everything about a scenario that does not vary by replicate."""

    scenario: Scenario
    issues: list[str]
    lo: FloatArray
    span: FloatArray
    front: int | None  # index of the front-line issue
    sq_fixed: FloatArray  # (K,) scaled status quo (NaN where none / front line)
    side_ids: tuple[str, str]
    mediators: list[str]
    patrons: list[str]
    candidates: FloatArray  # (M, K) scaled quasi-random candidates
    packages: dict[str, Package] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.issues)

    def unscale(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.lo + x * self.span)

    def date(self, day: int | float) -> dt.date:
        return self.scenario.start + dt.timedelta(days=int(day))


def compile_scenario(s: Scenario, seed: int) -> Compiled:
    issues = list(s.issues)
    lo = np.array([s.issues[k].range[0] for k in issues], dtype=float)
    hi = np.array([s.issues[k].range[1] for k in issues], dtype=float)
    span = hi - lo
    front_id = s.front_line_issue()
    front = issues.index(front_id) if front_id is not None else None
    sq = np.full(len(issues), np.nan)
    for i, k in enumerate(issues):
        v = s.issues[k].status_quo
        if isinstance(v, float):
            sq[i] = (v - lo[i]) / span[i]
    a_id, _ = s.side("A")
    b_id, _ = s.side("B")
    m = s.negotiation.candidates
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CANDIDATE_STREAM_KEY,)))
    cands = qmc.Sobol(d=len(issues), scramble=True, rng=rng).random(m)
    comp = Compiled(
        scenario=s,
        issues=issues,
        lo=lo,
        span=span,
        front=front,
        sq_fixed=sq,
        side_ids=(a_id, b_id),
        mediators=list(s.mediators()),
        patrons=list(s.patrons()),
        candidates=cands,
    )
    for p in s.proposals:
        if p.terms is not None:
            comp.packages[p.name] = _package(comp, p)
    return comp


def _package(c: Compiled, p: Proposal) -> Package:
    assert p.terms is not None
    fixed = c.sq_fixed.copy()
    live = np.zeros(c.k, dtype=bool)
    if c.front is not None:
        live[c.front] = True
    for k, v in p.terms.items():
        i = c.issues.index(k)
        if v == "status_quo":
            continue  # fixed status quo already there, or live front line
        fixed[i] = (float(v) - c.lo[i]) / c.span[i]
        live[i] = False
    fixed[live] = np.nan
    return Package(p.name, fixed, live)


@dataclass
class RedLineArr:
    issue: int
    above: bool
    threshold: FloatArray  # (n,) scaled
    penalty: FloatArray  # (n,)


@dataclass
class ChunkParams:
    """Per-replicate parameters of one chunk; arrays over sides are (2, n)."""

    n: int
    sampled: Sampled
    ideal: FloatArray  # (2, n, K) scaled
    weight: FloatArray  # (2, n, K) normalised salience
    risk: FloatArray  # (2, n)
    capability: FloatArray
    economy: FloatArray
    support: FloatArray
    patience: FloatArray
    optimism: FloatArray
    audience: FloatArray
    cost: FloatArray
    reference: list[dict[int, float]]  # per side: issue index -> scaled reference
    red_lines: list[list[RedLineArr]]
    stall_type: NDArray[np.bool_]  # (2, n)
    stall_until: FloatArray  # (2, n) day the regroup window ends
    stall_premium: FloatArray  # (2, n)
    # battlefield
    decisiveness: FloatArray
    drift: FloatArray
    balance: FloatArray
    volatility: FloatArray
    tail: FloatArray
    intensity: FloatArray
    attrition: FloatArray  # (2, n)
    regeneration: FloatArray  # (2, n)
    control: FloatArray  # (n,) scaled start of the front line
    # sanctions
    sanctions_level: FloatArray
    sanctions_bite: FloatArray
    sanctions_cost: FloatArray
    sanctions_target: int | None
    # domestic
    reversion: FloatArray  # (2, n)
    casualty: FloatArray  # (2, n)
    cost_sensitivity: FloatArray  # (2, n)
    # learning
    learn_rate: FloatArray
    learn_noise: FloatArray
    # mediators: weights per mediator (2, n), noise (n,)
    med_weight: dict[str, FloatArray]
    med_noise: dict[str, FloatArray]
    # threats: (mediator, index) -> arrays
    threat_cred: dict[tuple[str, int], FloatArray]
    threat_delay: dict[tuple[str, int], FloatArray]
    threat_cost: dict[tuple[str, int], FloatArray]
    # patrons
    aid: dict[str, FloatArray]
    aid_reliability: dict[str, FloatArray]
    aid_side: dict[str, int]
    # negotiation
    rationality: FloatArray
    collapse: FloatArray
    direct: FloatArray
    reopen: FloatArray
    # durability
    hazard0: FloatArray
    dissatisfaction: FloatArray
    guarantee: FloatArray  # (n, K) log-hazard reduction per unit of scaled terms
    # events / proposals / elections
    event_rate: dict[int, FloatArray]
    reward: dict[int, FloatArray]  # proposal index -> (2, n)
    election_base: dict[tuple[int, int], FloatArray]
    election_slope: dict[tuple[int, int], FloatArray]


def chunk_params(c: Compiled, n: int, seed: int, chunk: int) -> ChunkParams:
    """Sample and arrange the parameters of one chunk of ``n`` replicates."""
    s = c.scenario
    smp = sample(s, n, seed, chunk)
    g = smp.get
    K = c.k

    def side_arr(attr: str) -> FloatArray:
        out = np.empty((2, n))
        for j, sid in enumerate(c.side_ids):
            b = s.actors[sid]
            out[j] = g(f"actors.{sid}.{attr}", getattr(b, attr))
        return out

    ideal = np.empty((2, n, K))
    weight = np.zeros((2, n, K))
    reference: list[dict[int, float]] = []
    red_lines: list[list[RedLineArr]] = []
    stall_type = np.zeros((2, n), dtype=bool)
    stall_until = np.zeros((2, n))
    stall_prem = np.zeros((2, n))
    stall_u = np.stack(
        [stream(seed, chunk, PARAM_STREAM, f"stalling.{sid}").random(n) for sid in c.side_ids]
    )
    for j, sid in enumerate(c.side_ids):
        b = s.actors[sid]
        assert isinstance(b, Belligerent)
        for i, k in enumerate(c.issues):
            ideal[j, :, i] = (g(f"actors.{sid}.ideal.{k}", b.ideal[k]) - c.lo[i]) / c.span[i]
            if k in b.salience:
                weight[j, :, i] = g(f"actors.{sid}.salience.{k}", b.salience[k])
        tot = weight[j].sum(axis=1, keepdims=True)
        weight[j] /= np.where(tot > 0, tot, 1.0)
        reference.append(
            {
                c.issues.index(k): float((v - c.lo[c.issues.index(k)]) / c.span[c.issues.index(k)])
                for k, v in b.reference.items()
            }
        )
        rls = []
        for li, rl in enumerate(b.red_lines):
            i = c.issues.index(rl.issue)
            thr = rl.above if rl.above is not None else rl.below
            assert thr is not None
            rls.append(
                RedLineArr(
                    issue=i,
                    above=rl.above is not None,
                    threshold=np.full(n, (thr - c.lo[i]) / c.span[i]),
                    penalty=g(f"actors.{sid}.red_lines.{li}.penalty", rl.penalty),
                )
            )
        red_lines.append(rls)
        if b.stalling is not None:
            prior = g(f"actors.{sid}.stalling.prior", b.stalling.prior)
            stall_type[j] = stall_u[j] < prior
            stall_until[j] = 7.0 * g(f"actors.{sid}.stalling.weeks", b.stalling.weeks)
            stall_prem[j] = g(f"actors.{sid}.stalling.premium", b.stalling.premium)

    pr = s.pressures
    bf = pr.battlefield

    def bf_get(attr: str, default: float) -> FloatArray:
        if bf is None:
            return np.full(n, default)
        return g(f"pressures.battlefield.{attr}", getattr(bf, attr))

    def per_side(mapping: Mapping[str, float | Dist] | None, base: str) -> FloatArray:
        out = np.zeros((2, n))
        for j, sid in enumerate(c.side_ids):
            if mapping is not None and sid in mapping:
                out[j] = g(f"{base}.{sid}", mapping[sid])
        return out

    control = np.zeros(n)
    if bf is not None and bf.control is not None and c.front is not None:
        control = (g("pressures.battlefield.control", bf.control) - c.lo[c.front]) / c.span[c.front]

    sc = pr.sanctions
    target = c.side_ids.index(sc.target) if sc is not None and sc.target in c.side_ids else None

    def sc_get(attr: str) -> FloatArray:
        if sc is None:
            return np.zeros(n)
        return g(f"pressures.sanctions.{attr}", getattr(sc, attr))

    reversion = np.zeros((2, n))
    casualty = np.zeros((2, n))
    cost_sens = np.zeros((2, n))
    election_base: dict[tuple[int, int], FloatArray] = {}
    election_slope: dict[tuple[int, int], FloatArray] = {}
    for j, sid in enumerate(c.side_ids):
        d = pr.domestic.get(sid)
        if d is None:
            continue
        base = f"pressures.domestic.{sid}"
        reversion[j] = g(f"{base}.reversion", d.reversion)
        casualty[j] = g(f"{base}.casualty_sensitivity", d.casualty_sensitivity)
        cost_sens[j] = g(f"{base}.cost_sensitivity", d.cost_sensitivity)
        for ei, el in enumerate(d.elections):
            election_base[(j, ei)] = g(f"{base}.elections.{ei}.base", el.base)
            election_slope[(j, ei)] = g(f"{base}.elections.{ei}.slope", el.slope)

    med_weight: dict[str, FloatArray] = {}
    med_noise: dict[str, FloatArray] = {}
    threat_cred: dict[tuple[str, int], FloatArray] = {}
    threat_delay: dict[tuple[str, int], FloatArray] = {}
    threat_cost: dict[tuple[str, int], FloatArray] = {}
    for mid in c.mediators:
        m = s.actors[mid]
        assert isinstance(m, Mediator)
        wts = np.ones((2, n))
        for j, sid in enumerate(c.side_ids):
            if sid in m.weights:
                wts[j] = g(f"actors.{mid}.weights.{sid}", m.weights[sid])
        med_weight[mid] = wts
        med_noise[mid] = g(f"actors.{mid}.noise", m.noise)
        for ti, t in enumerate(m.threats):
            base = f"actors.{mid}.threats.{ti}"
            threat_cred[(mid, ti)] = g(f"{base}.credibility", t.credibility)
            threat_delay[(mid, ti)] = g(f"{base}.delay_days", t.delay_days)
            threat_cost[(mid, ti)] = g(f"{base}.cost", t.cost)

    aid: dict[str, FloatArray] = {}
    aid_rel: dict[str, FloatArray] = {}
    aid_side: dict[str, int] = {}
    for pid in c.patrons:
        p = s.actors[pid]
        assert isinstance(p, Patron)
        aid[pid] = g(f"actors.{pid}.aid", p.aid)
        aid_rel[pid] = g(f"actors.{pid}.reliability", p.reliability)
        aid_side[pid] = c.side_ids.index(p.supports)

    guarantee = np.zeros((n, K))
    for k, v in s.durability.guarantees.items():
        guarantee[:, c.issues.index(k)] = g(f"durability.guarantees.{k}", v)

    event_rate = {
        i: g(f"events.{i}.rate_per_year", e.rate_per_year)
        for i, e in enumerate(s.events)
        if e.rate_per_year is not None
    }
    reward: dict[int, FloatArray] = {}
    for i, prop in enumerate(s.proposals):
        if prop.reward:
            r = np.zeros((2, n))
            for j, sid in enumerate(c.side_ids):
                if sid in prop.reward:
                    r[j] = g(f"proposals.{i}.reward.{sid}", prop.reward[sid])
            reward[i] = r

    ng = s.negotiation
    du = s.durability
    return ChunkParams(
        n=n,
        sampled=smp,
        ideal=ideal,
        weight=weight,
        risk=side_arr("risk"),
        capability=side_arr("capability"),
        economy=side_arr("economy"),
        support=side_arr("support"),
        patience=side_arr("patience"),
        optimism=side_arr("optimism"),
        audience=side_arr("audience_cost"),
        cost=side_arr("cost"),
        reference=reference,
        red_lines=red_lines,
        stall_type=stall_type,
        stall_until=stall_until,
        stall_premium=stall_prem,
        decisiveness=bf_get("decisiveness", 1.0),
        drift=bf_get("drift", 0.0),
        balance=bf_get("balance", 0.5),
        volatility=bf_get("volatility", 0.0),
        tail=bf_get("tail", 4.0),
        intensity=bf_get("intensity", 1.0),
        attrition=per_side(bf.attrition if bf else None, "pressures.battlefield.attrition"),
        regeneration=per_side(
            bf.regeneration if bf else None, "pressures.battlefield.regeneration"
        ),
        control=np.clip(control, 0.0, 1.0),
        sanctions_level=sc_get("level"),
        sanctions_bite=sc_get("bite"),
        sanctions_cost=sc_get("cost"),
        sanctions_target=target,
        reversion=reversion,
        casualty=casualty,
        cost_sensitivity=cost_sens,
        learn_rate=g("pressures.learning.rate", pr.learning.rate),
        learn_noise=g("pressures.learning.noise", pr.learning.noise),
        med_weight=med_weight,
        med_noise=med_noise,
        threat_cred=threat_cred,
        threat_delay=threat_delay,
        threat_cost=threat_cost,
        aid=aid,
        aid_reliability=aid_rel,
        aid_side=aid_side,
        rationality=g("negotiation.rationality", ng.rationality),
        collapse=g("negotiation.collapse", ng.collapse),
        direct=g("negotiation.direct", ng.direct),
        reopen=g("negotiation.reopen", ng.reopen),
        hazard0=g("durability.base_hazard_per_year", du.base_hazard_per_year),
        dissatisfaction=g("durability.dissatisfaction", du.dissatisfaction),
        guarantee=guarantee,
        event_rate=event_rate,
        reward=reward,
        election_base=election_base,
        election_slope=election_slope,
    )
