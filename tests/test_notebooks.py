"""The notebooks execute top to bottom with the real engine (nbclient), so they cannot rot."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01_baseline.ipynb"])
def test_notebook_runs_and_shows_headline_and_figures(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert text.count("P(ceasefire by 2025-12-31)") == 2  # baseline and variant headlines
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6  # curve, terms, fan, obstruction, durability, comparison
