"""The notebooks are shipped executed (outputs committed, light) and execute again top to bottom
with the real engine (nbclient) in the slow tests, so they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _execute(name: str, smaller: dict[str, str] | None = None) -> tuple[list, str]:
    """Run notebook ``name`` top to bottom; its outputs and printed text (no cell may fail).
    ``smaller`` replaces text in its code (each must be found once) to run it with fewer
    replicates than the shipped outputs were made with: what is checked is that every cell
    runs and shows its output, not the figures' precision."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for old, new in (smaller or {}).items():
        cells = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert len(cells) == 1, f"{name}: {old!r} is in {len(cells)} cells"
        cells[0].source = cells[0].source.replace(old, new)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs, "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.mark.slow
def test_the_baseline_notebook_shows_headline_and_figures():
    outputs, text = _execute("01_baseline.ipynb")
    assert "P(ceasefire by 2025-12-31):" in text  # the baseline's headline
    assert "us_walks_away vs baseline" in text and "ΔP(ceasefire)" in text  # the comparison
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 7  # curve, terms, fan, obstruction, durability, 2 x comparison
    bars = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "replicates: done in" in bars  # progress=True drew an HTML bar in the notebook
    saved = "".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "report.html" in saved and "figures" in saved


@pytest.mark.slow
def test_the_sweeps_notebook_shows_sweeps_a_comparison_sensitivity_and_a_discovered_box():
    outputs, text = _execute(
        "02_sweeps_and_sensitivity.ipynb", {"N, SEED = 400, 7": "N, SEED = 200, 7"}
    )
    assert "actors.russia.stalling.prior  p_ceasefire" in text  # the one-path sweep table
    assert (
        "3 scenarios, 200 replicates each" in text
        and "pressures.sanctions.cost=0.0008 vs base" in text
    )
    assert "Russia: stalling prior" in text and "mu_star" in text  # Morris, with human labels
    assert "coverage" in text and "density" in text  # the PRIM box
    assert "What must be true for a ceasefire" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 6  # sweep line, heatmap, differences, sensitivity, box, trade-off


@pytest.mark.slow
def test_the_history_notebook_shows_the_forecast_path_and_what_the_record_taught():
    outputs, text = _execute(
        "03_history.ipynb",
        {
            "REPLICATES, SEED = 16384, 7": "REPLICATES, SEED = 4096, 7",
            "HINDCAST_REPLICATES = 2000": "HINDCAST_REPLICATES = 500",
        },
    )
    assert "23 observations" in text  # the case's record
    assert "as of 2025-07-01, given 5 observation(s)" in text  # the conditioned headlines
    assert "as of 2025-09-01" in text and "as of 2025-11-01" in text
    # what the record taught, with human labels ("Sanctions: bite ...", "Russia: stalling ...")
    assert re.search(r"(Russia|Ukraine|Sanctions|United States): [a-z]", text)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the forecast path, prior against posterior
    # a small hindcast, compared with the base rates paired over its six cases
    assert re.search(
        r"sim minus lognormal: log [+-]\d\.\d{3} \(se \d\.\d{3}\), sim lower in \d of 6", text
    )


MAX_BYTES = 1_000_000  # a shipped notebook with its figures: small runs keep it light


def test_notebooks_use_only_the_public_api_and_are_committed_executed_with_light_outputs():
    public = {"sim", "sim.__init__"}
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert len(paths) == 3
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        # executed once, top to bottom, without an error; all but the set-up cell show something
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), path.name
        assert all(c.get("outputs") for c in code[1:]), path.name
        assert not [o for c in code for o in c.outputs if o.output_type == "error"], path.name
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
        assert path.stat().st_size < MAX_BYTES, (path.name, path.stat().st_size)
        for cell in code:
            for line in cell.source.splitlines():
                words = line.split()
                if words[:1] in (["import"], ["from"]) and words[1].startswith("sim"):
                    assert words[1] in public, f"{path.name}: {line}"
