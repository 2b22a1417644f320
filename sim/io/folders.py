"""Output folders sim may write or replace: default names, its marker file, refused targets, a
write probe.

Every folder sim writes (results, sweep, compare, sensitivity) holds a small marker file,
``.sim-folder``. ``--force`` (and ``Results.save(overwrite=True)``) only ever replace a
folder that holds it: a folder of the user's own files is refused, whatever it holds.
The current folder, the home folder, a file-system root or any folder that contains
one of them is never an output folder, nor is a system folder (``/etc``, ``/usr``, ...)
or anything inside one, after symbolic links are followed. A folder belongs to the verb
that wrote it (its marker records the kind): no other verb writes into it, even with
``--force``. Writability is probed before any computing, so a read-only or missing target
fails at once and not after the whole run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import UsageError

__all__ = [
    "MARKER",
    "check_writable",
    "current_folder",
    "default_folder",
    "file_folder_names",
    "folder_kind",
    "is_sim_folder",
    "oserror_text",
    "refuse_special",
    "slug",
    "why_not_write",
    "write_marker",
]

MARKER = ".sim-folder"
# The verb that writes each kind of folder (the kind its marker records).
VERBS = {
    "results": "run",
    "sweep": "sweep",
    "compare": "compare",
    "sensitivity": "sensitivity",
    "hindcast": "hindcast",
    "calibrate": "calibrate",
}
# Folders of the operating system: no output goes into them (after symbolic links are followed).
SYSTEM_FOLDERS = (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
    "/sbin", "/sys", "/usr", "/var/cache", "/var/lib", "/var/log", "/var/run", "/var/spool",
    "/System", "/Library", "/private/etc", "/private/var/db",
)  # fmt: skip


def write_marker(
    folder: str | os.PathLike[str], kind: str, files: dict[str, str] | None = None
) -> Path:
    """Mark ``folder`` as written by sim (``kind``: results, sweep, compare, ...); ``files``
    records the SHA-256 of the files sim reads back from it (sim/readback.py)."""
    from ..version import build

    marker: dict[str, object] = {"written_by": "sim", "kind": kind, "version": build()}
    if files is not None:
        marker["files"] = files
    path = Path(folder) / MARKER
    fd, tmp = tempfile.mkstemp(prefix=f"{MARKER}.", suffix=".tmp", dir=folder)
    try:  # replaced whole (a sealed folder's marker is rewritten when it is finished)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(marker) + "\n")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a plain write would make it (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def read_marker(folder: str | os.PathLike[str]) -> dict[str, object] | None:
    """The content of ``folder``'s marker when sim wrote it, else None."""
    path = Path(folder) / MARKER
    try:
        with open(path, encoding="utf-8") as f:
            marker = json.loads(f.read(1 << 20))
    except (OSError, ValueError):
        return None
    if isinstance(marker, dict) and marker.get("written_by") == "sim":
        return marker
    return None


def is_sim_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds sim's marker file (so sim may replace it)."""
    return read_marker(folder) is not None


def folder_kind(folder: str | os.PathLike[str]) -> str | None:
    """The kind of folder sim wrote there (results, sweep, ...), or None."""
    kind = (read_marker(folder) or {}).get("kind")
    return kind if isinstance(kind, str) else None


