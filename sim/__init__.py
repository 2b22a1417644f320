"""sim: Monte Carlo, agent-based simulation of ceasefire negotiations.

Data flows one way: YAML -> scenario spec (``load_scenario``) -> sampled parameters ->
engine (``run``) -> ``Results`` (tables, files) -> plots and the HTML report.

The public names are imported on first use: ``import sim`` alone loads neither numpy nor
pandas, so the command line starts fast; ``sim.run`` loads the engine when first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import RunError, ScenarioError, SimError, UsageError

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .model.scenario.calibration import library_calibration
    from .model.scenario.loader import load_scenario
    from .model.scenario.schema import Scenario
    from .output.plots import (
        figure_bytes,
        plot_ceasefire_curve,
        plot_control_fan,
        plot_durability,
        plot_obstruction,
        plot_terms,
        plot_terms_grid,
    )
    from .output.plots.history import plot_forecast_path, plot_posterior
    from .output.results import Results
    from .studies.calibrate import calibrate
    from .studies.compare import compare
    from .studies.discover import discover
    from .studies.hindcast import hindcast
    from .studies.runner import run
    from .studies.sensitivity import sensitivity
    from .studies.sweep import sweep
    from .version import __version__

__all__ = [
    "Results",
    "RunError",
    "Scenario",
    "ScenarioError",
    "SimError",
    "UsageError",
    "__version__",
    "calibrate",
    "compare",
    "discover",
    "figure_bytes",
    "hindcast",
    "library_calibration",
    "load_scenario",
    "plot_ceasefire_curve",
    "plot_control_fan",
    "plot_durability",
    "plot_forecast_path",
    "plot_obstruction",
    "plot_posterior",
    "plot_terms",
    "plot_terms_grid",
    "run",
    "sensitivity",
    "sweep",
]

# Public name -> the module that defines it, imported when the name is first used.
_LAZY = {
    "Results": ".output.results",
    "Scenario": ".model.scenario.schema",
    "__version__": ".version",
    "calibrate": ".studies.calibrate",
    "compare": ".studies.compare",
    "discover": ".studies.discover",
    "figure_bytes": ".output.plots",
    "hindcast": ".studies.hindcast",
    "library_calibration": ".model.scenario.calibration",
    "plot_ceasefire_curve": ".output.plots",
    "plot_control_fan": ".output.plots",
    "plot_durability": ".output.plots",
    "plot_forecast_path": ".output.plots.history",
    "plot_obstruction": ".output.plots",
    "plot_posterior": ".output.plots.history",
    "plot_terms": ".output.plots",
    "plot_terms_grid": ".output.plots",
    "load_scenario": ".model.scenario.loader",
    "run": ".studies.runner",
    "sensitivity": ".studies.sensitivity",
    "sweep": ".studies.sweep",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
