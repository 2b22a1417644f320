"""A hindcast case whose snapshot-day record leaves few futures is rerun larger
(sim/studies/snapshot.py): the rule, its limits, and that the result is a plain run of the
grown size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from oracle_scenarios import toy
from test_hindcast import _known_verdict

from sim.cli import main
from sim.errors import UsageError
from sim.studies.hindcast import hindcast as sim_hindcast
from sim.studies.snapshot import FEW_FUTURES, MAX_GROWTH, grown_size


def _thin_case(folder: Path) -> Path:
    """A case whose record has A's refusal of a plan put on the snapshot day: weighting keeps
    only the replicates where A refused it (fewer than FEW_FUTURES of 150)."""
    return _known_verdict(folder)[1]


def test_the_grown_size_follows_the_shortfall_at_least_doubles_and_stops_at_the_cap():
    assert grown_size(1000, 50.0, 100, 16_000) == 2500  # 2 x 1.25 x 1,000: within a chunk
    assert grown_size(4096, 50.0, 100, 65_536) == 12_288  # 10,240 rounded up to whole chunks
    assert grown_size(1000, 90.0, 100, 16_000) == 2000  # at least double
    assert grown_size(1000, 3.4, 100, 16_000) == 16_000  # 36,765 capped
    assert grown_size(150, 20.0, 100, 2400) == 938  # below a chunk: not rounded
    assert grown_size(8192, 10.0, 100, 131_072) == 102_400  # 102,400 = 25 chunks


def test_a_thin_case_is_rerun_larger_and_equals_a_plain_run_of_that_size(tmp_path: Path):
    f = _thin_case(tmp_path)
    thin = sim_hindcast([str(f)], replicates=150, seed=4, resample=False, min_futures=0)
    e0 = thin.cases[0]["known_at_snapshot"]["ess"]
    assert 0 < e0 < FEW_FUTURES
    grown = sim_hindcast([str(f)], replicates=150, seed=4, resample=False)
    case = grown.cases[0]
    n = case["replicates"]
    assert 150 < n <= MAX_GROWTH * 150
    assert case["known_at_snapshot"]["grown_from"] == 150
    assert case["known_at_snapshot"]["ess"] >= FEW_FUTURES or n == MAX_GROWTH * 150
    # the grown forecast is the plain forecast of that size and seed, score for score
    plain = sim_hindcast([str(f)], replicates=n, seed=4, resample=False, min_futures=0)
    assert plain.cases[0]["model"] == case["model"]
    assert "grown_from" not in plain.cases[0]["known_at_snapshot"]
    assert grown.meta["min_futures"] == {"effective_futures": FEW_FUTURES, "max_growth": 16}


def test_a_case_with_enough_futures_or_nothing_on_record_is_not_rerun(tmp_path: Path):
    f = _thin_case(tmp_path)
    many = sim_hindcast([str(f)], replicates=3000, seed=4, resample=False)
    assert many.cases[0]["replicates"] == 3000
    assert "grown_from" not in many.cases[0]["known_at_snapshot"]
    s = toy()
    s["observations"] = [{"by": "2025-12-30", "source": "r", "ceasefire": False}]
    g = tmp_path / "bare.yaml"
    g.write_text(yaml.safe_dump(s, sort_keys=False))
    bare = sim_hindcast([str(g)], replicates=150, seed=4)
    assert bare.cases[0]["replicates"] == 150
    assert bare.cases[0]["known_at_snapshot"] == {"observations": 0, "ess": None}


def test_the_cli_reruns_thin_cases_says_so_on_the_page_and_refuses_a_negative_k(
    tmp_path: Path, capsys
):
    f = _thin_case(tmp_path)
    out = tmp_path / "grown"
    args = ["hindcast", str(f), "-n", "150", "--seed", "4", "--weighting", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / "hindcast.json").read_text())
    n = data["cases"][0]["replicates"]
    assert "Rerun with more replicates" in printed and f"({n:,} replicates)" in printed
    assert data["cases"][0]["known_at_snapshot"]["grown_from"] == 150
    page = (out / "report.html").read_text()
    assert "rerun with more replicates than the 150 asked" in page
    assert "Rerun with more replicates" in page and f"({n:,} replicates)" in page
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["hindcast", str(f), "--min-futures", "-1"])
    assert e.value.code == 2
    assert "--min-futures" in capsys.readouterr().err
    with pytest.raises(UsageError, match="min_futures"):
        sim_hindcast([str(f)], replicates=150, min_futures=-1)