def why_not_write(folder: Path, replace: bool, hint: str = "", kind: str | None = None) -> str:
    """Why sim may not write into ``folder`` ("" when it may): an existing folder that is
    not empty is written only when ``replace`` is asked for, sim wrote it and, when ``kind``
    is given, it is a folder of that kind (another verb's folder is never written)."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return ""
    other = folder_kind(folder)
    if kind is not None and other is not None and other != kind:
        return (
            f"is a {other} folder (written by 'sim {VERBS.get(other, other)}'); "
            f"'sim {VERBS.get(kind, kind)}' writes only into its own kind of folder, even "
            "with --force: choose another folder"
        )
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


def current_folder() -> Path:
    """The current folder; a UsageError naming it when it no longer exists (deleted while
    the shell stayed in it), instead of a bare "no such file or directory" later."""
    try:
        return Path.cwd()
    except OSError as e:
        was = os.environ.get("PWD")
        name = f" {was!r}" if was else ""
        raise UsageError(
            f"the current folder{name} cannot be read ({oserror_text(e)}: it was deleted or "
            "moved); cd into a folder that exists and run the command again"
        ) from None


def _system_folder(target: Path) -> str | None:
    """The system folder ``target`` (resolved) is or lies in, or None."""
    for name in SYSTEM_FOLDERS:
        for place in {Path(name), _resolved(Path(name))}:
            if target == place or place in target.parents:
                return name
    return None


def refuse_special(out: str | os.PathLike[str], option: str = "--out") -> Path:
    """UsageError when ``out`` is the current folder, home, a root, or contains one of them,
    or when it resolves (symbolic links followed) into a system folder such as /etc."""
    p = Path(out)
    shown = os.fspath(out)
    if shown.strip() == "":
        raise UsageError(f"{option} needs a folder name")
    here = _resolved(current_folder())
    target = _resolved(p)
    system = _system_folder(target)
    if system is not None:
        via = "" if str(target) == shown else f" (it resolves to {str(target)!r})"
        raise UsageError(
            f"{option} {shown!r} is inside the system folder {system}{via}; sim writes only "
            "into folders of your own: choose another folder"
        )
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
    reserve: bool = False,
) -> Path:
    """results/<scenario slug>[-<kind>]-<UTC timestamp>/, with a -2, -3... suffix if that
    exists; ``kind`` (sweep, compare, sensitivity) is never cut; refused (UsageError) inside
    a system folder, as every output folder is (``refuse_special``). With ``reserve`` the folder
    is made here, empty, by an exclusive mkdir: two commands started in the same second
    each get a folder of their own."""
    now = now or dt.datetime.now(dt.timezone.utc)
    stem = slug(name) + (f"-{kind}" if kind else "")
    base = Path(root) / f"{stem}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    refuse_special(base, "output folder")  # the current folder may be a system folder
    if reserve:
        base.parent.mkdir(parents=True, exist_ok=True)
    p, i = base, 2
    while True:
        while p.exists():
            p, i = base.with_name(f"{base.name}-{i}"), i + 1
        if not reserve:
            return p
        try:
            p.mkdir()
            return p
        except FileExistsError:  # taken by another command since the look: the next suffix
            continue


def write_folder(
    folder: str | os.PathLike[str], overwrite: bool, kind: str, fill: Callable[[Path], None]
) -> Path:
    """Write a study's output folder atomically: checked like every --out, filled by
    ``fill(tmp)`` in a temporary folder beside it (with sim's ``kind`` marker), renamed into
    place last; an interrupted write leaves no half folder."""
    from .atomic import atomic_write_dir

    target = refuse_special(folder, "output folder")
    why = why_not_write(target, overwrite, " (use --force to replace it)", kind)
    if why:
        raise UsageError(f"output folder {str(target)!r} {why}")

    def marked(tmp: Path) -> None:
        write_marker(tmp, kind)
        fill(tmp)

    return atomic_write_dir(target, marked)


def file_folder_names(files: Sequence[str | os.PathLike[str]], what: str) -> list[str]:
    """A folder name of each of ``files`` (``what``: case): its stem made safe (letters,
    digits and '_' kept, any other run of characters '-', so no '..' and no separator;
    empty is ``what``), with -2, -3... where two files share a stem; a file given twice
    (however spelt) is a UsageError."""
    seen: dict[str, str] = {}
    names: list[str] = []
    for f in files:
        key = os.path.realpath(f)
        if key in seen:
            raise UsageError(
                f"{what} file {os.fspath(f)!r} is given twice (as {seen[key]!r} too); "
                f"each {what} is run and scored once: give it once"
            )
        seen[key] = os.fspath(f)
        base = re.sub(r"[^A-Za-z0-9_]+", "-", Path(f).stem)[:60].strip("-") or what
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names
