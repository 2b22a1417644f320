"""Helpers of the hostile-input tests (issue 11): the CLI in-process, one-line error checks,
a read-only folder and a tiny file system made with what this machine allows.

A read-only folder is a read-only bind mount (root), else an immutable folder (root,
``chattr +i``), else a folder without write permission (not root); a tiny file system is
a small tmpfs (root only). Where none works the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
MINI = ROOT / "tests" / "data" / "good" / "minimal.yaml"


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run ``sim ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse refuses before main's handler
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def refused(argv: list[str], *needles: str, code: int = 2) -> str:
    """Run ``sim ARGV``; assert it fails with ``code`` in one clean line holding ``needles``."""
    got, _, err = call(argv)
    assert got == code, err
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for n in needles:
        assert n in err, (n, err)
    return err.strip()


def run_limited(
    argv: list[str], memory: int = 2 * 2**30, timeout: float = 120
) -> tuple[int, str, str]:
    """Run ``sim ARGV`` in a child process whose address space is capped at ``memory``
    bytes: a regression that reads or allocates without bound fails this test (with a
    MemoryError or a timeout) instead of exhausting the machine."""
    import resource
    import sys

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    p = subprocess.run(
        [sys.executable, "-m", "sim", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        cwd=ROOT,
        check=False,
    )
    return p.returncode, p.stdout, p.stderr


def _try(cmd: list[str]) -> bool:
    if shutil.which(cmd[0]) is None:
        return False
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` (with what it holds) read-only for the block; yields how."""
    how, undo = "", []
    if os.geteuid() == 0:
        if _try(["mount", "--bind", str(folder), str(folder)]):
            undo.append(["umount", str(folder)])
            if _try(["mount", "-o", "remount,bind,ro", str(folder)]):
                how = "read-only bind mount"
        if not how and _try(["chattr", "+i", str(folder)]):
            how, undo = "chattr +i", [*undo, ["chattr", "-i", str(folder)]]
    else:
        folder.chmod(0o555)
        how = "chmod 555"
    try:
        if not how or _writable(folder):
            pytest.skip("cannot make a read-only folder here (no bind mount, chattr or chmod)")
        yield how
    finally:
        for cmd in reversed(undo):
            _try(cmd)
        if how == "chmod 555":
            folder.chmod(0o755)


@contextlib.contextmanager
def tiny_fs(folder: Path, size: str = "256k") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` for the block (root only, else skipped)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _try(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    ):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount)")
    try:
        yield folder
    finally:
        _try(["umount", "-l", str(folder)])
