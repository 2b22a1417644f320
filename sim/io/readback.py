"""What sim reads back from a folder it wrote: checked against the folder's manifest of hashes,
and in shape, so a changed file is refused by name instead of crashing a report or being
reported as if it were this folder's.

When sim writes a folder it records in the folder's marker (``.sim-folder``, its manifest)
the SHA-256 of every file it will read back (``seal``). Reading one back checks it
(``check_sealed``): a file edited, or copied from another run, since then is refused with
"file X does not match the folder's manifest". A JSON file is also checked against the shape
its reader needs (``read_json``: fields, types, ranges), so a hand-edited folder of an older
sim (no hashes recorded) is refused with "folder X: file Y: field Z: rule".
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .folders import MARKER, read_marker, write_marker

__all__ = [
    "NUMBER",
    "Items",
    "Null",
    "OneOf",
    "Opt",
    "Values",
    "Whole",
    "check_sealed",
    "copy_sealed",
    "file_sha256",
    "read_json",
    "seal",
    "sealed_problem",
    "shape_problem",
]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a large outcomes table is not held in memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def seal(folder: Path, kind: str, names: list[str]) -> None:
    """Write ``folder``'s marker with the hashes of the files ``names`` that it holds (write
    this last: a file written after it would not match)."""
    files = {n: file_sha256(folder / n) for n in names if (folder / n).is_file()}
    write_marker(folder, kind, files)


def sealed_problem(folder: Path, name: str) -> str:
    """Why ``folder/name`` is not the file sim recorded in the folder's manifest ("" when it
    is, or when the marker records no hashes: a folder written by an older sim)."""
    files = (read_marker(folder) or {}).get("files")
    if not isinstance(files, dict):
        return ""
    path = folder / name
    recorded = files.get(name)
    if recorded is None and not path.exists():
        return ""
    try:
        same = recorded is not None and file_sha256(path) == recorded
    except OSError:
        same = False
    if same:
        return ""
    return (
        f"folder {str(folder)!r}: file {name} does not match the folder's manifest "
        f"({MARKER}): it was changed, or copied from another folder, after sim wrote it; "
        "run the command that wrote the folder again"
    )


def check_sealed(folder: Path, name: str) -> None:
    """UsageError unless ``folder/name`` is the file the folder's manifest records."""
    problem = sealed_problem(folder, name)
    if problem:
        raise UsageError(problem)


def copy_sealed(source: Path, target: Path) -> bool:
    """Copy the folder ``source`` that sim wrote and sealed to ``target`` (which must not
    exist), files hard-linked where the file system allows: True when every file its manifest
    records is there unchanged, else nothing is copied and False (the caller writes the
    folder itself). Used to move a study's finished job into its output folder instead of
    writing it a second time."""
    import shutil

    files = (read_marker(source) or {}).get("files")
    if not isinstance(files, dict) or not files:
        return False
    if any(not isinstance(n, str) or sealed_problem(source, n) for n in files):
        return False

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)
    return True


# ----------------------------------------------------------------------------- shapes

NUMBER = "a finite number"


@dataclass(frozen=True)
class Opt:
    """May be missing or null; else ``of``."""

    of: Any


@dataclass(frozen=True)
class Null:
    """Must be there; null or ``of``."""

    of: Any


@dataclass(frozen=True)
class Items:
    """A list of at least ``at_least`` entries, each ``of``."""

    of: Any
    at_least: int = 0


@dataclass(frozen=True)
class Values:
    """A mapping whose every value is ``of``."""

    of: Any


@dataclass(frozen=True)
class Whole:
    """A whole number from ``lo`` to ``hi``."""

    lo: int
    hi: int


@dataclass(frozen=True)
class OneOf:
    """One of the given texts."""

    choices: tuple[str, ...]


def _rule(spec: Any) -> str:
    if isinstance(spec, Whole):
        return f"must be a whole number from {spec.lo:,} to {spec.hi:,}"
    if isinstance(spec, OneOf):
        return f"must be one of {', '.join(spec.choices)}"
    if isinstance(spec, (dict, Values)) or spec is dict:
        return "must be a mapping"
    if isinstance(spec, Items) or spec is list:
        least = spec.at_least if isinstance(spec, Items) else 0
        return "must be a list" + (f" of at least {least} entries" if least else "")
    words = {str: "text", bool: "true or false", int: "a whole number", NUMBER: NUMBER}
    return f"must be {words.get(spec, str(spec))}"


def _fits(value: Any, spec: Any) -> bool:
    """Does ``value`` have the outer type ``spec`` asks for (entries are checked apart)?"""
    if isinstance(spec, Whole):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return ok and spec.lo <= value <= spec.hi
    if isinstance(spec, OneOf):
        return value in spec.choices
    if isinstance(spec, (dict, Values)) or spec is dict:
        return isinstance(value, dict)
    if isinstance(spec, Items) or spec is list:
        return isinstance(value, list) and len(value) >= getattr(spec, "at_least", 0)
    if spec == NUMBER:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok and math.isfinite(value)
    if spec is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, spec)


def shape_problem(value: Any, spec: Any, where: str = "") -> str:
    """What in ``value`` does not have the shape ``spec`` ("" when nothing): "field 'a.b[0]':
    missing" or "field 'x': must be ..." (``where`` names ``value``)."""
    if isinstance(spec, (Opt, Null)):
        return "" if value is None else shape_problem(value, spec.of, where)
    if not _fits(value, spec):
        got = f"{type(value).__name__} {json.dumps(value)[:40]}" if value is not None else "null"
        return f"field {where or '(top)'!r}: {_rule(spec)} (got {got})"
    if isinstance(spec, dict):
        for key, sub in spec.items():
            at = f"{where}.{key}" if where else key
            if key not in value and not isinstance(sub, Opt):
                return f"field {at!r}: missing"
            problem = shape_problem(value.get(key), sub, at)
            if problem:
                return problem
    if isinstance(spec, Values):
        for key, v in value.items():
            problem = shape_problem(v, spec.of, f"{where}.{key}" if where else str(key))
            if problem:
                return problem
    if isinstance(spec, Items):
        for i, v in enumerate(value):
            problem = shape_problem(v, spec.of, f"{where}[{i}]")
            if problem:
                return problem
    return ""


def read_json(folder: str | os.PathLike[str], name: str, spec: Any) -> Any:
    """``folder/name`` read back: valid JSON of the shape ``spec`` and the file the folder's
    manifest records; else a UsageError naming the folder, the file, the field and the rule."""
    f = Path(folder)
    where = f"folder {str(f)!r}: file {name}"
    try:
        data = json.loads((f / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{where}: cannot be read ({e})") from None
    problem = shape_problem(data, spec)
    if problem:
        raise UsageError(f"{where}: {problem}; the folder is damaged: run it again")
    check_sealed(f, name)
    return data
