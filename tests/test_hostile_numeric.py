"""Hostile numbers (issue 20, items on numeric edges): a record no replicate can carry,
effects that overflow, YAML 1.1 numbers, non-finite options, outputs that do not vary and
discovery on a handful of replicates. Each ends in a clean refusal or a correct result."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hostile import BASELINE, MINI, call, refused

import sim
from sim.io.limits import MAX_MAGNITUDE
from sim.model.history import SOFT_Z_MAX, condition
from sim.model.scenario.observations import Observation
from sim.model.scenario.yamlparse import parse_yaml
from sim.output.stats import effective_n, weighted_kaplan_meier

M = str(MINI)
# the mini.yaml: a 0-100 front line the battlefield moves, sanctions fixed at 0.3
FRONT = """name: mini
start: 2025-01-01
horizon: 2025-12-31
round_days: 7
issues:
  territory: {range: [0, 100], status_quo: front_line}
actors:
  a: {role: belligerent, side: A, ideal: {territory: 0}, salience: {territory: 1}}
  b: {role: belligerent, side: B, ideal: {territory: 100}, salience: {territory: 1}}
  m: {role: mediator, weights: {a: 1, b: 1}}
pressures:
  battlefield: {control: 40}
  sanctions: {target: b, level: 0.3}
sources: [x]
"""
FAR = "  - {on: 2025-03-01, sanctions: {value: 1.0, sd: 0.025}, source: x}\n"


def _mini(tmp_path: Path, extra: str, name: str = "s.yaml") -> str:
    """MINI (sanctions fixed at 0.3) with ``extra`` YAML appended."""
    f = tmp_path / name
    f.write_text(MINI.read_text() + extra)
    return str(f)


# ------------------------------------------------------- 1: a record no replicate can carry


@pytest.mark.parametrize(
    "size",
    [["-n", "200"], ["-n", "200", "--quiet"], ["-n", "auto", "--max-replicates", "8192"]],
    ids=["n", "quiet", "auto"],
)
def test_1_a_soft_record_far_from_every_replicate_is_refused_and_nothing_is_left(tmp_path, size):
    f = _mini(tmp_path, "observations:\n" + FAR)
    out = tmp_path / "out"
    err = refused(
        ["run", f, *size, "--seed", "1", "--as-of", "2025-04-01", "--out", str(out)],
        "no replicate is consistent",
        "2025-03-01 (sanctions)",
        "the nearest replicate has 0.3, 28 sd away",
        "run more replicates",
    )
    assert "--resume" not in err  # resuming would fail the same way, for ever
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # no folder, no chunks


def test_1_a_hard_record_no_replicate_meets_leaves_no_chunks_to_resume(tmp_path):
    f = _mini(
        tmp_path, "observations:\n  - {on: 2025-03-01, sanctions: {between: [0.9, 1]}, source: x}\n"
    )
    err = refused(
        ["run", f, "-n", "200", "--as-of", "2025-04-01", "--out", str(tmp_path / "o")],
        "alone rules out 200 of 200",
    )
    assert "--resume" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def _soft(value: float, sd: float) -> Observation:
    return Observation.model_validate(
        {"on": "2025-02-01", "source": "x", "front_line": {"value": value, "sd": sd}}
    )


def test_1_weights_are_the_likelihood_ratios_even_where_the_likelihoods_underflow():
    # 40 records each 7-8 sd from every replicate: each likelihood is ~e^-28, their product
    # ~e^-1100, which is 0.0 in floating point; the ratios between replicates are not
    obs = [_soft(0.0, 1.0)] * 40
    v = 7.0 + 0.2 * np.arange(5)
    cols = {i: v for i in range(40)}
    c = condition(obs, cols, dt.date(2025, 1, 1), "2025-03-01", 5)
    logw = -40 * 0.5 * v**2
    want = np.exp(logw - logw.max())
    np.testing.assert_allclose(c.weights, want * 5 / want.sum(), rtol=1e-12)
    assert c.consistent == 5 and math.isfinite(c.ess)
    assert c.ess == pytest.approx(want.sum() ** 2 / np.sum(want**2), rel=1e-12)
    assert 1.0 <= c.ess < 1.01  # the nearest replicate carries nearly all the weight


def test_1_a_replicate_beyond_the_soft_bound_is_ruled_out_and_counted():
    v = np.array([0.0, SOFT_Z_MAX - 0.1, SOFT_Z_MAX + 0.1, np.nan])
    c = condition([_soft(0.0, 1.0)], {0: v}, dt.date(2025, 1, 1), "2025-03-01", 4)
    assert c.consistent == 2 and c.removed == {0: 2}
    with pytest.raises(sim.RunError, match=r"no replicate is consistent.*8\.1 sd away"):
        condition([_soft(0.0, 1.0)], {0: v[2:]}, dt.date(2025, 1, 1), "2025-03-01", 2)


def test_1_effective_sizes_do_not_underflow_for_tiny_weights():
    assert effective_n(np.array([1e-200, 1e-200, 0.0])) == pytest.approx(2.0)
    assert effective_n(np.zeros(3)) == 0.0
    km = weighted_kaplan_meier([1.0, 2.0, 3.0], [True, True, False], [1e-200, 1e-200, 1e-200])
    assert np.isfinite(km.ci_low).all() and np.isfinite(km.ci_high).all()
    assert km.survival == pytest.approx([2 / 3, 1 / 3, 1 / 3])


# ------------------------------------------------------- 2, 3: effects and numeric ranges


@pytest.mark.parametrize("change", ["*1e309", "+1e309", "-1e309", "*1e13", "*1e3e3"])
def test_2_an_effect_beyond_every_number_is_refused_at_validation(tmp_path, change):
    f = _mini(
        tmp_path, f'events:\n  - {{name: x, on: 2025-02-01, effect: {{intensity: "{change}"}}}}\n'
    )
    refused(["validate", f], "s.yaml:", "events.0.effect.intensity")
    out = tmp_path / "o"
    refused(["run", f, "-n", "100", "--out", str(out)], "events.0.effect.intensity")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # no .o.chunks left


def test_3_dated_effects_that_compound_beyond_the_largest_number_are_refused(tmp_path):
    f = _mini(
        tmp_path,
        "events:\n"
        '  - {name: x, on: 2025-02-01, effect: {intensity: "*1e11"}}\n'
        '  - {name: y, on: 2025-03-01, effect: {intensity: "*100"}}\n',
    )
    refused(["validate", f], "events.1.effect.intensity", "compounds to a factor of 1e+13")
    # a new value in between starts the count again
    g = _mini(
        tmp_path,
        "events:\n"
        '  - {name: x, on: 2025-02-01, effect: {intensity: "*1e11"}}\n'
        "  - {name: z, on: 2025-02-15, effect: {intensity: 1}}\n"
        '  - {name: y, on: 2025-03-01, effect: {intensity: "*100"}}\n',
        "g.yaml",
    )
    assert call(["validate", g])[0] == 0


def test_3_effects_at_random_dates_compound_but_stay_finite(tmp_path):
    from sim.model.mechanisms.effects import Op, Targets

    x = np.array([1.0, 5e11])
    t = Targets(("a", "b"))
    t.add("intensity", lambda who: x)
    for _ in range(3):  # 1e12 * 1e12 * 1e12 would be 1e36, then inf
        t.apply((Op("intensity", None, "*", 1e12),), np.array([True, True]))
    assert x.tolist() == [MAX_MAGNITUDE, MAX_MAGNITUDE]
    f = tmp_path / "front.yaml"
    f.write_text(
        FRONT + 'events:\n  - {name: x, rate_per_year: 50, effect: {intensity: "*1e12", '
        'capability.a: "*1e12", cost.b: "*1e12"}}\n'
    )
    r = sim.run(sim.load_scenario(f), replicates=64, seed=1)
    assert np.isfinite(r.column("final_control")).all()
    assert 0.0 <= r.summary()["p_ceasefire"]["estimate"] <= 1.0


def test_3_a_tail_too_thin_to_keep_the_noise_finite_is_refused(tmp_path):
    f = tmp_path / "front.yaml"
    f.write_text(FRONT)
    for tail in ("1e-12", "0.5"):
        tail_set = ["--set", f"pressures.battlefield.tail={tail}"]
        refused(
            ["run", str(f), "-n", "50", "--out", str(tmp_path / "o"), *tail_set],
            "pressures.battlefield.tail: must be >= 1",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["front.yaml"]
    r = sim.run(sim.load_scenario(f, ["pressures.battlefield.tail=1"]), replicates=64, seed=1)
    assert np.isfinite(r.column("final_control")).all()  # the Cauchy keeps it finite


@pytest.mark.parametrize(
    ("setting", "where"),
    [
        ("issues.territory.range=[0, 1e308]", "issues.territory.range.1"),
        ("issues.territory.status_quo=-2e12", "issues.territory.status_quo"),
        ("pressures.domestic={}", None),
    ],
)
def test_3_every_plain_number_lies_within_the_largest_magnitude(setting, where):
    if where is None:  # a control: an empty section is fine
        assert call(["validate", M, "--set", setting])[0] == 0
        return
    refused(["validate", M, "--set", setting], f"--set: {where}: must be within ±1e+12")


def test_3_the_ranges_are_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "scenario-language.md").read_text()
    assert "compound" in text and "| `tail` | ≥ 1" in text
    assert f"{MAX_MAGNITUDE:.0e}" == "1e+12" and "10¹²" in text


# ------------------------------------------------------- 4: YAML 1.2 numbers, strict booleans


def test_4_yaml_reads_numbers_as_yaml_1_2_does():
    data, _, problems = parse_yaml(
        "a: 010\nb: 1:30\nc: 1_000\nd: 0o17\ne: 0x1f\nf: -.inf\ng: 1e3\nh: 0b11\ni: .5\n", "t"
    )
    assert not problems
    assert data == {
        "a": 10,
        "b": "1:30",
        "c": "1_000",
        "d": 15,
        "e": 31,
        "f": -math.inf,
        "g": 1000.0,
        "h": "0b11",
        "i": 0.5,
    }
    _, _, problems = parse_yaml("a: !!float abc\nb: !!int 1.5\nc: !!bool yes\n", "t")
    assert [p.path for p in problems] == ["a", "b", "c"]


def test_4_an_integer_beyond_every_float_is_refused_not_a_crash(tmp_path):
    f = _mini(tmp_path, "")
    big = "1" + "0" * 400
    Path(f).write_text(Path(f).read_text().replace("support: 0.6", f"support: {big}"))
    refused(["validate", f], "actors.a.support: a number of 401 digits is beyond every limit")
    refused(["validate", M, "--set", f"run.seed={big}"], "--set: run.seed:", "401 digits")


@pytest.mark.parametrize("value", ["1:30", "1_000"])
def test_4_yaml_1_1_numbers_are_refused_with_a_type_message(tmp_path, value):
    f = _mini(tmp_path, "")
    text = Path(f).read_text().replace("support: 0.6", f"support: {value}")
    Path(f).write_text(text)
    refused(["validate", f], "actors.a.support: expected a number", "YAML 1.2", repr(value))


@pytest.mark.parametrize(
    "seen", ['talks: "yes"', 'ceasefire: "true"', "talks: 1", 'in_force: "false"']
)
def test_4_observations_take_true_or_false_not_text(tmp_path, seen):
    f = _mini(tmp_path, f"observations:\n  - {{on: 2025-03-01, {seen}, source: x}}\n")
    key = seen.split(":")[0]
    refused(["validate", f], f"observations.0.{key}: expected true or false")


# ------------------------------------------------------- 5: float options


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-3", "1e13", "x"])
def test_5_base_median_days_must_be_a_finite_positive_number(value):
    refused(["hindcast", M, "--base-median-days", value], "--base-median-days")


def test_5_the_api_refuses_a_non_finite_median_too():
    with pytest.raises(sim.UsageError, match="median_days must be a finite number > 0"):
        sim.hindcast([M], replicates=10, median_days=math.inf)


# ------------------------------------------------------- 6: an output that does not vary


def test_6_sensitivity_on_constant_outputs_says_so_without_nan(tmp_path):
    out = tmp_path / "sens"
    code, stdout, err = call(
        [
            "sensitivity", M, "--method", "morris", "--samples", "2", "-n", "20",
            "--out", str(out), "--quiet", "--calibration", "none",
        ]
    )  # fmt: skip
    assert code == 0, err
    assert "nan" not in stdout.lower()
    assert "p_ceasefire: 1 at every point; its indices are undefined" in stdout
    assert "does not vary, so its sensitivity indices are undefined" in " ".join(stdout.split())
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["constant_outputs"]["p_ceasefire"] == 1.0
    page = (out / "report.html").read_text()
    assert "does not vary" in page and "NaN" not in page
    assert not (out / "figures" / "sensitivity_p_ceasefire.png").exists()


# ------------------------------------------------------- 7: discovery on a handful of replicates


@pytest.mark.slow
def test_7_discover_on_ten_replicates_warns_of_the_small_sample():
    from sim.studies.discover import MIN_CASES, discover

    # with the hidden obstacles some of the ten replicates agree (the warning is about few)
    s = sim.load_scenario(BASELINE, ["negotiation.hidden_obstacles=false"])
    r = sim.run(s, replicates=10, seed=1)
    d = discover(r)
    assert d.warnings and f"fewer than {MIN_CASES} of either" in d.warnings[0]
    assert "warning: small sample" in d.text()
    assert d.to_dict()["warnings"] == d.warnings


def test_7_no_warning_with_enough_cases_of_each_kind():
    from sim.studies.discover import MIN_CASES, small_sample

    y = np.array([True] * MIN_CASES + [False] * MIN_CASES)
    assert small_sample(y, "a ceasefire") == []
    assert "99 of the 199" in small_sample(y[1:], "a ceasefire")[0]
