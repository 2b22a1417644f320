"""Paired comparisons on common random numbers."""

from __future__ import annotations

import html as html_mod
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.studies.compare import compare
from sim.studies.sweep import fast_median

BASE = "scenarios/baseline.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])


def test_russia_playing_for_time_lowers_p_ceasefire_with_a_negative_interval() -> None:
    c = compare([BASE, "scenarios/russian_stalling.yaml"], replicates=800, seed=3)
    (d,) = c.differences()
    p = d["p_ceasefire"]
    assert d["label"] == "russian_stalling" and d["vs"] == "baseline"
    assert p["ci_low"] < p["diff"] < p["ci_high"] < 0
    assert set(d["terms_mean"]) == {"territory", "nato", "security_guarantees", "sanctions_relief"}


def test_a_run_paired_with_itself_differs_by_exactly_zero() -> None:
    import sim
    from sim.studies.paired import paired_differences

    r = sim.run(sim.load_scenario(BASE), replicates=300, seed=1)
    d = paired_differences(r, r)
    assert d["p_ceasefire"] == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": 300}
    assert all(m["diff"] in (0.0, None) for m in d["terms_median"].values())


def test_a_scenario_given_twice_is_compared_once_with_a_note() -> None:
    with pytest.raises(UsageError, match="two different scenarios"):
        compare([BASE, BASE], replicates=100, seed=1)
    c = compare([BASE, "scenarios/russian_stalling.yaml", BASE], replicates=100, seed=1)
    assert c.labels == ["baseline", "russian_stalling"]
    assert c.notes == ["baseline is the same scenario as baseline: compared once"]


def test_compare_to_precision_meets_it_on_p_and_on_the_paired_difference() -> None:
    from sim.studies.precision import half_width, paired_half_width

    c = compare([BASE, "scenarios/us_walks_away.yaml"], seed=3, precision=0.02)
    a, b = (r.ceasefire_flags() for r in c.results)
    assert c.results[0].n == c.results[1].n == c.replicates
    assert max(half_width(a), half_width(b), paired_half_width(a, b)) <= 0.02
    text = c.text()
    assert "-n auto" in text and "median territory" in text


def test_paired_interval_is_narrower_than_the_unpaired_one() -> None:
    c = compare([BASE], variants=["actors.russia.patience=0.999017"], replicates=800, seed=4)
    (d,) = c.differences()
    p = d["p_ceasefire"]
    assert p["diff"] > 0  # a less patient Russia (its prior's low end) waits less: more ceasefires
    a, b = (r.summary()["p_ceasefire"] for r in c.results)
    unpaired = 1.96 * np.sqrt(
        a["estimate"] * (1 - a["estimate"]) / 800 + b["estimate"] * (1 - b["estimate"]) / 800
    )
    assert (p["ci_high"] - p["ci_low"]) / 2 < unpaired


def test_fast_median_equals_the_kaplan_meier_median() -> None:
    c = compare(
        [BASE],
        variants=["pressures.sanctions.level=1 actors.russia.stalling.prior=0"],
        replicates=400,
        seed=2,
    )
    for r in c.results:
        days = r.outcomes["ceasefire_day"].to_numpy(float)
        assert fast_median(days) == r.ceasefire_km().median()


def test_compare_needs_two_scenarios_or_a_variant() -> None:
    with pytest.raises(UsageError, match="two or more"):
        compare([BASE])
    with pytest.raises(UsageError, match="PATH=VALUE"):
        compare([BASE], variants=["nonsense"])


def test_cli_compare_writes_json_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c"
    rc = main(
        [
            "compare",
            BASE,
            "scenarios/russian_stalling.yaml",
            "--set",  # deals many enough at 300 replicates to tell the two apart
            "negotiation.hidden_obstacles=false",
            "-n",
            "300",
            "--seed",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    data = json.loads((out / "compare.json").read_text())
    assert data["differences"][0]["p_ceasefire"]["diff"] < 0
    assert (out / "figures" / "compare.png").is_file()
    assert (out / "figures" / "compare_curves.png").is_file()
    text = capsys.readouterr().out
    assert "ΔP(ceasefire)" in text and "P(in force at horizon)" in text
    assert "median days to ceasefire" in text and "median territory" in text
    html = (out / "report.html").read_text()
    assert "Paired difference" in html and html.count("<img") == 2
    # titled by the scenarios' names, not their file names
    names = [s["scenario"] for s in data["scenarios"]]
    h1 = html.split("<h1>")[1].split("</h1>")[0]
    assert h1 == html_mod.escape(" vs ".join(names)) and ".yaml" not in h1
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()


def test_the_terms_rows_show_the_paired_median_and_mean_differences_of_the_json() -> None:
    c = compare([BASE], variants=["pressures.sanctions.level=1"], replicates=600, seed=5)
    (d,) = c.differences()
    mean = d["terms_mean"]["security_guarantees"]
    med = d["terms_median"]["security_guarantees"]
    # the row of the variant, with its difference on the lines under it (at most 100 columns)
    text = c.text()
    assert max(map(len, text.splitlines())) <= 100
    rest = text[text.rindex("  median security guarantees") :].splitlines()
    block = [rest[0], *itertools.takewhile(lambda x: x.startswith("     "), rest[1:])]
    row = " ".join(" ".join(block).split())
    assert "Δ" in row
    assert f"median {med['diff']:+.2f}" in row
    assert (
        f"mean {mean['diff']:+.3f} (95% CI {mean['ci_low']:+.3f} to {mean['ci_high']:+.3f})" in row
    )


def test_an_interrupted_compare_resumes_without_the_chunks_it_had_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.cli import main
    from sim.studies import runner

    base = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    common = [base, "--variant", "pressures.sanctions.cost=0.0008", "-n", "300", "--seed", "5"]
    ref, out = tmp_path / "ref", tmp_path / "cmp"
    monkeypatch.setattr(runner, "CHUNK_SIZE", 100)  # three chunks a run, six in all
    assert main(["compare", *common, "--quiet", "--no-report", "--out", str(ref)]) == 0
    real, calls = runner.simulate_chunk, []

    def interrupted(*args):
        calls.append(args[2])
        if len(calls) == 5:
            raise KeyboardInterrupt  # Ctrl-C during the second run's second chunk
        return real(*args)

    monkeypatch.setattr(runner, "simulate_chunk", interrupted)
    assert main(["compare", *common, "--quiet", "--no-report", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "4 finished chunk(s) kept" in err and f"sim compare --resume {out}" in err
    assert not (out / "compare.json").exists()  # nothing half-written
    assert main(["compare", *common, "--out", str(out)]) == 2  # not over it without --resume
    assert "--resume" in capsys.readouterr().err
    assert main(["compare", "--resume", str(out), "-n", "400"]) == 2  # its own settings
    assert "leave out -n" in capsys.readouterr().err
    calls.clear()
    assert main(["compare", "--resume", str(out), "--quiet", "--no-report"]) == 0
    assert calls == [1, 2]  # only the chunks that had not finished
    a, b = (json.loads((f / "compare.json").read_text()) for f in (ref, out))
    assert a["differences"] == b["differences"] and a["scenarios"] == b["scenarios"]
    assert not (tmp_path / ".cmp.runs").exists()  # the kept chunks are gone with the run
    assert main(["compare", "--resume", str(out)]) == 2
    assert "no interrupted comparison" in capsys.readouterr().err
