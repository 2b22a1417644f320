"""Atomic writes: a temporary file or folder beside the target, renamed into place last."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .jsonable import jsonable


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that readers see the old file or the whole new one."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see atomic_write_text)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def atomic_write_json(path: str | os.PathLike[str], obj: Any, indent: int = 2) -> Path:
    """Write ``obj`` as JSON (numpy values, dates and NaN made plain first) atomically."""
    text = json.dumps(jsonable(obj), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def atomic_write_parquet(path: str | os.PathLike[str], frame: Any) -> Path:
    """Write a pandas DataFrame as Parquet atomically (a killed write leaves no half table)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())


def temp_dir_beside(target: str | os.PathLike[str]) -> Path:
    """A fresh hidden folder next to ``target`` (same file system, so a rename is atomic)."""
    t = Path(target)
    t.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{t.name}.", suffix=".tmp", dir=t.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
    return tmp


def atomic_write_dir(target: str | os.PathLike[str], fill: Callable[[Path], None]) -> Path:
    """Write the folder ``target`` whole or not at all: ``fill(tmp)`` fills a temporary folder
    beside it, which then replaces it (an interrupted write leaves no half folder)."""
    import shutil

    t = Path(target)
    tmp = temp_dir_beside(t)
    try:
        fill(tmp)
        if t.exists():
            shutil.rmtree(t)
        os.replace(tmp, t)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return t
