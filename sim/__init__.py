"""sim: Monte Carlo, agent-based simulation of ceasefire negotiations."""

__version__ = "0.1.0"
