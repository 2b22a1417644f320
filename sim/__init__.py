"""sim: Monte Carlo, agent-based simulation of ceasefire negotiations.

Data flows one way: YAML -> scenario spec (``load_scenario``) -> sampled parameters ->
engine (``run``) -> ``Results`` (tables, files) -> plots and the HTML report.

The public names are imported on first use: ``import sim`` alone loads neither numpy nor
pandas, so the command line starts fast; ``sim.run`` loads the engine when first touched.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .errors import RunError, ScenarioError, SimError, UsageError

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .calibrate import calibrate
    from .compare import compare
    from .discover import discover
    from .engine.runner import run
    from .hindcast import hindcast
    from .plots import (
        figure_bytes,
        plot_ceasefire_curve,
        plot_control_fan,
        plot_durability,
        plot_obstruction,
        plot_terms,
        plot_terms_grid,
    )
    from .plots.history import plot_forecast_path, plot_posterior
    from .results import Results
    from .scenario.loader import load_scenario
    from .scenario.schema import Scenario
    from .sensitivity import sensitivity
    from .sweep import sweep
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
    "Results": ".results",
    "Scenario": ".scenario.schema",
    "__version__": ".version",
    "calibrate": ".calibrate",
    "compare": ".compare",
    "discover": ".discover",
    "figure_bytes": ".plots",
    "hindcast": ".hindcast",
    "plot_ceasefire_curve": ".plots",
    "plot_control_fan": ".plots",
    "plot_durability": ".plots",
    "plot_forecast_path": ".plots.history",
    "plot_obstruction": ".plots",
    "plot_posterior": ".plots.history",
    "plot_terms": ".plots",
    "plot_terms_grid": ".plots",
    "load_scenario": ".scenario.loader",
    "run": ".engine.runner",
    "sensitivity": ".sensitivity",
    "sweep": ".sweep",
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


class _Package(types.ModuleType):
    """``sim.sweep``, ``sim.compare``, ``sim.sensitivity``, ``sim.calibrate`` (...) stay the functions.

    Importing a submodule sets the package attribute of the same name to the module;
    the functions of those names would then be hidden once their module was imported.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
