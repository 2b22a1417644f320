"""A calibration folder on disk: ``manifest.json`` first, one cell ``cells/<point>/<case>/`` per finished case run, resume checks, and ``calibration.yaml``.

The manifest fixes the cases (with the hash of each resolved scenario), the params, the
design's points, the replicates, the seed and the base rate; ``--resume`` continues a folder
only for the same calibration and runs only the (point, case) cells without a whole file.
``calibration.yaml`` holds the fitted numbers as ``set:`` overrides ("PATH=VALUE") and their
provenance; ``sim.model.scenario.calibration.read_calibration`` reads that list back.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...io.atomic import atomic_write_json
from ...io.jsonable import jsonable
from ...version import other_code
from ..cells import CellStore, Kept

__all__ = [
    "CELLS_DIR",
    "KIND",
    "MANIFEST",
    "RESUME_KEYS",
    "cell_jobs",
    "check_new_folder",
    "check_same",
    "finished_cells",
    "is_calibrate_manifest",
    "prior_manifest",
    "save_cell",
    "start_folder",
]

KIND = "sim-calibrate"
MANIFEST = "manifest.json"
CELLS_DIR = "cells"
# What must agree for --resume to continue a folder.
RESUME_KEYS = (
    "cases",
    "params",
    "design",
    "samples",
    "points",
    "replicates",
    "seed",
    "median_days",
    "conditioning",  # absent in folders begun before cells were conditioned by resample-move
    "fixed",  # --set and --calibration applied at every point (absent when none)
)
_FIELDS: dict[str, type] = {
    "cases": list,
    "params": list,
    "design": str,
    "points": list,
    "replicates": int,
    "seed": int,
}


def is_calibrate_manifest(folder: str | os.PathLike[str]) -> bool:
    """The folder holds a calibration's manifest (finished or not)."""
    try:
        m = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and m.get("kind") == KIND


def prior_manifest(resume: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the calibration folder ``resume``; UsageError when it is not one or
    is damaged."""
    path = Path(resume) / MANIFEST
    if not is_calibrate_manifest(resume):
        raise UsageError(
            f"--resume {os.fspath(resume)!r}: not a calibration folder (no {MANIFEST} written "
            "by 'sim calibrate')"
        )
    m = json.loads(path.read_text(encoding="utf-8"))
    for key, tp in _FIELDS.items():
        v = m.get(key)
        if not isinstance(v, tp) or isinstance(v, bool):
            raise UsageError(
                f"calibration manifest {str(path)!r} is damaged ({key!r} is missing or of the "
                "wrong type); start the calibration again in a new folder"
            )
    return dict(m)


def check_same(old: dict[str, Any], manifest: dict[str, Any], resume: Any) -> None:
    """UsageError unless the calibration asked for is the one the folder holds."""
    if old.get("version") != manifest.get("version"):
        raise UsageError(
            other_code(f"--resume {str(resume)!r}", old.get("version")) + "; start a new one"
        )
    for k in RESUME_KEYS:
        if jsonable(old.get(k)) == jsonable(manifest.get(k)):
            continue
        if k == "cases":
            _cases_differ(old["cases"], manifest["cases"], resume)
        if k == "conditioning":
            raise UsageError(
                f"--resume {str(resume)!r}: its cases met their record by "
                f"{old.get(k) or 'weighting'}, this version's by {manifest.get(k)}; start a "
                "new calibration"
            )
        raise UsageError(
            f"--resume {str(resume)!r} was a different calibration ({k} differs: "
            f"{_short(k, old.get(k))} there, {_short(k, manifest.get(k))} now); repeat the original "
            "command with --resume, or leave out CASES, --param, -n and --seed to reuse it"
        )


def _cases_differ(old: list[Any], new: list[Any], resume: Any) -> None:
    files = [c.get("file") for c in old if isinstance(c, dict)]
    if files == [c["file"] for c in new]:
        changed = [c["file"] for c, o in zip(new, old, strict=True) if c != o]
        raise UsageError(
            f"--resume {str(resume)!r}: case {changed[0]} changed since the calibration began "
            "(its resolved scenario differs); start a new calibration"
        )


def _short(key: str, v: Any) -> str:
    """A manifest entry in the words of the command line."""
    if key == "params" and isinstance(v, list):
        return " ".join(f"--param {_param_text(p)}" for p in v if isinstance(p, dict))
    if key == "points" and isinstance(v, list):
        return f"{len(v)} points"
    if key == "cases" and isinstance(v, list):
        return ", ".join(Path(str(c.get("file"))).name for c in v if isinstance(c, dict))
    text = json.dumps(jsonable(v), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _param_text(p: dict[str, Any]) -> str:
    if p.get("values"):
        return f"{p.get('path')}={','.join(f'{x:g}' for x in p['values'])}"
    steps = f":{p['steps']}" if p.get("steps") else ""
    return f"{p.get('path')}={p.get('lo', 0):g}:{p.get('hi', 0):g}{steps}"


def start_folder(folder: Path, manifest: dict[str, Any], force: bool) -> None:
    """Make ``folder`` a fresh calibration folder: marker and manifest (an existing folder was
    checked by ``check_new_folder``; with ``force`` sim's own earlier folder is replaced)."""
    from ...io.folders import write_marker

    if force and folder.is_dir() and any(folder.iterdir()):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_marker(folder, "calibrate")
    atomic_write_json(folder / MANIFEST, manifest)


def check_new_folder(folder: Path, force: bool) -> None:
    """UsageError when ``--out`` must not be written (nothing is written here)."""
    from ...io.folders import check_writable
    from ..outputs import check_out_folder

    hint = (
        f" (continue it with --resume {folder}, or add --force to start again)"
        if is_calibrate_manifest(folder)
        else " (add --force to replace it)"
    )
    check_out_folder(folder, force, hint=hint, kind="calibrate")
    check_writable(folder)


def _cells(folder: Path) -> CellStore:
    return CellStore(folder / CELLS_DIR)


def _cell(point: int, values: dict[str, float], case: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A case run's cell name and key: the point and the case, valid for those values and that
    version of the case."""
    return f"{point}/{case['key']}", {"values": values, "sha256": case["sha256"]}


def cell_jobs(folder: Path, manifest: dict[str, Any], jobs: list[int]) -> Kept:
    """How the jobs (point index x cases + case index) are kept: each in its cell."""
    n_c, names, keys = len(manifest["cases"]), {}, {}
    for k in jobs:
        i, j = divmod(k, n_c)
        names[k], keys[k] = _cell(i, manifest["points"][i], manifest["cases"][j])
    return Kept(_cells(folder), names, keys)


def save_cell(
    folder: Path, point: int, values: dict[str, float], case: dict[str, Any], row: dict[str, Any]
) -> None:
    """Commit one finished case run at one point, whole or not at all (sim/studies/cells.py)."""
    _cells(folder).save(*_cell(point, values, case), row)


def finished_cells(folder: Path, manifest: dict[str, Any]) -> dict[tuple[int, int], Any]:
    """The rows already saved in ``folder``, by (point, case index); a damaged cell, or one
    for other values or another version of the case, is not counted (it is run again)."""
    store, done = _cells(folder), {}
    for i, values in enumerate(manifest["points"]):
        for j, case in enumerate(manifest["cases"]):
            got = store.load(*_cell(i, values, case))
            if got is not None and all(isinstance(got[0].get(f), dict) for f in ("model", "base")):
                done[i, j] = got[0]
    return done
