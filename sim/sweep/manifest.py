"""A sweep folder on disk: ``manifest.json`` written first, one ``points/<i>.json`` per finished point, resume checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_json
from ..errors import UsageError
from ..jsonable import jsonable

__all__ = [
    "MANIFEST",
    "POINTS_DIR",
    "RESUME_KEYS",
    "ResumeMismatch",
    "check_resume",
    "finished_points",
    "is_sweep_folder",
    "read_json",
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


def prior_manifest(resume: str | Path) -> dict[str, Any]:
    """The manifest of the sweep folder ``resume``; UsageError if it is not one."""
    folder = Path(resume)
    if not (folder / MANIFEST).is_file():
        raise UsageError(f"--resume {str(folder)!r}: not a sweep folder (no {MANIFEST})")
    old: dict[str, Any] = read_json(folder / MANIFEST)
    return old


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
    for k in RESUME_KEYS:
        if jsonable(old.get(k)) != manifest[k]:
            raise ResumeMismatch(
                f"--resume {str(resume)!r} was a different sweep ({k} differs); "
                "repeat the original command with --resume, or leave out --vary to reuse it"
            )


def finished_points(folder: Path, points: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The statistics of the points already saved in ``folder`` (those with the same values)."""
    pdir = folder / POINTS_DIR
    pdir.mkdir(parents=True, exist_ok=True)
    done: dict[int, dict[str, Any]] = {}
    for i in range(len(points)):
        f = pdir / f"{i}.json"
        if f.is_file():
            rec = read_json(f)
            if rec.get("values") == points[i]:
                done[i] = rec["stats"]
    return done


def save_point(folder: Path, i: int, values: dict[str, Any], stats: dict[str, Any]) -> None:
    """Commit point ``i`` (its values and statistics) as ``points/<i>.json``, atomically."""
    atomic_write_json(
        folder / POINTS_DIR / f"{i}.json", {"point": i, "values": values, "stats": stats}
    )
