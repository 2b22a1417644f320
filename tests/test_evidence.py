"""The as-of report in words: evidence as dated sentences, and why the forecast moved."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from oracle_scenarios import toy

import sim
from sim.model.scenario.observations import Observation
from sim.output.report.evidence import sentence, source_html, steps
from sim.output.report.page import esc
from sim.output.report.run import render_report

NAMES = {"ukraine": "Ukraine", "united_states": "United States"}


@pytest.mark.parametrize(
    ("ob", "text"),
    [
        ({"on": "2025-05-08", "proposal": {"name": "Victory Day truce", "rejected_by": "ukraine"}},
         "8 May 2025: Ukraine rejected the Victory Day truce"),
        ({"by": "2025-05-16", "ceasefire": False},
         "16 May 2025: No ceasefire had been agreed by 16 May 2025"),
        ({"on": "2025-06-02", "talks": True}, "2 June 2025: Talks were held"),
        ({"on": "2025-08-15", "mediator": {"united_states": "engaged"}},
         "15 August 2025: United States was still mediating"),
        ({"by": "2025-08-27", "threat": {"name": "secondary tariffs", "carried_out": True}},
         "27 August 2025: The threat of secondary tariffs was carried out by 27 August 2025"),
        ({"on": "2025-09-30", "support": {"actor": "ukraine", "value": 0.78, "sd": 0.1}},
         "30 September 2025: Ukraine's support for the war stood at about 78% (± 10 points)"),
    ],
)  # fmt: skip
def test_each_observation_reads_as_a_dated_sentence(ob: dict[str, Any], text: str):
    o = Observation.model_validate({**ob, "source": "r"})
    assert sentence(o, lambda k: NAMES.get(k, k)) == text


def test_a_source_keeps_its_words_and_links_each_url_escaped():
    src = "Al <b>Jazeera</b>, 16 May: no deal. https://a.example/x?y=1&z=2 ; https://b.example/q"
    out = source_html(src, esc)
    assert out.startswith("Al &lt;b&gt;Jazeera&lt;/b&gt;, 16 May: no deal.")
    assert '<a href="https://a.example/x?y=1&amp;z=2">a.example</a>' in out
    assert '<a href="https://b.example/q">b.example</a>' in out and "<b>" not in out


@pytest.fixture(scope="module")
def conditioned() -> sim.Results:
    s = copy.deepcopy(toy())
    s["observations"] = [
        {"by": "2025-08-29", "source": "r https://r.example/a", "ceasefire": False},
        {"by": "2025-10-01", "source": "r", "ceasefire": False},
    ]
    return sim.run(sim.load_scenario(s), replicates=4000, seed=5, as_of="2025-10-01")


def test_each_step_says_which_observation_moved_the_forecast_and_why(conditioned):
    path = conditioned.forecast_path()
    st = steps(conditioned, path)
    assert [s.as_of for s in st] == ["2025-08-29", "2025-10-01"]
    for s, before, after in zip(st, path[:-1], path[1:], strict=True):
        assert s.before == before["estimate"] and s.after == after["estimate"]
        assert s.after < s.before  # no ceasefire by a date lowers the forecast ...
        # ... by ruling out futures that all had one: the sentence gives both shares
        m = re.search(r"ruled out (\d+)% of the futures still in play; 100% of those", s.why)
        assert m and int(m.group(1)) > 0, s.why
        assert s.why.startswith("No ceasefire had been agreed by ")


def test_the_as_of_report_states_evidence_path_and_reasons(conditioned):
    html = render_report(conditioned)
    assert "<td>29 August 2025: No ceasefire had been agreed by 29 August 2025</td>" in html
    assert '<a href="https://r.example/a">r.example</a>' in html
    why = html[html.index("<h3>Why the forecast moved</h3>") :]
    ess = f"{round(conditioned.forecast_path()[-1]['ess']):,}"
    assert f"<td>{ess}</td>" in why and " pts</td>" in why and "ruled out" in why
