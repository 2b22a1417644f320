"""The version of sim, read from the installed package's metadata (pyproject.toml is its source),
and the build: the version with a fingerprint of the code itself.

A version number alone does not name the code that made a result: between releases every
commit that changes the model changes results under the same number. ``build()`` appends the
first 12 hex digits of a SHA-256 over sim's own source files (its Python and the calibration it
applies by default), so a checkpoint, a kept case of a
hindcast, a point of a sweep or a cell of a calibration made by other code is never taken for
this code's, and a result's provenance names the code that made it.
"""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["__version__", "build", "code_sha256", "other_code", "tree_sha256"]

try:
    __version__ = version("sim")
except PackageNotFoundError:  # a source tree used without `pip install -e .`
    __version__ = "0+unknown"


@functools.lru_cache(maxsize=1)
def code_sha256() -> str:
    """``tree_sha256`` of the sim package: about 5 ms, computed once a process."""
    return tree_sha256(Path(__file__).resolve().parent)


SOURCES = ("*.py", "*.yaml")  # the code, and the data shipped in it that shape results


def tree_sha256(root: Path) -> str:
    """SHA-256 of every ``.py`` and ``.yaml`` file under ``root`` (the code, and the history
    library's calibration every verb applies by default): each file's path (relative to
    ``root``, '/'-separated), its length and its bytes, in path order."""
    h = hashlib.sha256()
    files = {p for pattern in SOURCES for p in root.rglob(pattern)}
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def build() -> str:
    """The version and the code's fingerprint, as a PEP 440 local version:
    ``0.3.0.dev0+1a2b3c4d5e6f``. What a result's provenance records and what every resume
    and cache compares."""
    base = __version__.split("+", 1)[0]
    return f"{base}+{code_sha256()[:12]}"


def other_code(what: str, there: object) -> str:
    """The message for ``what`` (a checkpoint, a sweep, a calibration) made by another build."""
    return (
        f"{what} was made by other code of sim (build {there}; this is {build()}), whose "
        "results cannot be mixed with this code's"
    )
