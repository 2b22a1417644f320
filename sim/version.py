"""The version of sim, read from the installed package's metadata (pyproject.toml is its source)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("sim")
except PackageNotFoundError:  # a source tree used without `pip install -e .`
    __version__ = "0+unknown"
