"""Plausibility warnings (inputs in range but implausible together) and artefact flags
(results that look like an assumption's doing), issue 21: each typical mistake is warned
about in one line naming the likely slip, on stderr, in summary.json and in the report;
no shipped scenario warns; a run that agrees at once is flagged with the threshold used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hostile import BASELINE, MINI, call

import sim
from sim.model.scenario.loader import load_scenario
from sim.model.scenario.plausibility import plausibility_warnings
from sim.output.artefacts import FIRST_SESSION_FLAG, SAME_DAY_FLAG
from sim.output.report.run import render_report

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(ROOT.glob("scenarios/*.yaml")) + sorted(ROOT.glob("scenarios/history/*.yaml"))

MISTAKES = [  # (override of the baseline, what the warning must say)
    ("pressures.battlefield.control=0.19", ["control 0.19 is far from every ideal", "19?"]),
    ("actors.ukraine.patience=0.95", ["halves the value of the future in 95 days", "a year"]),
    ("actors.russia.stalling.weeks=120", ["more than twice the horizon", "17.14"]),
    ("pressures.battlefield.volatility=0.2", ["119% of the issue's range", "0.002"]),
    ("pressures.sanctions.level=0", ["outside the levels its schedule sets (0.35–0.7)"]),
    ("events.0.on=2026-05-15", ["events.0.on 2026-05-15 is after the horizon 2025-12-31"]),
]

NEAR_MISSES = [  # the same fields at plausible values: no warning
    "pressures.battlefield.control=19",
    "pressures.battlefield.control=25",
    "actors.ukraine.patience=0.999",
    "actors.russia.stalling.weeks=30",
    "pressures.battlefield.volatility=0.01",
    "pressures.sanctions.level=0.5",
    "events.0.on=2025-12-30",
]


def test_no_shipped_scenario_warns():
    assert len(SHIPPED) > 30
    warned = {p.name: plausibility_warnings(load_scenario(p)) for p in SHIPPED}
    assert {k: v for k, v in warned.items() if v} == {}


@pytest.mark.parametrize(("override", "needles"), MISTAKES)
def test_each_typical_mistake_is_one_warning_naming_the_likely_slip(override, needles):
    lines = plausibility_warnings(load_scenario(BASELINE, [override]))
    assert len(lines) == 1, lines
    assert lines[0].startswith(override.split("=")[0]), lines
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.mark.parametrize("override", NEAR_MISSES)
def test_plausible_values_of_the_same_fields_do_not_warn(override):
    assert plausibility_warnings(load_scenario(BASELINE, [override])) == []


def test_the_front_check_needs_interior_points_and_a_unit_that_explains_the_gap():
    # Nagorno-Karabakh: the front (91% of the districts held) lies far from both sides' red
    # lines (10 and 30) but is no unit slip: a hundredth of it would not fit them either.
    nk = ROOT / "scenarios" / "history" / "nagorno_karabakh_2020.yaml"
    assert plausibility_warnings(load_scenario(nk)) == []
    # the minimal scenario's ideals sit at the ends of the range: nothing to judge by
    front = {"pressures.battlefield.control": 0.19, "issues.territory.status_quo": "front_line"}
    assert plausibility_warnings(load_scenario(MINI, front)) == []


def test_validate_warns_on_stderr_and_still_succeeds():
    code, out, err = call(
        [
            "validate",
            str(BASELINE),
            "--set",
            "pressures.battlefield.control=0.19",
            "--set",
            "actors.ukraine.patience=0.95",
        ]
    )
    assert code == 0
    assert out.strip().endswith("(Russia–Ukraine ceasefire talks, late April 2025 (baseline))")
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert all(line.startswith(f"warning: {BASELINE}: ") for line in lines)
    assert "did you mean 19?" in lines[0] and "actors.ukraine.patience" in lines[1]


def test_validate_of_every_shipped_scenario_prints_no_warning():
    code, out, err = call(["validate", *map(str, SHIPPED)])
    assert code == 0, err
    assert err == ""
    assert out.count(": ok (") == len(SHIPPED)


def _front_scenario(tmp_path: Path, unit: str) -> Path:
    """The minimal scenario with a front line, interior points on it and a front of 0.19."""
    tree = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    tree["issues"]["territory"].update(unit=unit, status_quo="front_line")
    tree["actors"]["a"]["reference"] = {"territory": 19}
    tree["actors"]["b"]["ideal"]["territory"] = 22.5
    tree["pressures"]["battlefield"] = {"control": 0.19}
    path = tmp_path / "front.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return path


def test_a_run_warns_on_stderr_in_summary_json_and_escaped_in_the_report(tmp_path):
    scenario = _front_scenario(tmp_path, "<b>% held</b>")
    out = tmp_path / "run"
    code, stdout, err = call(["run", str(scenario), "-n", "200", "--out", str(out)])
    assert code == 0, err
    assert f"wrote {out}/ (summary.json, outcomes.parquet, series.parquet, traces.jsonl," in stdout
    assert (out / "traces.jsonl").is_file()
    assert "warning: " in err and "did you mean 19?" in err and "<b>% held</b>" in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["warnings"]) == 1
    assert "far from every ideal, red line and reference" in summary["warnings"][0]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;% held&lt;/b&gt;" in html and "<b>% held</b>" not in html
    assert "did you mean 19?" in html


def _agreeing(tmp_path: Path) -> Path:
    """The minimal scenario with both sides wanting the same terms: they agree at once."""
    tree = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    tree["actors"]["b"]["ideal"] = dict(tree["actors"]["a"]["ideal"])
    path = tmp_path / "agree.yaml"
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    return path


def test_agreement_at_the_first_session_is_flagged_in_the_headline_with_its_threshold(tmp_path):
    r = sim.run(load_scenario(_agreeing(tmp_path)), replicates=300, seed=1)
    first = r.summary()["diagnostics"]["first_session_agreement"]
    assert first > FIRST_SESSION_FLAG
    flags = r.summary()["flags"]
    assert len(flags) == 2, flags
    assert f"{100 * first:.0f}% of futures agree at the first session (flag above 20%)" in flags[0]
    assert f"(flag above {100 * SAME_DAY_FLAG:.0f}%)" in flags[1] and "same day" in flags[1]
    head = r.headline().splitlines()
    assert [h for h in head if h.startswith("  flag: ")] == [f"  flag: {f}" for f in flags]


def test_a_plausible_run_with_spread_out_ceasefires_is_neither_warned_nor_flagged():
    r = sim.run(load_scenario(BASELINE), replicates=1000, seed=7)
    assert r.summary()["diagnostics"]["first_session_agreement"] <= FIRST_SESSION_FLAG
    assert r.summary()["warnings"] == [] and r.summary()["flags"] == []
    assert "flag:" not in r.headline()
    assert 'class="checks"' not in render_report(r)


def test_the_headline_and_report_name_the_overrides_and_results_repr_is_short():
    s = load_scenario(MINI, ["actors.b.optimism=0.2", "pressures.sanctions.level=0.5"])
    r = sim.run(s, replicates=100, seed=1)
    first = r.headline().splitlines()[0]
    assert first.startswith(
        "Test war, modified (actors.b.optimism=0.2, pressures.sanctions.level=0.5): 100 replicates"
    )
    plain = sim.run(load_scenario(MINI), replicates=100, seed=1)
    assert plain.headline().splitlines()[0].startswith("Test war: 100 replicates")
    assert r.summary()["overrides"] == ["actors.b.optimism=0.2", "pressures.sanctions.level=0.5"]
    assert "<h1>Test war, modified (actors.b.optimism=0.2" in render_report(r)
    text = repr(r)
    assert len(text.splitlines()) <= 3 and len(text) < 300
    assert "modified" in text and "100 replicates" in text


def test_a_sweep_warns_about_the_ends_of_a_range_the_schedule_overrides(tmp_path):
    argv = ["sweep", str(BASELINE), "-n", "20", "--quiet"]
    code, _, err = call(
        [*argv, "--vary", "pressures.sanctions.level=0:1:2", "--out", str(tmp_path / "a")]
    )
    assert code == 0, err
    lines = err.strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        f"{BASELINE} at --vary pressures.sanctions.level=0.0",
        f"{BASELINE} at --vary pressures.sanctions.level=1.0",
    ]
    assert all("outside the levels its schedule sets" in line for line in lines)
    out = tmp_path / "b"
    code, _, err = call([*argv, "--vary", "pressures.sanctions.cost=0:0.0008:2", "--out", str(out)])
    assert (code, err) == (0, "")


def test_compare_warns_about_an_implausible_variant_before_it_runs(tmp_path):
    argv = ["compare", str(MINI), "-n", "50", "--quiet", "--out", str(tmp_path / "c")]
    code, _, err = call([*argv, "--variant", "actors.a.patience=0.9 actors.a.support=0.5"])
    assert code == 0, err
    assert err.startswith(
        f"warning: {MINI} --variant 'actors.a.patience=0.9 actors.a.support=0.5': "
        "actors.a.patience 0.9 per round (7 days) halves the value of the future in 46 days"
    )
    assert len(err.strip().splitlines()) == 1


def _unlabelled(tmp_path: Path, kind: str | None) -> Path:
    """The minimal scenario, with or without its kind of war."""
    tree = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    tree.pop("conflict_type", None)
    if kind is not None:
        tree["conflict_type"] = kind
    path = tmp_path / f"kind_{kind}.yaml"
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    return path


def test_a_scale_by_kind_of_war_on_a_scenario_of_no_kind_is_one_warning(tmp_path):
    bare, labelled = _unlabelled(tmp_path, None), _unlabelled(tmp_path, "interstate")
    assert plausibility_warnings(load_scenario(bare)) == []
    for path in ("structure.interstate_unkept_scale", "structure.internal_signed_scale"):
        lines = plausibility_warnings(load_scenario(bare, [f"{path}=0.75"]))
        assert len(lines) == 1 and lines[0].startswith(f"{path} 0.75 "), lines
        assert "no conflict_type" in lines[0]
        assert plausibility_warnings(load_scenario(labelled, [f"{path}=0.75"])) == []
    cal = ROOT / "sim" / "model" / "scenario" / "history_library.yaml"
    code, _, err = call(["run", str(bare), "-n", "100", "--calibration", str(cal), "--out",
                         str(tmp_path / "run")])  # fmt: skip
    assert code == 0, err
    assert "warning: " in err and "structure.interstate_unkept_scale 0.75 applies by kind" in err
    assert "structure.internal_signed_scale" not in err  # the file leaves that scale at 1
    # the same numbers applied by default (every scenario gets them) are not news
    code, _, err = call(["run", str(bare), "-n", "100", "--out", str(tmp_path / "run2")])
    assert code == 0 and "warning" not in err, err
    code, _, err = call(["run", str(bare), "-n", "100", "--out", str(tmp_path / "run3"),
                         "--set", "structure.interstate_unkept_scale=0.5"])  # fmt: skip
    assert code == 0 and "structure.interstate_unkept_scale 0.5 applies by kind" in err
