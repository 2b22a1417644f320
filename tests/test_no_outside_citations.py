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


# A repository path as scenarios cite their fact sheets and docs ("scenarios/history/notes/x.md")
REPO_PATH = re.compile(
    r"(?<![\w/.-])((?:docs|scenarios|notebooks|sim|tests)/[\w./-]*\w\.(?:md|yaml|py|ipynb))\b"
)


def test_every_repository_path_a_scenario_cites_exists():
    # Comments and `sources` (printed into reports) cite fact sheets and docs by path: each
    # must be a file of the repository, so a reader of a report can open it.
    cited = [
        (p, i, m.group(1))
        for p in sorted((ROOT / "scenarios").rglob("*.yaml"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        for m in REPO_PATH.finditer(URL.sub("", line))
    ]
    assert len({c for _, _, c in cited if "/notes/" in c}) >= 20  # the history fact sheets kept
    missing = [f"{p.relative_to(ROOT)}:{i}: {c}" for p, i, c in cited if not (ROOT / c).is_file()]
    assert missing == []


def test_the_path_pattern_finds_what_a_scenario_writes():
    line = '  - "Fact sheet scenarios/history/notes/kargil_1999.md" (see docs/model.md)'
    assert [m.group(1) for m in REPO_PATH.finditer(line)] == [
        "scenarios/history/notes/kargil_1999.md",
        "docs/model.md",
    ]
