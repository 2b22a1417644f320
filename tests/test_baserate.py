"""The outside view beside a run's forecast: the share of wars as old as this one that end by the
horizon (the age-conditioned lognormal of war durations that sim hindcast scores), computed by
hand here, shown in the summary, the headline, the report's cards and the curve figure."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import yaml
from oracle_scenarios import toy
from scipy import stats

import sim
from sim.output.baserate import base_rate, base_rate_curve
from sim.output.plots.run import plot_ceasefire_curve

LABEL = "base rate: wars this old that have ended (Correlates of War)"


def by_hand(age: int, days: int) -> float:
    """(F(a + d) - F(a)) / (1 - F(a)), F the lognormal with median 139 and mean 408 days."""
    sigma = math.sqrt(2 * math.log(408 / 139))
    f = stats.lognorm(s=sigma, scale=139)
    return float((f.cdf(age + days) - f.cdf(age)) / f.sf(age))


def _case(folder: Path, war_began: str | None) -> Path:
    s = toy()
    if war_began:
        s["war_began"] = war_began
    s["observations"] = [{"by": "2025-03-01", "source": "r", "ceasefire": False}]
    f = folder / f"toy_{war_began or 'none'}.yaml"
    f.write_text(yaml.safe_dump(s, sort_keys=False))
    return f


def test_the_base_rate_is_the_age_conditioned_lognormal_by_hand():
    meta = {"war_began": "2024-10-03"}
    start, horizon = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    b = base_rate(meta, start, horizon)
    assert b is not None and b["war_age_days"] == 90 and b["days"] == 364
    assert b["p"] == pytest.approx(by_hand(90, 364), abs=1e-6)
    older = base_rate({"war_began": "2020-10-03"}, start, horizon)
    assert older is not None and older["p"] < b["p"]  # the hazard of ending falls with age
    dates, p = base_rate_curve(meta, start, horizon)
    assert len(dates) == len(p) == 365 and p[0] == 0.0
    assert p[-1] == pytest.approx(b["p"], abs=1e-6) and (p[1:] >= p[:-1]).all()
    assert base_rate({}, start, horizon) is None and base_rate_curve({}, start, horizon) is None


def test_a_run_shows_the_base_rate_only_when_the_war_has_a_start(tmp_path: Path):
    for began in ("2024-10-03", None):
        f = _case(tmp_path, began)
        r = sim.run(sim.load_scenario(f), replicates=200, seed=1)
        b = r.summary()["base_rate"]
        ax = plot_ceasefire_curve(r)
        labels = [line.get_label() for line in ax.get_lines()]
        if began is None:
            assert b is None and "base rate" not in r.headline()
            assert LABEL not in labels
            continue
        days = (r.horizon - r.start).days
        assert b["days"] == days and b["p"] == pytest.approx(by_hand(90, days), abs=1e-6)
        assert f"base rate: {100 * b['p']:.1f}% of wars 90 days old" in r.headline()
        assert LABEL in labels
        out = r.save(tmp_path / "run", report=True)
        html = (out / "report.html").read_text()
        assert "Base rate: wars this old ending by" in html


def test_an_as_of_run_counts_the_base_rate_from_its_date(tmp_path: Path):
    f = _case(tmp_path, "2024-10-03")
    r = sim.run(sim.load_scenario(f), replicates=200, seed=1, as_of="2025-03-01")
    b = r.summary()["base_rate"]
    s = sim.load_scenario(f)
    age = (dt.date(2025, 3, 1) - dt.date(2024, 10, 3)).days
    days = (s.horizon_date - dt.date(2025, 3, 1)).days
    assert b["from"] == "2025-03-01" and b["war_age_days"] == age and b["days"] == days
    assert b["p"] == pytest.approx(by_hand(age, days), abs=1e-6)
