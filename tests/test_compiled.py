"""Shortcuts of the engine give the same numbers to the bit as the array code they replace.

The compiled loops of durability and signing (sim.model.mechanisms.compiled) against the
numpy expressions they stand for, the evaluation of terms (issue by issue over all rows)
against one pass per row, and the issue tables recomputed only where the front line moved
against tables built anew.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.bargaining.evaluate import Lines, evaluate
from sim.model.bargaining.frontier import Cut, IssueTables, SideTerms, moving_intervals
from sim.model.mechanisms.compiled import (
    log_hazard,
    side_values,
    wait_gains,
    wait_repeats,
    wait_terms,
)

CAP = 50.0


def _numpy_log_hazard(
    rows: np.ndarray, value: np.ndarray, terms: np.ndarray, war: np.ndarray, floor: int,
    guarantee: np.ndarray, diss: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Durability's log hazard as array code (signing's pause chance raises V_floor first)."""
    if floor >= 0:
        value = value.copy()
        value[floor] = np.maximum(value[floor], war[floor, rows])
    grievance = np.max(war[:, rows] - value, axis=0)
    guard = np.sum(guarantee[rows] * terms, axis=1)
    return np.minimum(diss[rows] * grievance - guard, CAP)


@pytest.mark.parametrize("k", [1, 3, 4, 7, 8, 9, 20, 100])
@pytest.mark.parametrize("floor", [-1, 0, 1])
def test_compiled_log_hazard_is_the_array_code_to_the_bit(k: int, floor: int) -> None:
    rng = np.random.default_rng(k * 10 + floor)
    n, r = 300, 1000
    rows = rng.integers(0, n, r).astype(np.int64)
    war = rng.normal(0, 1, (2, n))
    value = rng.normal(0, 1, (2, r))
    terms = rng.random((r, k))
    guarantee = rng.normal(0, 3, (n, k)) * (rng.random((n, k)) < 0.7)
    diss = rng.uniform(0, 80, n)  # large enough that some rows reach the cap
    out = np.empty(r)
    log_hazard(rows, value, terms, war, floor, guarantee, diss, CAP, out)
    expect = _numpy_log_hazard(rows, value, terms, war, floor, guarantee, diss)
    assert (expect == CAP).any() and (expect < CAP).any()
    assert np.array_equal(out.view(np.int64), expect.view(np.int64))  # bits, signed zeros too


def test_compiled_wait_gains_fold_the_waits_as_the_array_code() -> None:
    rng = np.random.default_rng(3)
    n, r, steps = 200, 150, 4
    offer_rows = rng.choice(n, r, replace=False).astype(np.int64)
    parts = [np.arange(r)] + [np.flatnonzero(rng.random(r) < 0.6) for _ in range(steps - 1)]
    pos = np.concatenate(parts).astype(np.int64)
    rows = offer_rows[pos]
    b_ = rng.random(len(pos))
    v = rng.normal(0, 1, (2, len(pos)))
    decay = rng.uniform(0.5, 1.0, len(pos))
    decay[:5] = 1.0  # no discounting: the 1e-12 floor of 1 - rho^t
    patience, war, loss = rng.uniform(0.9, 1, (2, n)), rng.normal(0, 1, (2, n)), rng.random((2, n))
    sign, keep = rng.normal(0, 1, (2, r)), rng.uniform(0.1, 1, (2, r))
    side = 1
    out = np.zeros((2, r))
    src = np.arange(len(pos), dtype=np.int64)
    wait_gains(side, rows, pos, src, b_, v, decay, patience, war, loss, sign, keep, out)
    expect = np.zeros((2, r))
    delta = patience[side, rows]
    q = delta * b_ / (1.0 - delta * (1.0 - b_))
    later = (1.0 - q) * v[side] + q * (war[side, rows] - loss[side, rows])
    gain = decay * (later - sign[side, pos]) / (keep[side, pos] * np.maximum(1.0 - decay, 1e-12))
    start = 0
    for p in parts:
        expect[side, p] = np.maximum(expect[side, p], gain[start : start + len(p)])
        start += len(p)
    assert (expect[side] > 0).any() and (expect[side] == 0).any()
    assert np.array_equal(out, expect)


