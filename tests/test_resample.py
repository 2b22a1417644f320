"""Resample-move (sim/model/engine/resample.py): systematic resampling, the reindexing of a
chunk's whole state, the limit of no resampling, and agreement with importance weighting."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import numpy as np
import pytest

import sim
from sim.model.engine import resample as rs
from sim.model.engine.chunk import simulate_chunk
from sim.model.engine.world import WorldBase
from sim.model.history import condition
from sim.model.mechanisms import compile_scenario
from sim.output.stats import weighted_share

RU = "scenarios/history/russia_ukraine_2025.yaml"


def test_systematic_resampling_gives_each_particle_the_floor_or_ceiling_of_its_share():
    w = np.array([0.0, 1.0, 2.0, 0.5, 0.0, 4.5, 2.0])
    for u in (0.0, 0.37, 0.999):
        idx = rs.systematic(w, u)
        counts = np.bincount(idx, minlength=len(w))
        share = len(w) * w / w.sum()
        assert np.all(counts >= np.floor(share)) and np.all(counts <= np.ceil(share))
        assert counts[0] == counts[4] == 0  # no weight, no copies
        assert np.all(np.diff(idx) >= 0)


class _Dealt:
    """A generator whose draws of one value per replicate are dealt in the order ``order[0]``:
    replicate i gets what replicate order[0][i] would have drawn."""

    def __init__(self, g: np.random.Generator, order: list[np.ndarray]):
        self.g, self.order = g, order

    def _deal(self, x: Any, size: Any) -> Any:
        return x if size is None else x[self.order[0]]

    def random(self, size: Any = None) -> Any:
        return self._deal(self.g.random(size), size)

    def standard_normal(self, size: Any = None) -> Any:
        return self._deal(self.g.standard_normal(size), size)

    def permutation(self, n: int) -> Any:  # replays deal their futures to the same positions
        return np.arange(n)

    def standard_t(self, df: Any, size: Any = None) -> Any:
        undealt = np.asarray(df)[np.argsort(self.order[0])] if np.ndim(df) else df
        return self._deal(self.g.standard_t(undealt, size), size)


@pytest.mark.parametrize(
    "case",
    [RU, "scenarios/history/cyprus_1974.yaml", "scenarios/history/armenia_azerbaijan_2016.yaml"],
)
def test_resampling_moves_every_piece_of_state(monkeypatch, case):
    """Permute the replicates at every observation day and deal the later draws in the same
    permuted order: then replicate i must live exactly the future replicate P[i] lived in the
    plain run, in every outcome. A piece of state the reindexing missed breaks this."""
    s = sim.load_scenario(case)
    n = 97
    plain = simulate_chunk(compile_scenario(s), 3, 0, n, 0, 0).outcomes
    plan = rs.Resampling.of(list(s.observations), s.start, s.horizon_date, threshold=2.0, passes=1)
    assert plan.used, "the case needs observations"
    order = [np.arange(n)]
    perms = np.random.default_rng(5)

    def permute(w: np.ndarray, u: float, m: int | None = None) -> np.ndarray:
        p = perms.permutation(len(w)).astype(np.int64)
        order[0] = order[0][p]
        return p

    moved = _dealt_run(monkeypatch, s, plan, n, permute, order)
    assert not np.array_equal(order[0], np.arange(n))
    _assert_lives(plain, moved, order[0])


def _dealt_run(monkeypatch, s, plan, n, pick, order, cut: bool = False) -> dict[str, Any]:
    """A chunk resampled by ``pick`` (in place of systematic resampling), every observation
    weighing nothing (with ``cut``, ruling out every third position), later draws dealt in the
    order ``order[0]`` that ``pick`` keeps."""
    real_rng = WorldBase.rng
    monkeypatch.setattr(rs, "systematic", pick)
    out = np.where(np.arange(n) % 3 == 0, -np.inf, 0.0) if cut else np.zeros(n)
    monkeypatch.setattr(rs, "log_likelihood", lambda ob, v, start: out.copy())
    monkeypatch.setattr(
        WorldBase, "rng", lambda w, name, day: _Dealt(real_rng(w, name, day), order)
    )
    moved = simulate_chunk(compile_scenario(s, plan), 3, 0, n, 0, 0).outcomes
    assert moved["smc.eve"].tolist() == order[0].tolist()
    return moved


def _assert_lives(plain: dict[str, Any], moved: dict[str, Any], order: np.ndarray) -> None:
    """Replicate i of ``moved`` lived exactly the future replicate order[i] lived in ``plain``."""
    for col, x in plain.items():
        want, got = np.asarray(x)[order], np.asarray(moved[col])
        if want.dtype.kind == "f":
            assert np.array_equal(want, got, equal_nan=True), col
        else:
            assert want.tolist() == got.tolist(), col


@pytest.mark.parametrize(
    ("case", "cut"), [(RU, False), ("scenarios/history/cyprus_1974.yaml", False), (RU, True)]
)
def test_a_replayed_stretch_lives_the_same_futures_from_the_saved_state(monkeypatch, case, cut):
    """Replays from the state saved at the last observation, with the futures dealt to the
    same positions, must live exactly the futures the first play lived: then pooling the
    plays (here futures from each in turn, in a random order) and dealing later draws in that
    order gives replicate i the plain run's future pos[i], in every outcome. State that saving
    and putting back loses or couples wrongly breaks this. With ``cut`` every observation
    rules out every third position, so a play waiting to be pooled keeps only some of its
    futures, and the pooled ones must still be the right ones."""
    s = sim.load_scenario(case)
    n = 96
    plain = simulate_chunk(compile_scenario(s), 3, 0, n, 0, 0).outcomes
    plan = rs.Resampling.of(list(s.observations), s.start, s.horizon_date, threshold=2.0, passes=2)
    plan = dataclasses.replace(plan, replay_below=2.0)  # replay at every observation
    order = [np.arange(n)]
    perms = np.random.default_rng(8)

    def pick(w: np.ndarray, u: float, m: int | None = None) -> np.ndarray:
        if m is None:  # a replay's futures drawn from the saved state: the same ones
            return np.arange(len(w), dtype=np.int64)
        if not cut:  # alternately from the first play and the replay
            pos = perms.permutation(m).astype(np.int64)
            picks = pos + m * (np.arange(m) % 2)
        else:  # any of the futures that carry weight, in either play
            picks = perms.choice(np.flatnonzero(w > 0), size=m).astype(np.int64)
            pos = picks % m
        order[0] = order[0][pos]
        return picks

    moved = _dealt_run(monkeypatch, s, plan, n, pick, order, cut)
    assert len(np.unique(moved["smc.parent"] // n)) == 2  # futures of both plays were kept
    _assert_lives(plain, moved, order[0])


def test_without_resampling_the_weights_are_the_importance_weights():
    s = sim.load_scenario(RU)
    as_of = dt.date(2025, 9, 1)
    plan = rs.Resampling.of(list(s.observations), s.start, as_of, threshold=0.0)
    out = simulate_chunk(compile_scenario(s, plan), 4, 0, 512, 0, 0).outcomes
    cols = {i: out[f"obs.{i}"] for i in range(len(s.observations))}
    want = condition(list(s.observations), cols, s.start, as_of, 512).weights
    lw = out["smc.log_weight"]
    got = np.exp(lw - lw.max())
    got *= 512 / got.sum()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert out["smc.eve"].tolist() == out["smc.parent"].tolist() == list(range(512))


@pytest.fixture(scope="module")
def resampled():
    """Russia–Ukraine 2025 as of 1 September, 4,400 futures (two chunks), resampled."""
    s = sim.load_scenario(RU)
    return s, sim.run(s, replicates=4400, seed=6, as_of="2025-09-01", resample=True)


def test_a_resampled_run_reports_its_filter_and_counts_ancestors_in_its_intervals(resampled):
    _, r = resampled
    cond = r.summary()["conditioning"]
    assert cond["method"] == "resample-move" and cond["as_of"] == "2025-09-01"
    steps = r.meta["resampling"]["steps"]
    assert [st["date"] for st in steps] == sorted(st["date"] for st in steps)
    assert sum(st["resampled_chunks"] for st in steps) >= 1
    eve = np.asarray(r.column("smc.eve"))
    assert cond["distinct_ancestors"] == len(np.unique(eve[r.weights > 0]))
    assert cond["distinct_ancestors"] < cond["consistent"] <= r.n
    # copies of one ancestor count once: the interval is wider than one counting futures
    assert cond["ess"] < cond["ess_futures"]
    p = r.summary()["p_ceasefire"]
    flags = r.ceasefire_flags()
    est, lo, hi = weighted_share(flags, r.weights)
    assert p["estimate"] == pytest.approx(est, abs=1e-6)
    assert p["ci_high"] - p["ci_low"] >= hi - lo
    # the prior of each input is the run's draws before any resampling
    prior = {row["input"]: row["prior"]["mean"] for row in cond["posterior"]}
    drawn = np.asarray(r.column("prior.param.actors.russia.support"), dtype=float)
    assert prior["param.actors.russia.support"] == pytest.approx(float(np.mean(drawn)))


def test_a_resampled_run_is_read_as_of_its_own_date_only(resampled):
    _, r = resampled
    with pytest.raises(sim.UsageError, match="resampled on the record up to 2025-09-01"):
        r.condition("2025-10-01")
    assert [p["as_of"] for p in r.forecast_path()] == ["2025-09-01"]


def test_resampled_runs_do_not_depend_on_the_number_of_workers(resampled):
    s, r = resampled
    two = sim.run(s, replicates=4400, seed=6, workers=2, as_of="2025-09-01", resample=True)
    for col in ("smc.log_weight", "smc.eve", "smc.parent", "ceasefire_day", "obs.3"):
        assert np.array_equal(
            np.asarray(r.column(col)), np.asarray(two.column(col)), equal_nan=True
        )


@pytest.mark.slow
def test_resampling_and_weighting_estimate_the_same_conditional_forecast():
    """As of 1 July (where weighting alone still keeps a usable sample), the two estimators of
    P(ceasefire by the horizon) and of an input's posterior mean agree within their standard
    errors (independent seeds; each from its own effective sample)."""
    s = sim.load_scenario(RU)
    kw = {"replicates": 16384, "workers": 2, "as_of": "2025-07-01"}
    smc = sim.run(s, seed=11, resample=True, **kw)
    imp = sim.run(s, seed=12, **kw)
    for name in ("ceasefire", "param.actors.russia.support"):
        est, se = [], []
        for r in (smc, imp):
            x = r.ceasefire_flags().astype(float) if name == "ceasefire" else r.days(name)
            w = r.weights / r.weights.sum()
            m = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - m) ** 2)))
            n_eff = r.summary()["conditioning"]["ess"]
            est.append(m)
            se.append(sd / np.sqrt(n_eff))
        assert abs(est[0] - est[1]) <= 4 * float(np.hypot(*se)), (name, est, se)


def test_sim_run_resample_writes_a_resampled_run_and_refuses_it_without_a_date(tmp_path):
    from tests.test_cli_run import call

    out = tmp_path / "ru"
    argv = ["run", RU, "-n", "300", "--seed", "2", "--as-of", "2025-09-01", "--resample"]
    code, stdout, _ = call([*argv, "--out", str(out)])
    assert code == 0, stdout
    assert "resampled: 300 futures from" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["conditioning"]["method"] == "resample-move"
    assert "by resample-move" in (out / "report.html").read_text()
    again = sim.Results.load(out).summary()  # read back: weighted by its own filters again
    assert again["p_ceasefire"] == summary["p_ceasefire"]
    code, _, err = call(["run", RU, "-n", "300", "--resample", "--out", str(tmp_path / "x")])
    assert code == 2 and "give --as-of DATE too" in err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_n_auto_grows_a_resampled_run_until_its_interval_counting_ancestors_is_narrow():
    s = sim.load_scenario(RU)
    kw = {"seed": 4, "as_of": "2025-07-01", "resample": True}
    r = sim.run(s, precision=0.015, max_replicates=40960, workers=2, **kw)
    p = r.summary()["p_ceasefire"]
    assert (p["ci_high"] - p["ci_low"]) / 2 <= 0.015 or r.n == 40960
    assert r.n % 4096 == 0 and r.n >= 4096
    fixed = sim.run(
        s, replicates=r.n, workers=2, **kw
    )  # growing chunk by chunk equals the fixed size
    assert fixed.summary()["p_ceasefire"] == p
    if r.n > 4096:  # one chunk fewer was not narrow enough
        fewer = sim.run(s, replicates=r.n - 4096, workers=2, **kw).summary()["p_ceasefire"]
        assert (fewer["ci_high"] - fewer["ci_low"]) / 2 > 0.015


def test_hindcast_conditions_each_case_by_resample_move_unless_asked_to_weigh():
    cases = ["scenarios/history/kargil_1999.yaml", "scenarios/history/korea_1951.yaml"]
    known = [
        any(o.date <= sim.load_scenario(c).start for o in sim.load_scenario(c).observations)
        for c in cases
    ]
    assert known == [True, False]  # Kargil: both offers of the snapshot day refused
    res = sim.hindcast(cases, replicates=300, seed=2)
    assert res.meta["conditioning"] == "resample-move"
    kargil, korea = (res.runs[k] for k in sorted(res.runs))
    assert kargil.meta["conditioning"]["method"] == "resample-move"
    assert kargil.meta["conditioning"]["as_of"] == "1999-06-12"
    assert "resampling" not in korea.meta  # nothing on the record that day: a plain run
    plain = sim.hindcast(cases, replicates=300, seed=2, resample=False)
    assert plain.meta["conditioning"] == "weighting"
    assert "resampling" not in plain.runs[sorted(plain.runs)[0]].meta  # Kargil: weighted
    assert plain.cases[1]["model"] == res.cases[1]["model"]  # Korea: the same run


def test_a_chunk_that_nothing_fits_stays_out_and_does_not_replay_from_nothing(monkeypatch):
    """No future of the chunk fits the first observation: its weights are 0 (log -inf) from
    then on, later observations do not try to replay from a state with no weight, and the
    chunk ends without error."""
    s = sim.load_scenario(RU)
    plan = rs.Resampling.of(list(s.observations), s.start, dt.date(2025, 9, 1))
    first = plan.used[0]
    calls: list[int] = []
    real = rs.log_likelihood

    def ll(ob, v, start):
        calls.append(1)
        if ob is plan.observations[first]:
            return np.full(len(v), -np.inf)
        return real(ob, v, start)

    replays: list[int] = []
    real_replay = rs.Filter._replay
    monkeypatch.setattr(rs, "log_likelihood", ll)
    monkeypatch.setattr(
        rs.Filter, "_replay", lambda self, *a: replays.append(1) or real_replay(self, *a)
    )
    out = simulate_chunk(compile_scenario(s, plan), 4, 0, 128, 0, 0).outcomes
    assert np.all(out["smc.log_weight"] == -np.inf)
    assert len(calls) >= len(plan.used) and replays  # replays tried at the first observation


def test_a_replayed_chunk_leaves_no_mechanism_for_the_cyclic_collector():
    """Replaying a stretch puts a copy of the saved state in place of the state the chunk was
    built with; that state (a table and the callbacks that point back at it) is taken apart as
    it is dropped, so a finished chunk's arrays are freed at once, not when the cyclic garbage
    collector next runs (a resampled run's memory grew with its chunks until it was)."""
    import gc

    s = sim.load_scenario(RU)
    plan = rs.Resampling.of(list(s.observations), s.start, s.horizon_date, threshold=2.0, passes=2)
    plan = dataclasses.replace(plan, replay_below=2.0)  # replay at every observation
    specs = compile_scenario(s, plan)
    gc.collect()
    gc.disable()
    try:
        simulate_chunk(specs, 3, 0, 96, 0, 0)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [type(o) for o in gc.garbage if type(o).__module__.startswith("sim.")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
