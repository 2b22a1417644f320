"""Threats by belligerents and patrons, not only mediators: the same mechanism whoever makes
them, the direction theory predicts on common random numbers, and clear refusals."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from oracle_scenarios import toy
from scenario_files import TEXT, line_of
from test_comparative_statics import d_p, up

import sim
from sim.cli import main

STRIKE = {"name": "strike", "against": "b", "credibility": 1.0, "cost": 0.1}


def _with_threat(owner: str) -> dict[str, Any]:
    """The toy war with A's patron and one credible, costly threat on B made by ``owner``."""
    s = copy.deepcopy(toy())
    s["actors"]["p"] = {"role": "patron", "supports": "a", "aid": 0.0}
    s["actors"][owner]["threats"] = [dict(STRIKE)]
    return s


def test_a_threat_is_the_same_whoever_makes_it():
    """Made by the mediator, by belligerent A or by A's patron, a threat that is always carried
    out (credibility 1, no delay: no draw decides anything) gives the same futures, row by row."""
    runs = {o: sim.run(sim.load_scenario(_with_threat(o)), 2000, seed=5) for o in ("m", "a", "p")}
    first = runs["m"]
    assert first.column("fired.strike").any()  # the threat is set off in some futures
    for owner in ("a", "p"):
        for col in ("ceasefire", "ceasefire_day", "fired.strike", "obstructed_by", "terms.land"):
            a, b = np.asarray(first.column(col)), np.asarray(runs[owner].column(col))
            np.testing.assert_array_equal(a, b, err_msg=f"{owner} {col}")  # NaN equals NaN


@pytest.mark.slow
def test_a_belligerents_costly_threat_brings_more_ceasefires():
    """Predicted (the threatened side's value of fighting on falls by credibility x cost, so it
    refuses less): P(ceasefire) rises, by at least 3 paired standard errors (seed 11, 4,000)."""
    base = copy.deepcopy(toy())
    threat = copy.deepcopy(toy())
    threat["actors"]["a"]["threats"] = [
        {"name": "escalate", "against": "b", "credibility": 0.9, "cost": 0.1}
    ]
    r0 = sim.run(sim.load_scenario(base), 4000, seed=11)
    r1 = sim.run(sim.load_scenario(threat), 4000, seed=11)
    assert up(d_p(r0, r1))


def _bad(tmp_path: Path, capsys: pytest.CaptureFixture[str], threat: str, needle: str) -> None:
    text = TEXT.replace(
        "    support: 0.6\n", f"    support: 0.6\n    threats:\n      - {threat}\n", 1
    )
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"{f}:{line_of(text, '- {name: t')}:"), err
    assert "actors.a.threats.0.against" in err and needle in err, err


def test_a_belligerent_threatening_itself_or_whoever_obstructs_is_refused(tmp_path, capsys):
    rule = "a belligerent's threat is against the other belligerent"
    _bad(tmp_path, capsys, "{name: t, against: a, cost: 0.1}", rule)
    _bad(tmp_path, capsys, "{name: t, against: obstructer, cost: 0.1}", rule)
    _bad(tmp_path, capsys, "{name: t, against: c, cost: 0.1}", "unknown")


def test_a_belligerents_threat_against_the_other_side_validates_and_shows(tmp_path, capsys):
    text = TEXT.replace(
        "    support: 0.6\n",
        "    support: 0.6\n    threats:\n      - {name: escalate, against: b, cost: 0.1}\n",
        1,
    )
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["validate", str(f)]) == 0
    s = sim.load_scenario(f)
    assert s.threat_names() == ["escalate"]
    assert list(s.threat_owners()) == ["a"]


def test_two_threats_of_one_name_are_refused_whoever_makes_them(tmp_path, capsys):
    text = TEXT.replace(
        "    support: 0.6\n",
        "    support: 0.6\n    threats:\n      - {name: walk, against: b, cost: 0.1}\n",
        1,
    ).replace(
        "    weights: {a: 1, b: 1}\n",
        "    weights: {a: 1, b: 1}\n    threats:\n      - {name: walk, against: obstructer}\n",
    )
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert "actors.m.threats.0.name" in err and "already used by actors.a.threats.0" in err