@pytest.mark.parametrize("relief", [-1, 2])
def test_compiled_side_values_are_the_array_code_to_the_bit(relief: int) -> None:
    rng = np.random.default_rng(11)
    n, r = 300, 800
    rows = rng.integers(0, n, r).astype(np.int64)
    u, pen = rng.random((2, r)), rng.random((2, r)) * (rng.random((2, r)) < 0.5)
    audience, support = rng.uniform(0, 2, (2, n)), rng.random((2, n))
    lump = np.stack([np.zeros(n), rng.uniform(0, 3, n)])  # only B is the sanctions' target
    terms = rng.uniform(-0.2, 1.2, (r, 4))  # outside [0, 1] too: the relief share is clipped
    out = np.empty((2, r))
    side_values(rows, u, pen, audience, support, lump, terms, relief, out)
    kept = np.ones(r) if relief < 0 else 1.0 - np.clip(terms[:, relief], 0.0, 1.0)
    for s in (0, 1):
        expect = u[s] - audience[s, rows] * support[s, rows] * pen[s] - lump[s, rows] * kept
        assert np.array_equal(out[s], expect)
    assert not np.array_equal(out[1], u[1] - audience[1, rows] * support[1, rows] * pen[1])


def _sides(control: np.ndarray, rng: np.random.Generator) -> tuple[SideTerms, SideTerms]:
    """Two sides on 3 issues; A's red line on the front line (issue 0) 0.1 beyond the front."""
    n, k = len(control), 3
    out = []
    for s in (0, 1):
        out.append(
            SideTerms(
                ideal=rng.random((n, k)),
                weight=rng.dirichlet(np.ones(k), n),
                risk=rng.uniform(0.8, 2.0, n),  # curved: the sampled points follow the intervals
                audience=np.ones(n),
                red_lines=[(0, True, np.clip(control + 0.1, 0, 1), rng.uniform(0.1, 0.5, n))]
                if s == 0
                else [(2, False, 0.5, rng.uniform(0.1, 0.5, n))],
                reference={1: 0.6},
                relief_issue=2,
                front=0,
                side=s,
            )
        )
    return out[0], out[1]


def test_issue_tables_updated_where_the_front_moved_equal_tables_built_anew() -> None:
    rng = np.random.default_rng(5)
    n = 400
    cuts = [Cut(0, 0.1, True, relative=True), Cut(0, 0.7, True), Cut(2, 0.5, False)]
    before = rng.random(n)
    after = before.copy()
    moved = rng.random(n) < 0.3
    after[moved] = np.clip(before[moved] + rng.normal(0, 0.2, moved.sum()), 0, 1)
    state = rng.bit_generator.state
    a0, b0 = _sides(before, rng)
    tables = IssueTables.of((a0, b0), moving_intervals(cuts, 3, before), curved=True)
    rng.bit_generator.state = state
    a1, b1 = _sides(after, rng)  # the same sides, their front-line red line moved
    ivs = moving_intervals(cuts, 3, after)
    fresh = IssueTables.of((a1, b1), ivs, curved=True)
    # as Table.rebuild: rows where the front moved or the intervals did (the cuts' order
    # follows the median front, so it can move every row's)
    changed = (after != before) | np.any(
        ivs[0] != moving_intervals(cuts, 3, before)[0], axis=(1, 2)
    )
    rows = np.flatnonzero(changed)
    sub = tuple(  # the sides in those rows
        SideTerms(
            ideal=sd.ideal[rows],
            weight=sd.weight[rows],
            risk=sd.risk[rows],
            audience=sd.audience[rows],
            red_lines=[
                (i, ab, t if np.ndim(t) == 0 else t[rows], p[rows]) for i, ab, t, p in sd.red_lines
            ],
            reference=sd.reference,
            relief_issue=sd.relief_issue,
            front=sd.front,
            side=sd.side,
        )
        for sd in (a1, b1)
    )
    assert not np.array_equal(tables.points, fresh.points)
    tables.update(sub, ivs, [0], rows, curved=True)
    assert np.array_equal(tables.points, fresh.points)
    assert np.array_equal(tables.interval, fresh.interval)
    assert np.array_equal(tables.comp, fresh.comp)


