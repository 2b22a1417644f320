"""The model against the base rates over a hindcast's cases: paired differences and discrimination, against hand values and an independent derivation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.output.report.hindcast import render_hindcast_report
from sim.output.report.skill import skill_section
from sim.output.skill import difference, discrimination, happened, paired, skill, skill_lines
from sim.studies.calibrate.loo import loo_skill

NAMES = {"model": "sim", "base": "constant hazard", "lognormal": "lognormal"}


def _case(y: bool, pm: float, pb: float, pl: float) -> dict:
    """A hindcast case row: the outcome and each forecaster's P with its Brier and log score."""

    def f(p: float) -> dict:
        return {
            "p": p,
            "brier": (p - y) ** 2,
            "log": -math.log(p if y else 1 - p),
            "crps_days": 100.0 * abs(p - y),
            "pit": 0.5,
            "covered": {"0.5": True, "0.8": True, "0.95": True},
        }

    return {
        "name": f"case <{pm}>",
        "snapshot": "2020-01-01",
        "horizon": "2021-01-01",
        "horizon_days": 366,
        "realised_day": 10 if y else None,
        "outcome": "ceasefire in force 2020-01-11 (day 10)" if y else "no ceasefire by the horizon",
        "model": f(pm),
        "base": f(pb),
        "lognormal": f(pl),
        "covered": {"0.5": True, "0.8": True, "0.95": True},
    }


def _cases(seed: int, n: int = 40) -> list[dict]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.5
    pm = np.clip(0.5 + 0.3 * (y - 0.5) + 0.2 * rng.standard_normal(n), 0.02, 0.98)
    pl = np.clip(0.5 + 0.1 * (y - 0.5) + 0.2 * rng.standard_normal(n), 0.02, 0.98)
    return [_case(bool(y[i]), float(pm[i]), 0.84, float(pl[i])) for i in range(n)]


def test_a_paired_difference_matches_the_hand_calculation():
    r = paired([0.1, 0.3, 0.2], [0.2, 0.1, 0.2])
    # d = (-0.1, 0.2, 0): mean 1/30, sd (n - 1) sqrt(0.07 / 3), se = sd / sqrt(3)
    assert r["diff"] == pytest.approx(1 / 30)
    assert r["se"] == pytest.approx(math.sqrt(0.07 / 3) / math.sqrt(3))
    assert (r["better"], r["worse"], r["same"], r["n"]) == (1, 1, 1, 3)
    assert (r["mean_a"], r["mean_b"]) == (pytest.approx(0.2), pytest.approx(0.5 / 3))
    assert paired([0.3], [0.1])["se"] is None  # one case: no spread to measure
    assert paired([0.1, None, 0.3, 0.2], [0.2, 0.4, 0.1, 0.2]) == r  # a missing score: left out


def test_the_auc_of_a_small_example_counts_ties_as_half():
    cases = [_case(True, 0.9, 0.5, 0.5), _case(True, 0.6, 0.5, 0.5)]
    cases += [_case(False, 0.6, 0.5, 0.5), _case(False, 0.2, 0.5, 0.5)]
    d = discrimination(cases, ["model", "base"])
    assert d is not None
    assert d["auc"]["model"]["auc"] == pytest.approx(3.5 / 4)  # 1 + 1 + 1/2 + 1 of four pairs
    assert d["auc"]["base"]["auc"] == 0.5  # the same P everywhere ranks nothing
    assert d["against"]["base"]["diff"] == pytest.approx(3.5 / 4 - 0.5)
    assert (d["with_ceasefire"], d["without"]) == (2, 2)


