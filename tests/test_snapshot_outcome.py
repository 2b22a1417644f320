"""A hindcast never conditions a forecast on the event it scores: records of a ceasefire agreed or
in force dated on or before the snapshot are left out of the run, and kept for the score."""

from __future__ import annotations

from pathlib import Path

import yaml
from oracle_scenarios import toy

import sim
from sim.studies.snapshot import without_outcome


def _case(records: list[dict[str, object]]) -> dict[str, object]:
    """The toy war with optimism drawn so that about half its futures agree on day 0."""
    s = toy()
    s["name"] = "snapshot war"
    for side in ("a", "b"):
        s["actors"][side]["optimism"] = {"uniform": [-0.1, 0.35]}
    s["observations"] = records
    return s


def _day0(start: str) -> list[dict[str, object]]:
    return [
        {"on": start, "source": "r", "talks": True},
        {"by": start, "source": "r", "ceasefire": False},
        {"between": [start, start], "source": "r", "ceasefire": "agreed"},
        {"on": start, "source": "r", "ceasefire": True},
        {"on": "2025-09-01", "source": "r", "ceasefire": True},
    ]


def test_the_snapshot_days_ceasefire_records_are_left_out_and_nothing_else():
    start = str(toy()["start"])
    s = sim.load_scenario(_case(_day0(start)))
    out = without_outcome(s)
    kinds = [(o.date.isoformat(), o.kind, o.ceasefire) for o in out.observations]
    assert kinds == [
        (start, "talks", None),
        (start, "ceasefire", False),
        ("2025-09-01", "ceasefire", True),
    ]
    plain = sim.load_scenario(_case(_day0(start)[:2] + _day0(start)[4:]))
    assert without_outcome(plain) is plain  # nothing to leave out: the scenario itself


def test_a_ceasefire_on_the_snapshot_day_is_scored_but_not_conditioned_on(tmp_path: Path):
    """The case whose ceasefire came on the snapshot day is forecast exactly as the same case
    without that record (which, alone, would have made its P 1), and scored on day 0."""
    start = str(toy()["start"])
    files = []
    later = _day0(start)[4]
    talks, day0 = _day0(start)[0], _day0(start)[3]
    for name, obs in (("with", [talks, day0, later]), ("without", [talks, later])):
        f = tmp_path / f"{name}.yaml"
        f.write_text(yaml.safe_dump(_case(obs), sort_keys=False))
        files.append(str(f))
    rows = sim.hindcast(files, replicates=400, seed=3).table()
    p = list(rows["p_model"])
    assert p[0] == p[1] < 0.95  # conditioned on its day-0 ceasefire it would be 1
    assert "(day 0)" in rows["outcome"].iloc[0] and "(day 243)" in rows["outcome"].iloc[1]