@pytest.mark.parametrize("relief", [None, 0, 2])
def test_compiled_issue_parts_are_the_array_code_to_the_bit(relief: int | None) -> None:
    rng = np.random.default_rng(17)
    n, k, P = 500, 3, 24
    front = rng.random(n)
    for side in (0, 1):
        sd = SideTerms(
            ideal=rng.random((n, k)),
            weight=rng.dirichlet(np.ones(k), n),
            risk=np.ones(n),  # linear: the compiled path
            audience=np.ones(n),
            red_lines=[
                (0, True, np.clip(front + 0.1, 0, 1), rng.uniform(0.1, 0.5, n)),
                (0, False, 0.2, rng.uniform(0.1, 0.5, n)),
                (2, False, 0.5, rng.uniform(0.1, 0.5, n)),
            ],
            reference={0: 0.4, 1: 0.6},
            relief_issue=relief,
            front=0,
            side=side,
        )
        for issue in range(k):
            x = np.sort(rng.random((n, P)), axis=1)
            x[:, :3] = [0.0, 0.4, 1.0]  # the ends and a reference
            comp = np.empty((n, P, 6))
            sd.parts_into(issue, x, comp, 3)
            for got, expect in zip(
                np.moveaxis(comp[..., 3:], 2, 0), sd.parts(issue, x), strict=True
            ):
                assert np.array_equal(got.view(np.int64), expect.view(np.int64))
    assert comp[..., 4].any()  # the last issue's red line is crossed somewhere


def _gap_row(x: float, y: float, side: int, front: bool) -> float:
    if not front:
        return abs(x - y)
    return max(0.0, x - y) if side == 0 else max(0.0, y - x)