def test_auc_ranks_perfect_and_reversed_forecasts_at_the_ends():
    cases = [_case(True, 0.8, 0.2, 0.5), _case(True, 0.9, 0.1, 0.5)]
    cases += [_case(False, 0.3, 0.7, 0.5), _case(False, 0.1, 0.9, 0.5)]
    d = discrimination(cases, ["model", "base", "lognormal"])
    assert d is not None
    assert d["auc"]["model"]["auc"] == 1.0 and d["auc"]["base"]["auc"] == 0.0
    assert d["auc"]["model"]["se"] == 0.0  # every pair ranked alike


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delong_standard_errors_match_the_rank_formulas(seed: int):
    """An independent derivation (Sun & Xu 2014): with midranks R of a forecaster over all
    cases and R+ within the cases with the event, V10_i = (R_i - R+_i) / n and
    V01_j = 1 - (R_j - R-_j) / m; the AUC is the Mann-Whitney U / (m n)."""
    cases = _cases(seed)
    d = discrimination(cases, ["model", "lognormal"])
    assert d is not None
    y = np.array([happened(c) for c in cases])
    m, n = int(y.sum()), int((~y).sum())
    comps = {}
    for f in ("model", "lognormal"):
        p = np.array([c[f]["p"] for c in cases])
        r_all = stats.rankdata(p)
        v10 = (r_all[y] - stats.rankdata(p[y])) / n
        v01 = 1.0 - (r_all[~y] - stats.rankdata(p[~y])) / m
        u = stats.mannwhitneyu(p[y], p[~y]).statistic
        assert d["auc"][f]["auc"] == pytest.approx(u / (m * n))
        se = math.sqrt(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
        assert d["auc"][f]["se"] == pytest.approx(se)
        comps[f] = (v10, v01)
    dv10 = comps["model"][0] - comps["lognormal"][0]
    dv01 = comps["model"][1] - comps["lognormal"][1]
    se_diff = math.sqrt(np.var(dv10, ddof=1) / m + np.var(dv01, ddof=1) / n)
    assert d["against"]["lognormal"]["se"] == pytest.approx(se_diff)
    assert d["against"]["lognormal"]["diff"] == pytest.approx(
        d["auc"]["model"]["auc"] - d["auc"]["lognormal"]["auc"]
    )


def test_the_sharper_forecaster_discriminates_better_and_scores_lower():
    """The model's forecasts here follow the outcome three times as strongly as the
    lognormal's: its AUC is higher and its scores lower, each by more than two standard errors."""
    sk = skill(_cases(7, 200), ["model", "base", "lognormal"])
    d = sk["discrimination"]
    assert d["against"]["lognormal"]["diff"] > 2 * d["against"]["lognormal"]["se"]
    for s in ("brier", "log", "crps"):
        row = sk["scores"]["lognormal"][s]
        assert row["diff"] < -2 * row["se"]
        assert row["better"] > row["worse"]


def test_no_discrimination_without_both_outcomes():
    cases = [_case(True, 0.8, 0.8, 0.5), _case(True, 0.3, 0.8, 0.5)]
    assert discrimination(cases, ["model", "base"]) is None
    lines = skill_lines(skill(cases, ["model", "base"]), NAMES)
    assert lines[-1].startswith("discrimination: not defined")
    mixed = [*cases, _case(False, 0.2, 0.8, 0.5)]
    assert discrimination(mixed, ["model", "base"]) is not None
    del mixed[0]["base"]["p"]  # an older folder's row without the forecast
    assert discrimination(mixed, ["model", "base"]) is None
    assert skill(mixed, ["model", "base"])["scores"]["base"]["log"]["n"] == 3


def test_an_outcome_is_read_from_the_realised_day_or_else_the_words():
    assert happened({"realised_day": 3, "horizon_days": 10, "outcome": "x"})
    assert not happened({"realised_day": 10, "horizon_days": 10, "outcome": "x"})
    assert not happened({"realised_day": None, "horizon_days": 10, "outcome": "x"})
    assert not happened({"outcome": "no ceasefire by the horizon"})
    assert happened({"outcome": "ceasefire in force 2020-01-11 (day 10)"})


def test_a_difference_is_signed_with_its_standard_error():
    assert difference(-0.0213, 0.011, 3) == "−0.021 (se 0.011)"
    assert difference(10.56, None, 1, " days") == "+10.6 days"
    assert difference(None, None, 3) == "—"


def test_the_lines_and_the_page_say_which_way_the_comparison_goes():
    cases = _cases(4, 30)
    sk = skill(cases, ["model", "base", "lognormal"])
    lines = skill_lines(sk, NAMES)
    assert lines[1].startswith("sim − lognormal, paired over 30 cases (negative: sim better)")
    row = sk["scores"]["lognormal"]["log"]
    assert f"lower in {row['better']} of 30 cases, higher in {row['worse']}" in lines[1]
    assert "AUC" in lines[-1] and "minus lognormal" in lines[-1]
    data = {"meta": {"base_rate": {"median_days": 139}}, "cases": cases, "totals": {}}
    html = render_hindcast_report(data, {})
    assert "Is sim better than the base rates?" in html
    assert difference(row["diff"], row["se"], 3) in html
    assert "case &lt;" in html and "case <0" not in html  # case names are escaped


def test_leave_one_case_out_scores_are_paired_with_the_base_rates():
    cases = _cases(5, 12)
    rows = [
        {"brier": c["model"]["brier"], "log": c["model"]["log"], "crps": c["model"]["crps_days"]}
        | {"base": c["base"], "lognormal": c["lognormal"]}
        for c in cases
    ]
    lines = loo_skill(rows)
    sk = skill(cases, ["model", "base", "lognormal"])
    for line, g in zip(lines, ("base", "lognormal"), strict=True):
        row = sk["scores"][g]
        assert f"Brier {difference(row['brier']['diff'], row['brier']['se'], 3)}" in line
        assert f"log {difference(row['log']['diff'], row['log']['se'], 3)}" in line


def test_the_comparison_within_each_band_of_the_wars_age_is_that_of_its_cases():
    cases = _cases(6, 30)
    for i, c in enumerate(cases):
        c["war_age_days"] = (3, 100, 900)[i % 3]
    sk = skill(cases, ["model", "base", "lognormal"])
    assert [b["band"] for b in sk["by_age"]] == [
        "under 30 days",
        "30 to 364 days",
        "a year or more",
    ]
    assert sum(b["cases"] for b in sk["by_age"]) == 30
    for k, b in enumerate(sk["by_age"]):
        inside = cases[k::3]
        alone = skill(inside, ["model", "base", "lognormal"], bands=False)
        assert b["scores"] == alone["scores"] and b["discrimination"] == alone["discrimination"]
        assert b["by_age"] == []
    html = "".join(skill_section(cases, ["model", "base", "lognormal"], NAMES, "x"))
    assert "By the war's age at the snapshot" in html and "30 to 364 days" in html
    for c in cases:
        c["war_age_days"] = 5  # one band: no table by age
    assert "By the war" not in "".join(
        skill_section(cases, ["model", "base", "lognormal"], NAMES, "x")
    )


def test_one_case_is_compared_without_standard_errors_or_discrimination():
    lines = skill_lines(
        skill([_case(True, 0.7, 0.84, 0.75)], ["model", "base", "lognormal"]), NAMES
    )
    assert len(lines) == 2  # one line per base rate, no discrimination line
    assert lines[1].startswith("sim − lognormal on the one case: Brier +0.02")  # 0.09 - 0.0625
    assert "(se " not in lines[1]
