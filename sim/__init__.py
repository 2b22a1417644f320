"""sim: Monte Carlo, agent-based simulation of ceasefire negotiations.

Data flows one way: YAML -> scenario spec (``load_scenario``) -> sampled parameters ->
engine (``run``) -> ``Results`` (tables, files) -> plots and the HTML report.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .compare import compare
from .engine.runner import run
from .errors import RunError, ScenarioError, SimError, UsageError
from .results import Results
from .scenario.loader import load_scenario
from .scenario.schema import Scenario
from .sensitivity import sensitivity
from .sweep import sweep

__all__ = [
    "Results",
    "RunError",
    "Scenario",
    "ScenarioError",
    "SimError",
    "UsageError",
    "__version__",
    "compare",
    "load_scenario",
    "run",
    "sensitivity",
    "sweep",
]
