"""Reading a scenario file safely: regular files only, the size limit enforced while reading.

A device (``/dev/zero``), a FIFO or a directory is refused before a byte is read, and a
regular file is read up to ``MAX_FILE_BYTES + 1`` bytes at most, so a file that grows while
it is read (or lies about its size) cannot exhaust memory either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ...errors import Problem, ScenarioError

__all__ = ["MAX_FILE_BYTES", "read_text", "size_text"]

MAX_FILE_BYTES = 5 * 2**20  # 5 MiB: far beyond any hand-written scenario


def size_text(n: int) -> str:
    """A size as the limits are written: ``5 MiB``, ``12.3 MiB``, ``800 KiB``."""
    if n >= 2**20:
        return f"{n / 2**20:.1f}".removesuffix(".0") + " MiB"
    return f"{n / 2**10:.1f}".removesuffix(".0") + " KiB"


def read_text(path: Path, display: str, at: Problem | None = None) -> str:
    """The file's text, or ScenarioError with one clear problem naming it.

    ``at`` locates the reference to the file (an ``extends:``) when it is not the file the
    user named; the problem is then reported there.
    """

    def fail(msg: str) -> ScenarioError:
        if at is not None:
            return ScenarioError(Problem(msg, at.file, at.line, at.column, at.path))
        return ScenarioError(Problem(msg, display))

    where = f"'{display}'" if at is not None else "the file"
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail(f"{where} does not exist" if at is not None else "no such file") from None
    except IsADirectoryError:
        raise fail(f"{where} is a directory, not a scenario file") from None
    except PermissionError:
        raise fail(f"cannot read {where}: permission denied") from None
    except OSError as e:
        raise fail(f"cannot read {where}: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise fail(f"{where} is a directory, not a scenario file")
        if not stat.S_ISREG(mode):
            raise fail(
                f"{where} is not a regular file (a device, pipe or socket); refusing to read it"
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise fail(f"cannot read {where}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        size = _size_on_disk(path)
        got = size_text(size) if size > MAX_FILE_BYTES else f"more than {size_text(MAX_FILE_BYTES)}"
        raise fail(f"{where} is too large ({got}; the limit is {size_text(MAX_FILE_BYTES)})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScenarioError(
            Problem(
                f"is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8",
                display,
                line,
            )
        ) from None


def _size_on_disk(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
