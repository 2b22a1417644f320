"""Checkpoints of a long run: each finished chunk saved atomically, so an interrupted run resumes.

A checkpoint folder holds ``manifest.json`` (what run it belongs to) and one
``chunk-<i>.npz`` per finished chunk (arrays only, loaded with allow_pickle=False).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write_json
from ..errors import RunError

MANIFEST = "manifest.json"


def _chunk_path(folder: Path, index: int) -> Path:
    return folder / f"chunk-{index:06d}.npz"


def open_checkpoint(folder: Path, manifest: dict[str, Any]) -> None:
    """Create ``folder`` for this run, or check that an existing one belongs to it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise RunError(f"checkpoint {str(folder)!r} has an unreadable manifest ({e})") from None
        diff = [k for k in manifest if old.get(k) != manifest[k]]
        if diff:
            raise RunError(
                f"checkpoint {str(folder)!r} belongs to another run "
                f"(different {', '.join(diff)}); remove it or choose another output folder"
            )
        return
    atomic_write_json(path, manifest, indent=1)


def save_chunk(folder: Path, index: int, out: Any) -> None:
    """Write one finished chunk (a ChunkOutput) atomically."""
    arrays: dict[str, np.ndarray] = {"meta": np.array([out.offset, out.n], dtype=np.int64)}
    for k, v in out.outcomes.items():
        arrays[f"o:{k}"] = np.asarray(v)
    for k, v in out.sums.items():
        arrays[f"s:{k}"] = np.asarray(v)
    arrays["traces"] = np.array(json.dumps(out.traces))
    fd, tmp = tempfile.mkstemp(prefix=".chunk.", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]  # stubs type **kwds as allow_pickle
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, _chunk_path(folder, index))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_chunks(folder: Path, indices: list[int]) -> dict[int, dict[str, Any]]:
    """The chunks among ``indices`` already saved in ``folder``, as ChunkOutput fields."""
    found: dict[int, dict[str, Any]] = {}
    for i in indices:
        p = _chunk_path(folder, i)
        if not p.exists():
            continue
        try:
            with np.load(p, allow_pickle=False) as z:
                offset, n = (int(x) for x in z["meta"])
                found[i] = {
                    "offset": offset,
                    "n": n,
                    "outcomes": {k[2:]: z[k] for k in z.files if k.startswith("o:")},
                    "sums": {k[2:]: z[k] for k in z.files if k.startswith("s:")},
                    "traces": json.loads(str(z["traces"])),
                }
        except (OSError, ValueError, KeyError):
            continue  # a damaged chunk is simply run again
    return found
