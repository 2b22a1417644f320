"""Where finished chunks go: kept in memory for small runs, or checkpointed to a folder and streamed to Parquet.

A checkpoint folder holds ``manifest.json`` (which run it belongs to: version,
scenario hash, seed, replicates, chunk size, trace) and one ``chunk-<i>.npz`` per
finished chunk (arrays only, loaded with ``allow_pickle=False``), written atomically.
Each chunk file carries its chunk index, replicate offset and size, the manifest's
identity and a SHA-256 of its content; on resume a chunk that does not verify (damaged,
copied from another chunk or run) is simply run again. When the run is complete the
chunks are streamed, one at a time and in replicate order, into ``outcomes.parquet``
(one row group per chunk), so memory does not grow with the replicate count.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...errors import RunError, Unresumable
from ...io.atomic import atomic_write_json
from ...version import other_code

MANIFEST = "manifest.json"
OUTCOMES = "outcomes.parquet"
IDENTITY = ("version", "scenario_sha256", "seed", "replicates", "chunk_size", "trace", "resampling")


@dataclass
class ChunkOutput:
    """What one chunk returns: per-replicate outcomes, per-round sums, traced stories."""

    index: int
    offset: int
    n: int
    outcomes: dict[str, NDArray[Any]]
    sums: dict[str, NDArray[np.float64]]
    traces: list[dict[str, Any]] = field(default_factory=list)


def _digest(arrays: dict[str, NDArray[Any]]) -> str:
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class MemoryStore:
    """Chunks kept in memory (small runs from Python): the table is built once at the end."""

    folder: Path | None = None

    def __init__(self) -> None:
        self.chunks: dict[int, ChunkOutput] = {}

    def put(self, out: ChunkOutput) -> None:
        self.chunks[out.index] = out

    def columns(self, names: list[str]) -> dict[str, NDArray[Any]]:
        """Every outcome column over all chunks in replicate order; chunk copies are released."""
        outs = [self.chunks[i] for i in sorted(self.chunks)]
        return {k: np.concatenate([o.outcomes.pop(k) for o in outs]) for k in names}


def _unusable(folder: Path, e: OSError) -> RunError:
    """The checkpoint folder cannot hold chunks: which folder, and why, in one line."""
    from ...io.folders import oserror_text

    return RunError(f"checkpoint {str(folder)!r} cannot hold a run's chunks: {oserror_text(e)}")


def _make_folder(folder: Path) -> None:
    """Create the checkpoint folder (and its parents); RunError naming it when it is a file
    or cannot be created."""
    if folder.exists() and not folder.is_dir():
        raise RunError(f"checkpoint {str(folder)!r} is a file, not a folder; choose a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _unusable(folder, e) from None


class FolderStore:
    """Chunks checkpointed to ``folder`` as they finish; outcomes streamed to Parquet at the end."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self.identity = json.dumps({k: manifest[k] for k in IDENTITY}, sort_keys=True)
        _make_folder(folder)
        path = folder / MANIFEST
        old: Any = None
        with contextlib.suppress(OSError, ValueError):
            old = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(old, dict) and all(k in old for k in IDENTITY):
            diff = [k for k in IDENTITY if old.get(k) != manifest[k]]
            if "version" in diff:
                raise Unresumable(
                    other_code(
                        f"checkpoint {str(folder)!r} belongs to another run: it", old.get("version")
                    )
                )
            if diff:
                raise Unresumable(
                    f"checkpoint {str(folder)!r} belongs to another run "
                    f"(different {', '.join(diff)}); remove it or choose another output folder"
                )
        else:  # new, or damaged: every chunk carries the identity and is verified on its own
            try:
                atomic_write_json(path, manifest, indent=1)
            except OSError as e:
                raise _unusable(folder, e) from None

    def path(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}.npz"

    def put(self, out: ChunkOutput) -> None:
        """Write one finished chunk atomically, with its identity and content hash."""
        arrays: dict[str, NDArray[Any]] = {f"o:{k}": np.asarray(v) for k, v in out.outcomes.items()}
        arrays.update({f"s:{k}": np.asarray(v) for k, v in out.sums.items()})
        arrays["traces"] = np.array(json.dumps(out.traces))
        head = {"index": out.index, "offset": out.offset, "n": out.n, "identity": self.identity}
        arrays["head"] = np.array(json.dumps(head))
        arrays["digest"] = np.array(_digest(arrays))
        fd, tmp = tempfile.mkstemp(prefix=".chunk.", suffix=".npz.tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)  # type: ignore[arg-type]  # stubs type **kwds as allow_pickle
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path(out.index))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def load(self, index: int, offset: int, n: int, outcomes: bool = True) -> ChunkOutput | None:
        """Chunk ``index`` if its file exists and verifies (identity, place, content); else None."""
        p = self.path(index)
        if not p.is_file():
            return None
        try:
            with open(p, "rb") as f, np.load(f, allow_pickle=False) as z:  # f closed if damaged
                arrays = {k: z[k] for k in z.files}
            head = json.loads(str(arrays["head"]))
            if str(arrays.pop("digest")) != _digest(arrays):
                return None
            if head != {"index": index, "offset": offset, "n": n, "identity": self.identity}:
                return None
            return ChunkOutput(
                index=index,
                offset=offset,
                n=n,
                outcomes={k[2:]: v for k, v in arrays.items() if k.startswith("o:")}
                if outcomes
                else {},
                sums={k[2:]: v for k, v in arrays.items() if k.startswith("s:")},
                traces=json.loads(str(arrays["traces"])),
            )
        except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):
            return None  # damaged (truncated, overwritten, not a zip): the chunk is run again

    def resumed(self, index: int, offset: int, n: int, outcomes: bool) -> ChunkOutput | None:
        """Chunk ``index`` if an interrupted run of this job finished it (``load``); a chunk
        file that does not verify is removed (the chunk is run again) and None returned."""
        c = self.load(index, offset, n, outcomes)
        if c is None:
            with contextlib.suppress(OSError):
                self.path(index).unlink(missing_ok=True)
        return c

    def stream(self, chunks: list[tuple[int, int, int]]) -> Iterator[ChunkOutput]:
        for i, off, n in chunks:
            c = self.load(i, off, n)
            if c is None:
                raise RunError(f"checkpoint chunk {self.path(i)} changed while the run finished")
            yield c

    def write_parquet(self, chunks: list[tuple[int, int, int]], columns: dict[str, str]) -> Path:
        """Stream every chunk, in replicate order, into outcomes.parquet (one row group each)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        target = self.folder / OUTCOMES
        tmp = self.folder / f".{OUTCOMES}.tmp"
        writer: Any = None
        try:
            for c in self.stream(chunks):
                cols = {"replicate": np.arange(c.offset, c.offset + c.n, dtype=np.int64)}
                cols.update({k: c.outcomes[k] for k in columns})
                table = pa.table({k: pa.array(v) for k, v in cols.items()})
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
            if writer is not None:
                writer.close()
                writer = None
            os.replace(tmp, target)
        except BaseException:
            if writer is not None:
                writer.close()
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return target
