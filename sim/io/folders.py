"""Output folders sim may write or replace: default names, its marker file, refused targets, a
write probe.

Every folder sim writes (results, sweep, compare, sensitivity) holds a small marker file,
``.sim-folder``. ``--force`` (and ``Results.save(overwrite=True)``) only ever replace a
folder that holds it: a folder of the user's own files is refused, whatever it holds.
The current folder, the home folder, a file-system root or any folder that contains
one of them is never an output folder. Writability is probed before any computing,
so a read-only or missing target fails at once and not after the whole run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError

__all__ = [
    "MARKER",
    "check_writable",
    "default_folder",
    "is_sim_folder",
    "oserror_text",
    "refuse_special",
    "slug",
    "why_not_write",
    "write_marker",
]

MARKER = ".sim-folder"


def write_marker(folder: str | os.PathLike[str], kind: str) -> Path:
    """Mark ``folder`` as written by sim (``kind``: results, sweep, compare, sensitivity)."""
    from ..version import __version__

    path = Path(folder) / MARKER
    path.write_text(json.dumps({"written_by": "sim", "kind": kind, "version": __version__}) + "\n")
    return path


def is_sim_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds sim's marker file (so sim may replace it)."""
    path = Path(folder) / MARKER
    try:
        with open(path, encoding="utf-8") as f:
            marker = json.loads(f.read(4096))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("written_by") == "sim"


def why_not_write(folder: Path, replace: bool, hint: str = "") -> str:
    """Why sim may not write into ``folder`` ("" when it may): an existing folder that is
    not empty is written only when ``replace`` is asked for and sim wrote it."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return ""
    if not replace:
        return f"is not empty{hint}"
    if not is_sim_folder(folder):
        return (
            f"holds files sim did not write (it has no {MARKER} marker); sim only replaces or "
            "adds to a folder it wrote: choose a new folder, or move those files away yourself"
        )
    return ""


def _resolved(p: Path) -> Path:
    try:
        return p.expanduser().resolve()
    except (OSError, RuntimeError):
        return p.absolute()


def refuse_special(out: str | os.PathLike[str], option: str = "--out") -> Path:
    """UsageError when ``out`` is the current folder, home, a root, or contains one of them."""
    p = Path(out)
    shown = os.fspath(out)
    if shown.strip() == "":
        raise UsageError(f"{option} needs a folder name")
    target = _resolved(p)
    here = _resolved(Path.cwd())
    home = _resolved(Path.home())
    for what, place in (("the current folder", here), ("your home folder", home)):
        if target == place or target in place.parents:
            how = "is" if target == place else "contains"
            example = f", e.g. {option} results/run1" if option.startswith("--") else ""
            raise UsageError(
                f"{option} {shown!r} {how} {what}; name a folder of its own for the output{example}"
            )
    if target.parent == target:
        raise UsageError(
            f"{option} {shown!r} is the root of a file system; name a folder of its own"
        )
    return p


def oserror_text(e: OSError) -> str:
    """An OSError as a short phrase: ``read-only file system``, ``no space left on device``."""
    if e.errno == errno.ENOSPC:
        return "no space left on device"
    if e.errno == errno.EROFS:
        return "read-only file system"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return (e.strerror or type(e).__name__).lower()


def check_writable(
    folder: str | os.PathLike[str],
    option: str = "--out",
    shown: str | os.PathLike[str] | None = None,
) -> None:
    """UsageError unless a file can be created where ``folder`` is (or will be made).

    Probes the folder itself if it exists, else its nearest existing parent; nothing is
    left behind. ``shown`` is the path the user gave, for the message (default ``folder``).
    """
    p = Path(folder)
    name = os.fspath(shown if shown is not None else folder)
    probe = p if p.is_dir() else next((a for a in p.absolute().parents if a.is_dir()), None)
    if probe is None:
        raise UsageError(f"cannot write to {option} {name!r}: no such place")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".sim-probe-", dir=probe)
    except OSError as e:
        raise UsageError(
            f"cannot write to {option} {name!r}: {oserror_text(e)}; choose a folder you can "
            "write to"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def slug(name: str, limit: int = 60) -> str:
    """A file-name-safe form of a scenario name: lower case, runs of other characters as '-',
    at most ``limit`` characters, cut between words (a single longer word is cut)."""
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if len(out) > limit:
        cut = out[: limit + 1]
        out = cut[: cut.rfind("-")] if "-" in cut else out[:limit]
    return out.rstrip("-") or "scenario"


def default_folder(
    name: str,
    root: str | Path = "results",
    now: dt.datetime | None = None,
    kind: str | None = None,
) -> Path:
    """results/<scenario slug>[-<kind>]-<UTC timestamp>/, with a -2, -3... suffix if that
    exists; ``kind`` (sweep, compare, sensitivity) is never cut."""
    now = now or dt.datetime.now(dt.timezone.utc)
    stem = slug(name) + (f"-{kind}" if kind else "")
    base = Path(root) / f"{stem}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    p, i = base, 2
    while p.exists():
        p, i = base.with_name(f"{base.name}-{i}"), i + 1
    return p


def write_folder(
    folder: str | os.PathLike[str], overwrite: bool, kind: str, fill: Callable[[Path], None]
) -> Path:
    """Write a study's output folder atomically: checked like every --out, filled by
    ``fill(tmp)`` in a temporary folder beside it (with sim's ``kind`` marker), renamed into
    place last; an interrupted write leaves no half folder."""
    import shutil

    from .atomic import temp_dir_beside

    target = refuse_special(folder, "output folder")
    why = why_not_write(target, overwrite, " (use --force to replace it)")
    if why:
        raise UsageError(f"output folder {str(target)!r} {why}")
    tmp = temp_dir_beside(target)
    try:
        write_marker(tmp, kind)
        fill(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
