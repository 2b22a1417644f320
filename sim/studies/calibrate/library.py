"""The history library's calibration: shipped with sim, applied by default.

``history_library.yaml`` beside this module holds the structural numbers ``sim calibrate``
fitted on the history library (docs/validation.md, "Calibration"): numbers about how wars and
negotiations go that no case's author can read off the record and that are the same in every
war. Every verb that simulates applies them, as ``--set`` overrides before the user's own,
unless told otherwise: ``--calibration FILE`` applies another calibration file instead, and
``--calibration none`` none (every structural number at the model's own default, as
docs/model.md derives them). The file is part of the build (``sim.version``): other numbers
are other code. From Python, ``sim.library_calibration()`` gives the list to pass as
``overrides``.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import UsageError
from ...model.scenario.overrides import LIBRARY_ORIGIN
from .folder import read_calibration

__all__ = [
    "LIBRARY_FILE",
    "LIBRARY_NAME",
    "NO_CALIBRATION",
    "chosen_calibration",
    "library_calibration",
]

LIBRARY_FILE = Path(__file__).with_name("history_library.yaml")
LIBRARY_NAME = LIBRARY_ORIGIN  # as messages and provenance name it
NO_CALIBRATION = "none"  # --calibration none: the model's own defaults


def library_calibration() -> list[str]:
    """The history library's fitted numbers, as ``PATH=VALUE`` overrides (each remembers the
    file and line it came from)."""
    return read_calibration(LIBRARY_FILE, LIBRARY_NAME)


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
