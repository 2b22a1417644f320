"""Every verb run once for the whole test session: the browser test renders the pages it
writes, the figure-bounds test checks every figure it saves and what it prints. Running the
verbs once for both saves a minute of the suite (each module ran them all before)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = str(ROOT / "scenarios" / "baseline.yaml")
HISTORY = ROOT / "scenarios" / "history"
CASES = [str(HISTORY / "kargil_1999.yaml"), str(HISTORY / "korea_1951.yaml")]


@dataclass
class Verbs:
    """What running every verb left: its folder (one sub-folder per verb, each with its
    report.html), the figures saved as (verb, figure), and what each verb printed."""

    folder: Path
    figures: list[tuple[str, Figure]]
    printed: dict[str, str]


def _argv(d: Path) -> dict[str, list[str]]:
    return {
        "run": ["run", BASE, "-n", "1000", "--seed", "1", "--out", str(d / "run")],
        "discover": ["discover", str(d / "run"), "--min-mass", "0.1"],
        "compare": ["compare", BASE, str(ROOT / "scenarios" / "us_walks_away.yaml"), "-n", "300",
                    "--out", str(d / "compare")],
        "sweep": ["sweep", BASE, "--vary", "pressures.sanctions.level=0:1:3", "-n", "200",
                  "--out", str(d / "sweep")],
        "sweep report": ["report", str(d / "sweep")],
        # three inputs, among them a red line's penalty (its human name is checked) and the
        # cost scale, which takes P(ceasefire) across one half (25% to 92% without the hidden
        # obstacles), so that both outputs vary and both figures are drawn (an output
        # constant at every point, as the median is when P stays below one half, has none)
        "sensitivity": ["sensitivity", BASE, "--method", "morris", "--samples", "2", "-n", "100",
                        "--params", "actors.russia.stalling.prior,actors.russia.red_lines.1.penalty,"
                        "structure.cost_scale=1:4", "--out", str(d / "sensitivity"),
                        "--set", "negotiation.hidden_obstacles=false"],
        "as-of": ["run", str(HISTORY / "russia_ukraine_2025.yaml"), "-n", "2048", "--seed", "7",
                  "--as-of", "2025-07-01", "--out", str(d / "asof")],
        "hindcast": ["hindcast", *CASES, "-n", "300", "--out", str(d / "hindcast")],
        "calibrate": ["calibrate", *CASES, "--param", "negotiation.lookahead_days=30:330:2",
                      "-n", "100", "--out", str(d / "calibrate")],
    }  # fmt: skip


def run_every_verb(d: Path) -> Verbs:
    """Run every verb into ``d``, recording each figure as it is saved and what it prints."""
    seen: list[tuple[str, Figure]] = []
    original = Figure.savefig
    now = {"verb": ""}

    def record(self: Figure, *args: Any, **kwargs: Any) -> None:
        seen.append((now["verb"], self))
        original(self, *args, **kwargs)

    printed: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "savefig", record)
        for verb, argv in _argv(d).items():
            now["verb"] = verb
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main(argv) == 0, argv
            printed[verb] = out.getvalue()
    return Verbs(d, seen, printed)
