"""HTML report: self-contained, escaped, with stories, assumptions and provenance."""

from __future__ import annotations

import re

import pytest
from conftest import make_results

from sim.errors import SimError
from sim.report import assumptions, pick_stories, write_report

XSS = "<script>alert(1)</script>"


@pytest.fixture
def report_html(synthetic_results, tmp_path):
    out = synthetic_results.save(tmp_path / "run")
    return write_report(out).read_text(encoding="utf-8")


def test_scenario_text_is_escaped(tmp_path):
    r = make_results(
        name=XSS,
        description=f"desc {XSS} & more",
        sources=[XSS, "javascript:alert(1)", "https://example.org/?a=1&b=2"],
    )
    r.meta["actors"]["russia"]["name"] = XSS
    r.traces[0]["events"][0]["text"] = XSS
    r.traces[0]["events"][0]["kind"] = '"><img src=x onerror=alert(1)>'
    html = write_report(r.save(tmp_path / "run")).read_text()
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
    html = write_report(r.save(tmp_path / "run")).read_text()
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
    write_report(out)
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in out.iterdir() if p.name.startswith(".report")]


def test_report_on_a_non_results_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(SimError, match="not a results folder"):
        write_report(tmp_path)
    assert list(tmp_path.iterdir()) == []