def _evaluate_by_row(
    rows: np.ndarray, x: np.ndarray, ideal: np.ndarray, weight: np.ndarray, risk: np.ndarray,
    lines: Lines, front: int, settled: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The evaluation of terms one row at a time, adding a penalty only where a line is crossed
    (the loop the compiled code had before it went issue by issue over all rows)."""
    u, pen = np.zeros((2, len(rows))), np.zeros((2, len(rows)))
    for q, i in enumerate(rows):
        for s in (0, 1):
            acc = 0.0
            for k in range(x.shape[1]):
                d = _gap_row(x[q, k], ideal[s, i, k], s, k == front)
                acc += weight[s, i, k] * (1.0 - (d if risk[s, i] == 1.0 else d ** risk[s, i]))
            u[s, q] = acc
        for m in range(len(lines.side)):
            v, t = x[q, lines.issue[m]], lines.threshold[m, i]
            if settled[lines.issue[m]] and ((v > t) if lines.above[m] else (v < t)):
                pen[lines.side[m], q] += lines.penalty[m, i]
        for m in range(len(lines.ref_side)):
            s, k, rk = lines.ref_side[m], lines.ref_issue[m], risk[lines.ref_side[m], i]
            dr = _gap_row(lines.ref_value[m], ideal[s, i, k], s, k == front)
            dx = _gap_row(x[q, k], ideal[s, i, k], s, k == front)
            short = (1.0 - (dr if rk == 1.0 else dr**rk)) - (1.0 - (dx if rk == 1.0 else dx**rk))
            if settled[k] and short > 0.0:
                pen[s, q] += weight[s, i, k] * short
    return u, pen


@pytest.mark.parametrize("curved", [False, True])
def test_evaluation_issue_by_issue_is_one_pass_per_row_to_the_bit(curved: bool) -> None:
    rng = np.random.default_rng(5 + curved)
    n, r, k, front = 120, 700, 5, 1
    rows = rng.integers(0, n, r).astype(np.int64)
    x = rng.random((r, k))
    ideal = rng.random((2, n, k))
    x[:50, 2] = ideal[0, rows[:50], 2]  # distance zero
    weight = rng.dirichlet(np.ones(k), (2, n))
    risk = (
        np.where(rng.random((2, n)) < 0.5, rng.uniform(0.5, 2.5, (2, n)), 1.0)
        if curved
        else np.ones((2, n))
    )
    lines = Lines(
        side=np.array([0, 0, 1, 1, 0, 1, 1], dtype=np.int64),
        issue=np.array([0, 1, 1, 2, 3, 4, 0], dtype=np.int64),
        above=np.array([True, False, True, False, True, False, True]),
        threshold=rng.random((7, n)),
        penalty=rng.uniform(0.0, 0.5, (7, n)) * (rng.random((7, n)) < 0.8),
        ref_side=np.array([0, 1, 0], dtype=np.int64),
        ref_issue=np.array([1, 0, 3], dtype=np.int64),
        ref_value=rng.random(3),
    )
    x[50:80, 0] = lines.threshold[0, rows[50:80]]  # on the line: not crossed
    settled = np.array([True, True, True, False, True])  # issue 3 deferred
    u, pen = evaluate(rows, x, ideal, weight, risk, lines, front, settled)
    eu, epen = _evaluate_by_row(rows, x, ideal, weight, risk, lines, front, settled)
    assert (epen == 0.0).any() and (epen > 0.0).mean() > 0.5
    assert np.array_equal(u.view(np.int64), eu.view(np.int64))  # bits, signed zeros too
    assert np.array_equal(pen.view(np.int64), epen.view(np.int64))


def test_compiled_wait_terms_are_the_array_code_to_the_bit() -> None:
    rng = np.random.default_rng(17)
    r, k, front = 500, 4, 2
    terms = rng.random((r, k))
    terms[:20, front] = -0.0  # signed zeros, the clip's bounds and NaN survive as numpy has them
    terms[20:40, front] = np.array([0.0, 1.0, np.nan, -np.nan] * 5)
    drift = rng.normal(0.0, 0.05, r)
    drift[:10] = -0.0
    drift[40:60] = 0.0
    parts = [np.arange(r)] + [np.flatnonzero(rng.random(r) < 0.5) for _ in range(3)]
    pos = np.concatenate(parts).astype(np.int64)
    t = np.concatenate([np.minimum(2.0**j, rng.uniform(1, 8, len(p))) for j, p in enumerate(parts)])
    out = np.empty((len(pos), k))
    wait_terms(terms, pos, drift, t, front, out)
    expect = terms[pos]
    expect[:, front] = np.clip(expect[:, front] + drift[pos] * t, 0.0, 1.0)
    assert (expect[:, front] == 0.0).any() and (expect[:, front] == 1.0).any()
    assert np.signbit(expect[:, front][expect[:, front] == 0.0]).any()
    assert np.array_equal(out.view(np.int64), expect.view(np.int64))  # bits, signed zeros too


def test_waits_reaching_the_terms_of_the_wait_before_are_valued_once() -> None:
    rng = np.random.default_rng(23)
    r, k, front = 400, 3, 1
    terms = rng.random((r, k))
    terms[20:30, front] = np.nan  # NaN equals nothing: valued every time
    drift = rng.normal(0.0, 0.2, r)  # large: many rows reach an end of the issue
    drift[40:50] = 0.0  # no drift: every wait reaches the offer's own terms
    steps = [1.0, 2.0, 4.0, 8.0]
    parts = [np.arange(r)] + [np.flatnonzero(rng.random(r) < 0.7) for _ in steps[1:]]
    pos = np.concatenate(parts).astype(np.int64)
    t = np.concatenate([np.full(len(p), s) for p, s in zip(parts, steps, strict=True)])
    valued, src = wait_repeats(terms, pos, drift, t, front)
    every = np.empty((len(pos), k))
    wait_terms(terms, pos, drift, t, front, every)
    once = np.empty((len(valued), k))
    wait_terms(terms, pos[valued], drift, t[valued], front, once)
    # every wait's terms are, to the bit, those of the wait it takes its values from
    assert np.array_equal(every.view(np.int64), once[src].view(np.int64))
    assert np.array_equal(valued[src[valued]], valued)  # a valued wait is its own source
    assert 0.1 * len(pos) < len(pos) - len(valued)  # the repeats are many here ...
    nan_rows = np.isin(pos, np.arange(20, 30))
    assert np.isin(np.flatnonzero(nan_rows), valued).all()  # ... but no NaN is one
    first = {int(p): int(src[e]) for e, p in enumerate(pos) if 40 <= p < 50 and t[e] == 1.0}
    assert all(src[e] == first[int(p)] for e, p in enumerate(pos) if 40 <= p < 50)  # no drift
