"""HTML report: self-contained, escaped, with stories, assumptions and provenance."""

from __future__ import annotations

import base64
import html as html_mod
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from conftest import make_results
from oracle_scenarios import toy

from sim.cli import main
from sim.errors import SimError
from sim.output.report import (
    assumptions,
    pick_stories,
    render_report,
    write_report,
    write_sweep_report,
)
from sim.output.results import Results
from sim.studies.sweep import sweep

XSS = "<script>alert(1)</script>"


def _report(folder: Path) -> str:
    return write_report(folder, Results.load(folder)).read_text()


@pytest.fixture
def report_html(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    return write_report(out, Results.load(out)).read_text(encoding="utf-8")


def test_scenario_text_is_escaped(tmp_path):
    r = make_results(
        name=XSS,
        description=f"desc {XSS} & more",
        sources=[XSS, "javascript:alert(1)", "https://example.org/?a=1&b=2"],
    )
    r.meta["actors"]["russia"]["name"] = XSS
    r.traces[0]["events"][0]["text"] = XSS
    r.traces[0]["events"][0]["kind"] = '"><img src=x onerror=alert(1)>'
    html = _report(r.save(tmp_path / "run"))
    assert "<script" not in html.lower()
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")  # only as escaped text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/?a=1&amp;b=2"' in html


def test_report_is_self_contained(report_html):
    assert report_html.count('src="data:image/png;base64,') == 5
    assert not re.search(r'(src|href)="(?!data:|https://example)[^"]*"', report_html)
    assert "<link" not in report_html


def test_report_has_headline_and_provenance(report_html, synthetic_results):
    s = synthetic_results.summary()
    assert "Synthetic war" in report_html and "Fortna (2003)" in report_html
    assert "69.8%" in report_html and "95% CI 65.6% – 73.7%" in report_html
    assert "147 days" in report_html
    assert s["scenario_sha256"] in report_html
    assert "<td>seed</td><td>1</td>" in report_html
    assert "2025-01-01T00:00:00Z" in report_html


def test_three_stories_of_each_kind(synthetic_results):
    st = pick_stories(synthetic_results)
    kinds = {k: {e["kind"] for e in t["events"]} for k, t in st.items()}
    assert "ceasefire" in kinds["reached"] and "breakdown" not in kinds["reached"]
    assert "ceasefire" not in kinds["not_reached"]
    assert {"ceasefire", "breakdown"} <= kinds["broke_down"]


def test_report_says_when_a_story_kind_is_absent(tmp_path):
    r = make_results()
    r.traces = [t for t in r.traces if not any(e["kind"] == "breakdown" for e in t["events"])]
    for t in r.traces:
        t["outcome"]["breakdown_day"] = None
    html = _report(r.save(tmp_path / "run"))
    assert "No traced ceasefire broke down." in html
    assert html.count('<ol class="timeline">') == 2


def test_story_timeline_shows_dated_events(report_html):
    assert '<span class="date">2025-03-08</span><span class="kind k-proposal">proposal</span>' in (
        report_html
    )


def test_assumptions_rank_inputs_by_spearman_influence(synthetic_results):
    rows = assumptions(synthetic_results)
    paths = [r["path"] for r in rows]
    # in the synthetic model, sanctions bite and optimism drive agreement; patience does not
    assert set(paths[:2]) == {"pressures.sanctions.bite", "actors.russia.optimism"}
    infl = [r["influence"] for r in rows]
    assert infl == sorted(infl, reverse=True)
    assert all(r["p10"] <= r["p50"] <= r["p90"] for r in rows)


def test_assumptions_skip_constant_inputs_and_keep_top_ten(synthetic_results):
    o = synthetic_results.outcomes
    o["param.constant"] = 0.5
    for i in range(12):
        o[f"param.noise{i}"] = range(len(o))
    rows = assumptions(synthetic_results)
    assert len(rows) == 10
    assert "constant" not in [r["path"] for r in rows]


def test_write_report_replaces_atomically(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    (out / "report.html").write_text("old")
    write_report(out, Results.load(out))
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in out.iterdir() if p.name.startswith(".report")]


def test_report_on_a_non_results_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(SimError, match="not a results folder"):
        write_report(tmp_path, Results.load(tmp_path))
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- sweep reports

REPO = Path(__file__).resolve().parents[1]
PRIOR = "actors.russia.stalling.prior"


@pytest.fixture(scope="module")
def baseline_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "s"
    sweep(
        str(REPO / "scenarios" / "baseline.yaml"),
        [f"{PRIOR}=0:1:3"],
        replicates=100,
        seed=2,
        out=folder,
    )
    return folder


def test_sim_report_renders_a_sweep_folder(baseline_sweep, capsys):
    assert main(["report", str(baseline_sweep)]) == 0
    path = baseline_sweep / "report.html"
    assert capsys.readouterr().out.strip() == f"wrote {path}"
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    manifest = json.loads((baseline_sweep / "manifest.json").read_text())
    assert html_mod.escape(manifest["scenario"]) in html
    assert "The state of play on 26 April 2025" in html  # description from the scenario file
    assert f"<code>{PRIOR}</code>" in html
    table = pd.read_parquet(baseline_sweep / "sweep.parquet")
    for i, row in table.iterrows():  # each point: its varied value and its estimates
        p = f"{100 * row['p_ceasefire']:.1f}%"
        lo, hi = (f"{100 * row[f'p_ceasefire_ci_{k}']:.1f}%" for k in ("low", "high"))
        assert f"<tr><td>{i}</td><td>{row[PRIOR]:.4g}</td><td>{p}</td><td>{lo} – {hi}</td>" in html
    assert [f"<td>{v}</td>" in html for v in ("0", "0.5", "1")] == [True] * 3
    assert html.count('<img src="data:image/png;base64,') == 1
    assert not re.search(r'(src|href)="(?!data:)[^"]*"', html) and "<link" not in html
    assert f"<td>seed</td><td>{manifest['seed']}</td>" in html
    assert f"<td>replicates per point</td><td>{manifest['replicates']}</td>" in html
    assert manifest["scenario_sha256"] in html
    assert "<td>sim version</td><td>0." in html


def test_sweep_report_redraws_a_missing_figure(baseline_sweep, tmp_path):
    folder = tmp_path / "s"
    shutil.copytree(baseline_sweep, folder)
    (folder / "figures" / "sweep.png").unlink()
    html = write_sweep_report(folder).read_text(encoding="utf-8")
    b64 = re.search(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert b64 and base64.b64decode(b64.group(1)).startswith(b"\x89PNG")
    hidden = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert hidden == [".sim-folder"]  # sim's marker only: no temporary file left


def test_sweep_report_escapes_scenario_text(tmp_path):
    s = toy()
    s["name"] = XSS
    s["description"] = f"desc {XSS} & more"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(s, sort_keys=False), encoding="utf-8")
    folder = tmp_path / "s"
    sweep(str(path), ["actors.a.optimism=0.1,0.3"], replicates=20, seed=1, out=folder)
    assert main(["report", str(folder)]) == 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "desc &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_sim_report_on_an_unfinished_sweep_or_other_folder_is_one_line_exit_2(
    baseline_sweep, tmp_path, capsys
):
    part = tmp_path / "part"
    part.mkdir()
    shutil.copy(baseline_sweep / "manifest.json", part / "manifest.json")
    assert main(["report", str(part)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unfinished sweep" in err and "--resume" in err
    assert not (part / "report.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not a results folder" in err and "a sweep folder" in err
    assert list(empty.iterdir()) == []


def test_a_run_checkpoint_manifest_is_not_taken_for_a_sweep(tmp_path, capsys):
    ck = tmp_path / ".run.chunks"
    ck.mkdir()
    (ck / "manifest.json").write_text('{"seed": 1, "replicates": 10}')
    assert main(["report", str(ck)]) == 2
    assert "a sweep folder" in capsys.readouterr().err
    assert not (ck / "report.html").exists()


def test_story_lists_events_by_date_with_trigger_and_execution_apart(synthetic_results):
    from sim.output.report.stories import timeline

    trace = {
        "replicate": 7,
        "events": [
            {"day": 30, "kind": "threat", "text": "m carries out its threat 'x' against b"},
            {"day": 0, "kind": "threat_triggered", "text": "m's threat 'x' is triggered"},
            {
                "day": 14,
                "kind": "proposal",
                "text": "deal: territory 19, nato 0; a accepts; b rejects",
            },
        ],
    }
    html = timeline(synthetic_results, trace, "none")
    first, second, third = (
        html.index(k) for k in ("threat triggered", "proposal<", "threat carried out")
    )
    assert first < second < third  # date order, trigger and execution on their own lines
    assert html.count('<li><span class="date">') == 3
    facts = synthetic_results.issues()["territory"]
    assert html_mod.escape(f"19 {facts['unit']}") in html  # the term with its unit ...
    assert html_mod.escape(str(facts["ends"][0])) in html  # ... and what its scale's ends mean


def test_assumptions_and_diagnostics_read_for_people(synthetic_results):
    rows = assumptions(synthetic_results)
    assert all(r["label"] and r["label"] != r["path"] for r in rows)
    synthetic_results.meta["diagnostics"] = {"first_session_agreement": 0.25, "mediator_gap": 0.0}
    html = render_report(synthetic_results)
    assert "Model diagnostics" in html and "25.0%" in html and "first_session_agreement" in html
    assert f"<small><code>{rows[0]['path']}</code></small>" in html


def test_a_story_folds_proposals_into_decisions_with_names_and_details(synthetic_results):
    from sim.output.report.stories import timeline

    def proposal(day: int, head: str, russia: str = "rejects") -> dict[str, Any]:
        text = f"{head}: territory 19, neutrality 0.5; ukraine rejects; russia {russia}"
        return {"day": day, "kind": "proposal", "text": text}

    events = [proposal(7 * k, "usa proposal") for k in range(1, 9)]
    events += [proposal(60, "US peace framework", "accepts")]
    events += [{"day": 63, "kind": "shock", "text": "usa's threat 'cut aid' against russia"}]
    events += [proposal(70 + 7 * k, "usa proposal") for k in range(3)]
    html = timeline(synthetic_results, {"replicate": 3, "events": events}, "none")
    assert html.count('<li><span class="date">') == 3  # two runs of decisions and the shock
    assert html.count("<details>") == 2 and html.count('<li class="decision">') == 12
    assert (
        "9 proposals in 9 sessions, 2025-03-08 to 2025-04-30: United States (mediator) proposal "
        "×8, US peace framework; Ukraine refused all 9, Russia accepted 1 of 9</summary>"
    ) in html
    assert "Ukraine refused all 3, Russia refused all 3" in html
    assert "United States&#x27;s threat &#x27;cut aid&#x27; against Russia" in html
    assert "usa proposal" not in html and "ukraine rejects" not in html  # names, not ids
