"""A lock on a folder sim is writing (a run's checkpoint, a sweep folder), so that a second
command writing into the same folder is refused instead of both computing and overwriting.

The lock is an exclusive ``flock`` on a ``.lock`` file in the folder, held while the file
stays open: the operating system drops it when the process ends, however it ends, so a
lock left by a killed process is never stale. The holder writes its process id into the
file, and the refusal names it; ``locked`` removes the file as it lets go, and a process
that locked a file just removed so tries the new one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import UsageError

__all__ = ["LOCK", "hold_lock", "locked"]

LOCK = ".lock"


def hold_lock(folder: Path, refusal: str) -> IO[bytes]:
    """Take the lock on ``folder`` (which exists) and return its open file (close it to
    release). When another process holds it: UsageError ``refusal``, its "{pid}" replaced
    by " by pid N" where the lock file names the holder."""
    path = folder / LOCK
    while True:
        f = open(path, "a+b")  # held open: the lock lasts as long as the file
        try:
            import fcntl
        except ImportError:  # no flock on this platform: run without the guard
            return f
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(f)
            f.close()
            why = refusal.replace("{pid}", f" by pid {holder}" if holder else "")
            raise UsageError(why) from None
        if _same_file(f, path):
            break
        f.close()  # the holder removed that file as it let go: lock the new one
    with contextlib.suppress(OSError):  # who holds it, for the refusal of the next one
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n".encode())
        f.flush()
    return f


@contextlib.contextmanager
def locked(folder: Path, refusal: str) -> Iterator[None]:
    """``hold_lock`` for a block; the lock file is removed as the lock is let go (a folder
    that outlives the command keeps no trace of it)."""
    f = hold_lock(folder, refusal)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            (folder / LOCK).unlink()
        f.close()


def _same_file(f: IO[bytes], path: Path) -> bool:
    try:
        return os.fstat(f.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False


def _holder(f: IO[bytes]) -> str:
    with contextlib.suppress(OSError, ValueError):
        f.seek(0)
        text = f.read(32).decode("ascii").strip()
        return str(int(text))
    return ""
