"""The build: a result names the code that made it, and no resume mixes two codes' results."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import sim
from sim.errors import UsageError
from sim.output.sweep_manifest import ResumeMismatch, check_same_sweep
from sim.studies.calibrate.folder import check_same
from sim.version import __version__, build, code_sha256, tree_sha256

PACKAGE = Path(sim.__file__).resolve().parent


def test_the_build_is_the_version_and_the_code_fingerprint() -> None:
    assert re.fullmatch(r"[0-9][0-9a-z.]*\+[0-9a-f]{12}", build()), build()
    assert build() == f"{__version__}+{code_sha256()[:12]}"
    assert code_sha256() == tree_sha256(PACKAGE)


def test_the_fingerprint_follows_every_byte_of_the_source_and_nothing_else(tmp_path: Path) -> None:
    copy = tmp_path / "sim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert tree_sha256(copy) == code_sha256()
    (copy / "notes.txt").write_text("not code", encoding="utf-8")  # not a source file
    (copy / "model.pyc").write_bytes(b"compiled")  # nor is compiled code
    assert tree_sha256(copy) == code_sha256()
    f = copy / "model" / "mechanisms" / "signing.py"
    f.write_bytes(f.read_bytes().replace(b"1e-12", b"1e-13", 1))
    changed = tree_sha256(copy)
    assert changed != code_sha256()
    f.rename(copy / "model" / "mechanisms" / "signing2.py")  # a file moved is other code too
    assert tree_sha256(copy) not in (changed, code_sha256())


def test_the_fingerprint_follows_the_calibration_applied_by_default(tmp_path: Path) -> None:
    copy = tmp_path / "sim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    f = copy / "model" / "scenario" / "history_library.yaml"
    text = f.read_text(encoding="utf-8")
    assert "- durability.unkept=0.85" in text
    f.write_text(text.replace("- durability.unkept=0.85", "- durability.unkept=0.8"), "utf-8")
    assert tree_sha256(copy) != code_sha256()  # other structural numbers: other results


def test_a_sweep_or_calibration_begun_by_other_code_is_not_resumed() -> None:
    now = {"version": build(), "seed": 1}
    then = {**now, "version": "0.2.0"}
    with pytest.raises(ResumeMismatch, match=r"made by other code of sim \(build 0\.2\.0; this is"):
        check_same_sweep(then, now, "old-sweep")
    with pytest.raises(UsageError, match=r"made by other code of sim \(build 0\.2\.0; this is"):
        check_same(then, now, "old-calibration")


def test_a_run_records_the_build_that_made_it() -> None:
    r = sim.run(sim.load_scenario("tests/data/good/minimal.yaml"), replicates=64, seed=1)
    assert r.meta["version"] == build()
    assert r.summary()["version"] == build()
