"""Nothing the project ships cites a file outside the repository (reports print case sources)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# an absolute path on a developer's machine, the steering folder beside the checkout, or its design
OUTSIDE = re.compile(r"/(?:work|home|tmp|farm)/|\.\./shared|\bDESIGN\.md\b")
URL = re.compile(r"https?://\S+")  # a web address may hold such a folder name: not a local path
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".ipynb", ".html", ".txt"}


def _files() -> list[Path]:
    out = [ROOT / "README.md"]
    for folder in ("docs", "scenarios", "sim", "tests", "notebooks", "bench"):
        out += [
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts
        ]
    return [p for p in out if p.resolve() != Path(__file__).resolve()]


def test_no_shipped_file_cites_a_path_outside_the_repository():
    found = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()[:80]}"
        for p in _files()
        for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(URL.sub("", line))
    ]
    assert found == []


def test_the_pattern_catches_what_it_is_for():
    work, shared, design, tmp = (
        "/wor" + "k/notes/x.md",
        "../sha" + "red/C.md",
        "DES" + "IGN.md",
        "/tm" + "p/a",
    )
    for bad in (f"see {work}", shared, f"as {design} says", tmp):
        assert OUTSIDE.search(bad)
    assert not OUTSIDE.search("docs/model.md and scenarios/history/notes/x.md")
    assert not OUTSIDE.search(URL.sub("", "http://example.org" + "/ho" + "me/world/x.html"))
