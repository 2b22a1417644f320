"""A sweep folder on disk: ``manifest.json`` written first, one ``points/<i>.json`` per finished point, resume checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..io.atomic import atomic_write_json
from ..io.jsonable import jsonable
from ..version import other_code

__all__ = [
    "MANIFEST",
    "POINTS_DIR",
    "RESUME_KEYS",
    "PointStore",
    "ResumeMismatch",
    "check_resume",
    "is_sweep_folder",
    "manifest_problem",
    "read_json",
    "read_point",
    "save_point",
]

MANIFEST = "manifest.json"
POINTS_DIR = "points"
# Fields of the manifest that must agree for --resume to continue a folder.
RESUME_KEYS = (
    "scenario_sha256",
    "seed",
    "replicates",
    "precision",
    "max_replicates",
    "independent",
    "design",
    "vary",
    "points",
)


class ResumeMismatch(UsageError):
    """``--resume`` names a folder written by a different sweep (scenario, seed, ...)."""


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {str(path)!r}: {e}") from None


def is_sweep_folder(folder: str | Path) -> bool:
    """A folder written by ``sim sweep`` (finished or not): it holds a sweep manifest (not,
    say, the manifest of a run's chunk checkpoints, which has the same file name)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == "sim-sweep"


# What a manifest must hold for a sweep to be resumed (or reported), and of which type.
_FIELDS: dict[str, tuple[type, ...]] = {
    "scenario_file": (str,),
    "scenario_sha256": (str,),
    "seed": (int,),
    "replicates": (int,),
    "independent": (bool,),
    "design": (str,),
    "vary": (list,),
    "points": (list,),
}


def prior_manifest(resume: str | Path) -> dict[str, Any]:
    """The manifest of the sweep folder ``resume``; UsageError if it is not one, or naming
    the file and what is wrong when it is damaged."""
    folder = Path(resume)
    path = folder / MANIFEST
    if not path.is_file():
        raise UsageError(f"--resume {str(folder)!r}: not a sweep folder (no {MANIFEST})")
    old = read_json(path)
    problem = manifest_problem(old)
    if problem:
        raise UsageError(
            f"sweep manifest {str(path)!r} is damaged ({problem}); the sweep cannot be resumed "
            "from it: run it again into a new folder"
        )
    return dict(old)


def manifest_problem(m: Any) -> str:
    """What is wrong with a sweep manifest ("" when nothing is)."""
    if not isinstance(m, dict):
        return "not a JSON object"
    for key, types in _FIELDS.items():
        v = m.get(key)
        if not isinstance(v, types) or (types == (int,) and isinstance(v, bool)):
            return f"{key!r} is missing or of the wrong type"
    for v in m["vary"]:
        if not (
            isinstance(v, dict)
            and isinstance(v.get("path"), str)
            and all(isinstance(v.get(k), (int, float)) for k in ("lo", "hi"))
        ):
            return "an entry of 'vary' is not a varied path"
    if not all(isinstance(p, dict) for p in m["points"]):
        return "an entry of 'points' is not a point"
    return ""


def check_resume(old: dict[str, Any], folder: Path, sha: str, seed: int) -> None:
    """ResumeMismatch unless the folder's sweep ran this scenario with this seed."""
    if old.get("scenario_sha256") != sha:
        raise ResumeMismatch(
            f"--resume {str(folder)!r} was written for another scenario "
            f"({old.get('scenario')!r}, sha256 {str(old.get('scenario_sha256'))[:12]}...); "
            "use the same scenario file and --set overrides"
        )
    if old.get("seed") != seed:
        raise ResumeMismatch(
            f"--resume {str(folder)!r} was run with seed {old.get('seed')}, not {seed}; "
            f"add --seed {old.get('seed')}"
        )


def check_same_sweep(old: dict[str, Any], manifest: dict[str, Any], resume: Any) -> None:
    """ResumeMismatch unless the sweep asked for is the one the folder holds (RESUME_KEYS)."""
    if old.get("version") != manifest["version"]:
        raise ResumeMismatch(
            other_code(f"--resume {str(resume)!r}", old.get("version")) + "; start a new one"
        )
    for k in RESUME_KEYS:
        if jsonable(old.get(k)) != manifest[k]:
            raise ResumeMismatch(
                f"--resume {str(resume)!r} was a different sweep ({k} differs); "
                "repeat the original command with --resume, or leave out --vary to reuse it"
            )


class PointStore:
    """A sweep's finished points as the job store of sim/studies/cells.run_jobs: point i is
    ``points/<i>.json``, its values the key and its statistics the row (a damaged file, or one
    holding another point's values, counts as not finished and the point is run again)."""

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / POINTS_DIR).mkdir(parents=True, exist_ok=True)

    def load(self, name: str, key: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
        path = self.folder / POINTS_DIR / f"{name}.json"
        stats = _point_stats(path, key) if path.is_file() else None
        return None if stats is None else (stats, path)

    def save(
        self,
        name: str,
        key: dict[str, Any],
        row: dict[str, Any],
        fill: Callable[[Path], None] | None = None,
    ) -> None:
        save_point(self.folder, int(name), key, row)


def _point_stats(path: Path, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The statistics in a point file, if it is whole (and for ``values``, unless None)."""
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("stats"), dict):
        return None
    if values is not None and rec.get("values") != values:
        return None
    stats: dict[str, Any] = rec["stats"]
    return stats


def read_point(folder: Path, i: int) -> dict[str, Any]:
    """Point ``i``'s statistics from a finished sweep folder; UsageError naming a damaged file."""
    path = folder / POINTS_DIR / f"{i}.json"
    stats = _point_stats(path, None)
    if stats is None:
        raise UsageError(
            f"sweep point file {str(path)!r} is missing or damaged; rerun the sweep with "
            f"--resume {folder} to run that point again"
        )
    return stats


def save_point(folder: Path, i: int, values: dict[str, Any], stats: dict[str, Any]) -> None:
    """Commit point ``i`` (its values and statistics) as ``points/<i>.json``, atomically."""
    atomic_write_json(
        folder / POINTS_DIR / f"{i}.json", {"point": i, "values": values, "stats": stats}
    )
