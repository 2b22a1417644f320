"""The history library's calibration is what every command applies unless told otherwise.

The structural numbers fitted on the library (sim/model/scenario/history_library.yaml) are
the model's numbers: ``sim run``, ``sweep``, ``compare``, ``sensitivity``, ``hindcast``,
``calibrate`` and ``show`` apply them before the user's ``--set``; ``--calibration FILE``
applies another file instead and ``--calibration none`` none. The results say which.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hostile import call
from scenario_files import MINIMAL

import sim
from sim.model.scenario.calibration import LIBRARY_FILE, LIBRARY_ORIGIN, library_calibration
from sim.model.scenario.loader import calibration_of, overrides_of
from sim.output.report.compare import compare_text
from sim.studies.outputs import plan_run, resume_run

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
M = str(MINIMAL)


def test_the_library_file_is_a_calibration_of_structural_numbers_only():
    items = library_calibration()
    assert items == yaml.safe_load(LIBRARY_FILE.read_text(encoding="utf-8"))["set"]
    assert len(items) >= 1
    paths = [x.partition("=")[0] for x in items]
    assert len(set(paths)) == len(paths)  # each number once
    # shared across conflicts: no actor, issue, mediator or threat of any one war
    assert all(p.split(".")[0] in ("structure", "durability", "pressures") for p in paths), paths
    assert all(not p.startswith(("actors.", "issues.", "mediators.")) for p in paths)


def test_a_run_applies_the_library_by_default_and_says_so(tmp_path):
    out = tmp_path / "run"
    code, stdout, err = call(["run", BASELINE, "-n", "300", "--seed", "5", "--out", str(out)])
    assert code == 0, err
    assert f"structural numbers: {len(library_calibration())} from the calibration " in stdout
    assert LIBRARY_ORIGIN in stdout
    assert "modified" not in stdout.splitlines()[0]  # the library's numbers are not --set
    got = sim.Results.load(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["calibration"] == {"file": LIBRARY_ORIGIN, "set": library_calibration()}
    assert summary["overrides"] == library_calibration()
    # the same run from Python: the library's numbers passed as overrides
    s = sim.load_scenario(BASELINE, sim.library_calibration())
    assert calibration_of(s) == summary["calibration"]
    again = sim.run(s, replicates=300, seed=5)
    assert got.outcomes.equals(again.outcomes)
    assert again.summary()["calibration"] == summary["calibration"]
    # the folder's scenario.yaml is resolved, the library's numbers in it: the report's
    # command (--calibration none) reproduces the run from it
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "sim run scenario.yaml --calibration none --seed 5 -n 300" in page
    assert f"{len(library_calibration())} from the calibration {LIBRARY_ORIGIN}" in page
    code, _, err = call(["run", str(out / "scenario.yaml"), "--calibration", "none", "-n", "300",
                         "--seed", "5", "--out", str(tmp_path / "again"), "--quiet"])  # fmt: skip
    assert code == 0, err
    assert sim.Results.load(tmp_path / "again").outcomes.equals(got.outcomes)


def test_calibration_none_is_the_model_as_written_and_another_file_replaces_the_library(
    tmp_path,
):
    out = tmp_path / "plain"
    code, stdout, err = call(
        ["run", M, "-n", "200", "--seed", "2", "--out", str(out), "--calibration", "none"]
    )
    assert code == 0, err
    assert "structural numbers: the model's defaults (no calibration)" in stdout
    plain = sim.run(sim.load_scenario(M), replicates=200, seed=2)
    assert sim.Results.load(out).outcomes.equals(plain.outcomes)
    assert json.loads((out / "summary.json").read_text())["calibration"] is None
    mine = tmp_path / "mine.yaml"
    mine.write_text("set:\n- durability.unkept=0.3\n", encoding="utf-8")
    out2 = tmp_path / "mine"
    code, stdout, err = call(
        ["run", M, "-n", "200", "--seed", "2", "--out", str(out2), "--calibration", str(mine)]
    )
    assert code == 0, err
    s = json.loads((out2 / "summary.json").read_text())
    assert s["calibration"] == {"file": str(mine), "set": ["durability.unkept=0.3"]}
    assert s["overrides"] == ["durability.unkept=0.3"]  # the library's are not added to it
    for bad, says in (("", "give a calibration file"), (str(tmp_path), "cannot read it")):
        out3 = tmp_path / "bad"
        code, _, err = call(["run", M, "-n", "20", "--out", str(out3), "--calibration", bad])
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
        assert not out3.exists()


def test_the_librarys_numbers_change_the_forecast(tmp_path):
    """Not a no-op: the baseline with and without them differ by more than their noise."""
    n = 4_000
    on = sim.run(sim.load_scenario(BASELINE, library_calibration()), replicates=n, seed=3)
    off = sim.run(sim.load_scenario(BASELINE), replicates=n, seed=3)
    a = on.column("ceasefire").astype(float)
    b = off.column("ceasefire").astype(float)
    d = a - b
    se = float(d.std(ddof=1)) / n**0.5
    assert abs(float(d.mean())) > 3 * se, (float(d.mean()), se)


def test_a_resumed_run_keeps_the_calibration_its_headline_names(tmp_path):
    out = tmp_path / "run"
    given = [*library_calibration(), "actors.b.optimism=0.2"]
    job = plan_run(M, given, replicates=100, seed=1, out=out)
    job.begin()
    job.release()  # as if interrupted before any chunk finished
    again = resume_run(out)
    try:
        assert overrides_of(again.scenario) == tuple(given)
        assert calibration_of(again.scenario) == {
            "file": LIBRARY_ORIGIN,
            "set": library_calibration(),
        }
    finally:
        again.release()


def test_sweep_compare_and_sensitivity_apply_it_and_a_resume_refuses_it(tmp_path):
    lib = library_calibration()
    out = tmp_path / "sw"
    argv = ["sweep", M, "--vary", "actors.a.support=0.2,0.4", "-n", "50", "--out", str(out)]
    code, _, err = call([*argv, "--quiet"])
    assert code == 0, err
    assert json.loads((out / "manifest.json").read_text())["overrides"] == lib
    # the report's command reproduces it whatever calibration ships later: every number given
    assert call(["report", str(out)])[0] == 0  # a sweep's report.html is made on demand
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "--calibration none --set &#x27;structure.obstacle_prior_scale=0&#x27;" in page
    code, _, err = call(["sweep", "--resume", str(out), "--calibration", "none"])
    assert code == 2 and "--calibration" in err, err
    cmp_out = tmp_path / "cmp"
    argv = ["compare", M, "--variant", "actors.a.support=0.3", "-n", "50", "--quiet"]
    code, _, err = call([*argv, "--out", str(cmp_out)])
    assert code == 0, err
    compared = json.loads((cmp_out / "compare.json").read_text(encoding="utf-8"))["scenarios"]
    assert all(c["calibration"] == {"file": LIBRARY_ORIGIN, "set": lib} for c in compared)
    text = compare_text(json.loads((cmp_out / "compare.json").read_text(encoding="utf-8")))
    assert f"structural numbers: {len(lib)} from the calibration {LIBRARY_ORIGIN}" in text
    sens = tmp_path / "sens"
    code, _, err = call(
        ["sensitivity", M, "--method", "morris", "--samples", "2", "-n", "20", "--quiet",
         "--out", str(sens)]
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((sens / "sensitivity.json").read_text())["overrides"][: len(lib)] == lib


@pytest.mark.slow
def test_calibrate_fits_on_top_of_the_library_less_what_it_fits(tmp_path):
    cases = [
        str(ROOT / "scenarios" / "history" / f) for f in ("kargil_1999.yaml", "gaza_2012.yaml")
    ]
    out = tmp_path / "fit"
    argv = ["calibrate", *cases, "--param", "durability.unkept=0.7,0.85", "-n", "40"]
    code, _, err = call([*argv, "--out", str(out), "--quiet", "--no-report"])
    assert code == 0, err
    fixed = json.loads((out / "manifest.json").read_text())["fixed"]
    assert fixed == [x for x in library_calibration() if not x.startswith("durability.unkept=")]
    written = yaml.safe_load((out / "calibration.yaml").read_text())["set"]
    assert written[: len(fixed)] == fixed and written[-1].startswith("durability.unkept=")
    # a file named by the user may not set what the design fits
    code, _, err = call(
        [*argv, "--out", str(tmp_path / "fit2"), "--calibration", str(LIBRARY_FILE)]
    )
    assert code == 2 and "also a --param of the design" in err, err


def test_hindcast_loo_reads_the_librarys_scores_by_default():
    cases = [
        str(ROOT / "scenarios" / "history" / f) for f in ("kargil_1999.yaml", "gaza_2012.yaml")
    ]
    code, stdout, err = call(["hindcast", *cases, "--loo"])
    assert code == 0, err
    assert f"leave-one-case-out scores recorded in {LIBRARY_ORIGIN}:" in stdout
    code, _, err = call(["hindcast", *cases, "--loo", "--calibration", "none"])
    assert code == 2 and "--calibration none" in err, err


def test_reading_the_library_loads_no_numpy():
    """Every command reads it, 'sim show' and a refusal included: it must stay light."""
    import subprocess
    import sys

    code = (
        "import sys, sim; sim.library_calibration(); "
        "heavy = [m for m in ('numpy', 'pandas', 'matplotlib', 'sim.studies') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
