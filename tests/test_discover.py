"""Scenario discovery: PRIM finds a planted box; the verb writes its files and report section."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.output.results import Results
from sim.studies.discover import discover

BOX = {"a": (0.3, 0.7), "b": (0.0, 0.5)}  # true inside: mass 0.4 x 0.5 = 0.2


def _planted(n: int = 5000, seed: int = 1, weight: str | None = None) -> Results:
    """Five uniform inputs; the outcome is a ceasefire exactly inside BOX."""
    rng = np.random.default_rng(seed)
    x = {k: rng.uniform(size=n) for k in "abcde"}
    inside = np.ones(n, dtype=bool)
    for k, (lo, hi) in BOX.items():
        inside &= (x[k] >= lo) & (x[k] <= hi)
    cols = {f"param.pressures.{k}": v for k, v in x.items()}
    cols["ceasefire"] = inside
    cols["ceasefire_day"] = np.where(inside, 10.0, np.nan)
    if weight == "column":
        cols["weight"] = np.ones(n)
    meta = {"seed": 3, "start": "2030-01-01", "horizon": "2030-12-31", "horizon_days": 364}
    r = Results(pd.DataFrame(cols), pd.DataFrame(), meta)
    if weight == "attribute":  # how a run conditioned on evidence carries its weights
        r.weights = np.ones(n)  # type: ignore[attr-defined]
    return r


@pytest.mark.parametrize("weight", [None, "column", "attribute"])
def test_prim_finds_the_planted_box(weight: str | None) -> None:
    d = discover(_planted(weight=weight))
    c = d.chosen
    assert c["coverage"] > 0.9 and c["density"] > 0.9
    assert {r.path for r in d.restrictions} == {"pressures.a", "pressures.b"}
    lim = {r.path: r for r in d.restrictions}
    # Limits within a peel step (5% of the remaining points) of the planted ones.
    assert lim["pressures.a"].lo == pytest.approx(0.3, abs=0.03)
    assert lim["pressures.a"].hi == pytest.approx(0.7, abs=0.03)
    assert lim["pressures.b"].lo is None  # the lower side of b is the sampled minimum
    assert lim["pressures.b"].hi == pytest.approx(0.5, abs=0.03)
    assert all(r.qp() is not None and r.qp() < 1e-6 for r in d.restrictions)
    assert d.weighted is (weight is not None)


def test_a_weighted_run_is_resampled_by_its_weights() -> None:
    # Weight only the replicates with a < 0.5: the weighted ensemble holds no a above 0.5,
    # so PRIM sees a only up to 0.5 and needs no upper limit on it any more.
    r = _planted()
    a = r.column("param.pressures.a")
    r.weights = np.where(a < 0.5, 1.0, 1e-9)  # type: ignore[attr-defined]
    d = discover(r)
    lim = {x.path: x for x in d.restrictions}
    assert lim["pressures.a"].sampled_hi < 0.5 and lim["pressures.a"].hi is None
    assert lim["pressures.a"].lo == pytest.approx(0.3, abs=0.03)
    assert d.chosen["coverage"] > 0.9 and d.chosen["density"] > 0.9


def test_noise_inputs_are_not_kept_when_resampled() -> None:
    d = discover(_planted(n=3000), resamples=3)
    assert all(r.stability is not None and r.stability >= 2 / 3 for r in d.restrictions)


def test_prim_reruns_on_two_workers_give_the_same_stability_and_report_progress() -> None:
    calls: list[tuple[int, int]] = []
    one = discover(_planted(n=2000), resamples=4)
    two = discover(
        _planted(n=2000), resamples=4, workers=2, progress=lambda d, t: calls.append((d, t))
    )
    assert [r.stability for r in one.restrictions] == [r.stability for r in two.restrictions]
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_an_interrupted_discovery_goes_on_without_the_reruns_it_had_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.studies import discover_prim

    want = discover(_planted(n=2000), resamples=4)
    real, calls = discover_prim._restricts, []

    def interrupted(job):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the third rerun
        return real(job)

    monkeypatch.setattr(discover_prim, "_restricts", interrupted)
    ck = tmp_path / "reruns"
    with pytest.raises(KeyboardInterrupt):
        discover(_planted(n=2000), resamples=4, checkpoint=ck)
    assert len(list(ck.glob("*/cell.json"))) == 2
    calls.clear()
    monkeypatch.setattr(discover_prim, "_restricts", lambda job: (calls.append(1), real(job))[1])
    got = discover(_planted(n=2000), resamples=4, checkpoint=ck)
    assert len(calls) == 2  # only the reruns that had not finished
    assert [r.stability for r in got.restrictions] == [r.stability for r in want.restrictions]
    calls.clear()
    other = discover(_planted(n=2000), resamples=4, min_mass=0.1, checkpoint=ck)
    assert len(calls) == 4 and other.restrictions  # another discovery: nothing read back


def test_outcome_by_date_and_bad_outcomes() -> None:
    r = _planted()
    assert discover(r, outcome="ceasefire_by=2030-06-01").base_rate == pytest.approx(
        float(r.column("ceasefire").mean())
    )
    with pytest.raises(UsageError, match="between the run's start"):
        discover(r, outcome="ceasefire_by=2031-06-01")
    with pytest.raises(UsageError, match="ceasefire, in_force or"):
        discover(r, outcome="peace")
    with pytest.raises(UsageError, match="nothing to discover"):
        discover(r, outcome="ceasefire_by=2030-01-05")


@pytest.mark.slow
def test_discover_verb_writes_files_and_report_section(tmp_path: Path, capsys) -> None:
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(root / "scenarios" / "baseline.yaml"),
                "-n",
                "3000",
                "--seed",
                "2",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert main(["discover", str(out), "--min-mass", "0.1"]) == 0
    text = capsys.readouterr().out
    assert "What must be true for a ceasefire by 2025-12-31" in text
    saved = json.loads((out / "discover.json").read_text())
    assert list(saved) == ["ceasefire"]
    assert saved["ceasefire"]["chosen"]["density"] > saved["ceasefire"]["base_rate"]
    assert (out / "figures" / "discover_ceasefire_box.png").is_file()
    assert "What must be true for a ceasefire" in (out / "report.html").read_text()
