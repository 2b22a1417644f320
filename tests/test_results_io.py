"""Results: summary.json content, headline, atomic save and exact load."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from sim.errors import SimError
from sim.io.folders import default_folder, slug
from sim.output.results import NotAResultsFolder, Results
from sim.output.stats import wilson


def test_save_then_load_returns_an_equal_object(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    loaded = Results.load(out)
    assert loaded == synthetic_results
    assert loaded.traces[0]["events"][0]["kind"] == "proposal"


def test_equality_notices_a_changed_outcome(synthetic_results, tmp_path):
    loaded = Results.load(synthetic_results.save(tmp_path / "run"))
    loaded.outcomes.loc[0, "threats_fired"] += 1
    assert loaded != synthetic_results


def test_save_writes_every_file_of_a_results_folder(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert names == {
        "summary.json", "meta.json", "outcomes.parquet", "series.parquet",
        "scenario.yaml", "traces.jsonl", ".sim-folder",
    }  # fmt: skip
    assert (out / "scenario.yaml").read_text() == synthetic_results.meta["scenario_yaml"]
    assert len((out / "traces.jsonl").read_text().splitlines()) == 20
    assert list(tmp_path.iterdir()) == [out]  # no temporary folder left beside it


def test_no_traces_means_no_traces_file(synthetic_results, tmp_path):
    synthetic_results.traces = []
    out = synthetic_results.save(tmp_path / "run")
    assert not (out / "traces.jsonl").exists()
    assert Results.load(out).traces == []


def test_summary_json_is_strict_json_with_wilson_estimates(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    s = json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    o = synthetic_results.outcomes
    k = int(o["ceasefire"].sum())
    est, lo, hi = wilson(k, len(o))
    assert s["p_ceasefire"] == {
        "estimate": pytest.approx(est, abs=1e-6),
        "ci_low": pytest.approx(lo, abs=1e-6),
        "ci_high": pytest.approx(hi, abs=1e-6),
    }
    assert s["p_in_force_at_horizon"]["estimate"] == pytest.approx(o["in_force_at_horizon"].mean())
    assert s["p_truce"]["estimate"] == pytest.approx(o["truce_day"].notna().mean())
    assert s["replicates"] == 500 and s["seed"] == 1
    assert s["scenario_sha256"] == "0" * 64
    for key in ("scenario", "version", "start", "horizon", "wall_seconds", "threats_fired"):
        assert key in s


def test_by_date_lists_month_ends_with_rising_probability(synthetic_results):
    s = synthetic_results.summary()
    dates = [dt.date.fromisoformat(r["date"]) for r in s["by_date"]]
    assert dates[0] == dt.date(2025, 3, 31) and dates[-1] == dt.date(2025, 10, 31)
    assert all((d + dt.timedelta(days=1)).day == 1 for d in dates)
    p = [r["p"] for r in s["by_date"]]
    assert p == sorted(p)
    assert all(r["ci_low"] <= r["p"] <= r["ci_high"] for r in s["by_date"])
    # no censoring before the horizon: KM equals the empirical share
    day = (dates[2] - synthetic_results.start).days
    assert p[2] == pytest.approx((synthetic_results.outcomes["ceasefire_day"] <= day).mean())


def test_median_days_to_ceasefire_from_kaplan_meier(synthetic_results):
    s = synthetic_results.summary()
    d = synthetic_results.outcomes["ceasefire_day"]
    med = s["median_days_to_ceasefire"]
    assert (d <= med).mean() >= 0.5 > (d < med).mean()


def test_median_is_null_when_fewer_than_half_agree(synthetic_results):
    o = synthetic_results.outcomes
    late = o.index[o["ceasefire"]][: int(o["ceasefire"].sum()) - 100]
    o.loc[late, ["ceasefire", "in_force_at_horizon"]] = False
    o.loc[late, "ceasefire_day"] = np.nan
    assert o["ceasefire"].mean() < 0.5
    assert synthetic_results.summary()["median_days_to_ceasefire"] is None
    assert "not reached" in synthetic_results.headline()


def test_terms_are_conditional_on_agreement_in_real_units(synthetic_results):
    t = synthetic_results.summary()["terms"]
    o = synthetic_results.outcomes
    agreed = o.loc[o["ceasefire"], "terms.territory"]
    assert t["territory"]["n"] == len(agreed)
    assert t["territory"]["mean"] == pytest.approx(agreed.mean())
    assert t["territory"]["p10"] < t["territory"]["p50"] < t["territory"]["p90"] <= 30
    assert 0 <= t["neutrality"]["p10"] < t["neutrality"]["p90"] <= 1


def test_obstruction_shares_and_threat_mean(synthetic_results):
    s = synthetic_results.summary()
    o = synthetic_results.outcomes
    assert s["obstructed_by"]["russia"] == pytest.approx((o["obstructed_by"] == "russia").mean())
    assert "" not in s["obstructed_by"]
    assert s["threats_fired"] == pytest.approx(o["threats_fired"].mean())


def test_headline_gives_probability_with_interval_and_median(synthetic_results):
    h = synthetic_results.headline()
    assert "P(ceasefire by 2025-11-08):  69.8% (95% CI 65.6–73.7%)" in h
    assert "median days to ceasefire" in h and "147 days" in h
    assert "in force at horizon" in h and "35.8%" in h


def test_save_refuses_a_non_empty_folder_unless_overwrite(synthetic_results, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(SimError, match="not empty"):
        synthetic_results.save(out)
    assert (out / "keep.txt").exists()
    with pytest.raises(SimError, match="sim did not write"):  # only sim's own folders
        synthetic_results.save(out, overwrite=True)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    (out / "keep.txt").unlink()
    synthetic_results.save(out)
    (out / "extra.txt").write_text("x")
    synthetic_results.save(out, overwrite=True)
    assert not (out / "extra.txt").exists() and (out / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_save_into_an_existing_empty_folder(synthetic_results, tmp_path):
    (tmp_path / "run").mkdir()
    assert (synthetic_results.save(tmp_path / "run") / "meta.json").exists()


def test_save_refuses_a_file(synthetic_results, tmp_path):
    f = tmp_path / "run"
    f.write_text("not a folder")
    with pytest.raises(SimError, match="is a file"):
        synthetic_results.save(f)
    assert f.read_text() == "not a folder"


def test_killed_save_leaves_no_folder(synthetic_results, tmp_path):
    def die(tmp):
        assert (tmp / "summary.json").exists()  # everything else was already written
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        synthetic_results.save(tmp_path / "run", extras=die)
    assert list(tmp_path.iterdir()) == []


def test_load_of_a_folder_that_is_not_results_is_a_clear_sim_error(tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(NotAResultsFolder, match=r"not a results folder \(missing meta.json"):
        Results.load(tmp_path)
    with pytest.raises(SimError, match="does not exist"):
        Results.load(tmp_path / "nope")
    assert issubclass(NotAResultsFolder, SimError)


def test_load_of_a_corrupt_parquet_is_a_clear_sim_error(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    (out / "outcomes.parquet").write_bytes(b"garbage")
    with pytest.raises(NotAResultsFolder, match="cannot read results"):
        Results.load(out)


def test_default_folder_is_slug_and_utc_timestamp(tmp_path):
    now = dt.datetime(2025, 5, 1, 12, 30, 5, tzinfo=dt.timezone.utc)
    p = default_folder("Russia–Ukraine talks (baseline)", root=tmp_path, now=now)
    assert p == tmp_path / "russia-ukraine-talks-baseline-20250501T123005Z"
    p.mkdir()
    assert default_folder("Russia–Ukraine talks (baseline)", root=tmp_path, now=now).name.endswith(
        "Z-2"
    )
    assert slug("<script>") == "script" and slug("!!!") == "scenario"


def test_durability_is_censored_at_the_horizon(synthetic_results):
    km = synthetic_results.durability_km()
    o = synthetic_results.outcomes
    assert km.n == int(o["ceasefire"].sum())
    assert km.events == int(o["breakdown_day"].notna().sum())
    assert km.times.max() <= synthetic_results.horizon_days


def test_folder_names_are_cut_between_words_and_keep_their_kind(tmp_path):
    import datetime as dt

    from sim.io.folders import default_folder, slug

    name = "Russia–Ukraine ceasefire talks, late April 2025 (baseline)"
    assert slug(name) == "russia-ukraine-ceasefire-talks-late-april-2025-baseline"
    long = "word " * 20
    assert slug(long, 22) == "word-word-word-word"  # not "word-word-word-word-wo"
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    f = default_folder("x" * 70 + " sweep test", tmp_path, when, kind="sweep")
    assert f.name == "x" * 60 + "-sweep-20260102T030405Z"


def test_save_with_report_writes_figures_and_the_report_like_sim_run(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run", report=True)
    html = (out / "report.html").read_text(encoding="utf-8")
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"ceasefire_curve.png", "terms.png", "durability.svg"} <= figures
    assert html.count("<img") == 5
    plain = synthetic_results.save(tmp_path / "plain")
    assert not (plain / "report.html").exists() and not (plain / "figures").exists()
