"""The history library's calibration: shipped with sim, applied by default.

``history_library.yaml`` beside this module (package data) holds the structural numbers ``sim
calibrate`` fitted on the history library (docs/validation.md, "Calibration"): numbers about how wars and
negotiations go that no case's author can read off the record and that are the same in every
war. Every verb that simulates applies them, as ``--set`` overrides before the user's own,
unless told otherwise: ``--calibration FILE`` applies another calibration file instead, and
``--calibration none`` none (every structural number at the model's own default, as
docs/model.md derives them). The file is part of the build (``sim.version``): other numbers
are other code. From Python, ``sim.library_calibration()`` gives the list to pass as
``overrides``. Reading it loads no numpy: ``sim show`` stays quick.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...errors import UsageError
from .overrides import LIBRARY_ORIGIN, Override

__all__ = [
    "LIBRARY_FILE",
    "LIBRARY_ORIGIN",
    "NO_CALIBRATION",
    "chosen_calibration",
    "library_calibration",
    "read_calibration",
]

LIBRARY_FILE = Path(__file__).with_name("history_library.yaml")
NO_CALIBRATION = "none"  # --calibration none: the model's own defaults


def library_calibration() -> list[str]:
    """The history library's fitted numbers, as ``PATH=VALUE`` overrides (each remembers the
    file and line it came from)."""
    return read_calibration(LIBRARY_FILE, LIBRARY_ORIGIN)


def chosen_calibration(choice: str | None) -> list[str]:
    """The overrides of ``--calibration``: the library's without it (``None``), none for
    ``none``, else those of the file it names."""
    if choice is None:
        return library_calibration()
    if choice.strip().lower() == NO_CALIBRATION:
        return []
    if not choice.strip():
        raise UsageError(
            "--calibration '': give a calibration file (as 'sim calibrate' writes it) or 'none'"
        )
    return read_calibration(choice)


def read_calibration(path: str | os.PathLike[str], shown: str | None = None) -> list[str]:
    """The ``set:`` overrides of a ``calibration.yaml`` (UsageError naming the file, as
    ``shown`` or its path, when it cannot be read or is not one)."""
    import yaml

    shown = os.fspath(path) if shown is None else shown
    try:
        # libyaml where it is built (the file's provenance runs to thousands of lines:
        # PyYAML's own parser takes 0.12 s on the library's file, libyaml 0.02 s)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        reader = loader(Path(path).read_text(encoding="utf-8"))
        try:
            node = reader.get_single_node()  # the nodes, for the lines of the set: items
            data = None if node is None else reader.construct_document(node)
        finally:
            reader.dispose()
    except yaml.MarkedYAMLError as e:
        at = e.problem_mark
        where = f"{shown}:{at.line + 1}:{at.column + 1}" if at is not None else shown
        raise UsageError(f"--calibration {where}: not valid YAML ({e.problem})") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise UsageError(f"--calibration {shown!r}: cannot read it ({why})") from None
    items = data.get("set") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(x, str) and "=" in x and x.partition("=")[0].strip() for x in items
    ):
        raise UsageError(
            f"--calibration {shown!r}: not a calibration file (it needs 'set:', a list of "
            "\"PATH=VALUE\" strings, as 'sim calibrate' writes in calibration.yaml)"
        )
    marks = _set_marks(node)
    return [Override(x, shown, *marks[i]) if i < len(marks) else x for i, x in enumerate(items)]


def _set_marks(node: Any) -> list[tuple[int, int]]:
    """(line, column), 1-based, of each item of the ``set:`` list in a composed YAML document."""
    for key, value in getattr(node, "value", []):
        if getattr(key, "value", None) == "set" and isinstance(value.value, list):
            return [(v.start_mark.line + 1, v.start_mark.column + 1) for v in value.value]
    return []
