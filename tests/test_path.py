"""The forecast's path of a resampled run (sim/studies/path.py, ``sim run --resample --path``):
one resampled run as of the start and each earlier date of the evidence."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import sim
from sim.studies.path import path_dates, path_size, with_path
from tests.test_cli_run import call

RU = "scenarios/history/russia_ukraine_2025.yaml"
AS_OF = "2025-06-01"  # evidence on 8, 16 (two) and 31 May: four path points with the start


def test_the_path_is_one_resampled_run_per_earlier_date_of_the_evidence():
    s = sim.load_scenario(RU)
    dates = path_dates(s, dt.date.fromisoformat(AS_OF))
    assert [d.isoformat() for d in dates] == [
        "2025-04-26",
        "2025-05-08",
        "2025-05-16",
        "2025-05-31",
    ]
    assert path_size(300) == 1024 and path_size(20_000) == 5000
    r = sim.run(s, replicates=2000, seed=3, as_of=AS_OF, resample=True)
    told: list[tuple[int, int]] = []
    r = with_path(r, s, AS_OF, seed=3, progress=lambda k, of, d: told.append((k, of)))
    path = r.forecast_path()
    assert [p["as_of"] for p in path] == [d.isoformat() for d in dates] + [AS_OF]
    assert told == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert [p["observations"] for p in path] == [0, 1, 3, 4, 4]
    own = sim.run(s, replicates=1024, seed=3, as_of="2025-05-16", resample=True)
    assert path[2]["estimate"] == own.forecast_path()[0]["estimate"]  # exactly that run
    assert path[2]["ess"] == pytest.approx(own.forecast_path()[0]["ess"])
    assert path[0]["ess"] == 1024  # before any evidence: nothing is weighed
    assert path[-1]["estimate"] == r.summary()["p_ceasefire"]["estimate"]


def test_sim_run_path_draws_it_in_the_report_and_refuses_it_without_resampling(tmp_path):
    out = tmp_path / "run"
    code, _, err = call(
        ["run", RU, "-n", "500", "--seed", "2", "--as-of", AS_OF, "--resample", "--path",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0, err
    meta = json.loads((out / "meta.json").read_text())
    assert [p["as_of"] for p in meta["resampling"]["path"]][1:] == [
        "2025-05-08", "2025-05-16", "2025-05-31"
    ]  # fmt: skip
    html = (out / "report.html").read_text()
    assert "How the forecast moved" in html and "Ukraine rejected the Victory Day truce" in html
    loaded = sim.Results.load(out).forecast_path()  # read back: the path, then the run's own
    assert loaded[:4] == meta["resampling"]["path"] and loaded[-1]["as_of"] == AS_OF
    assert not any(p.name.startswith("path-") for p in tmp_path.rglob("*"))  # checkpoints gone
    code, _, err = call(["run", RU, "-n", "300", "--as-of", AS_OF, "--path",
                         "--out", str(tmp_path / "x")])  # fmt: skip
    assert code == 2 and "give --resample too" in err
    assert not (tmp_path / "x").exists()
