"""libyaml composes a scenario's nodes when it can; the data, marks and problems are those of the
Python loader, on every YAML file of the project and on texts that must fall back."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model.scenario import yamlparse as yp

ROOT = Path(__file__).resolve().parents[1]
OWN = ("scenarios", "tests", "docs", "notebooks", "bench")  # the project's own YAML, no venv's
FILES = sorted(p for d in OWN for p in (ROOT / d).rglob("*.yaml"))
TRICKY = [
    "a: on\nb: 1_000\nc: 010\nd: 0x1f\ne: .inf\nf: 1e-3\ng: yes\nh: 2025-05-01\n",
    "a: &x [1, 2]\nb: *x\nc: {k: *x}\n",
    "a: 1\na: 2\n",  # duplicate key: a problem, not an error
    "a: |\n  one\n  two\n\nb: >-\n  folded\n  text\n",
    "a: 'it''s'\nb: \"tab\\tand \\u00e9\"\nc: plain text # comment\n",
    "- [1, {a: b}]\n- ? complex\n  : key\n",
    "",
    "# only a comment\n",
    "a: [1, 2\n",  # syntax error
    "a: *undefined\n",
    "a:\n\tb: 1\n",  # a tab
    "a: \x00\n",  # a control character
    "x: " + "[" * 70 + "]" * 70 + "\n",  # deeper than the limit
    "a: &a [1]\n" + "".join(f"k{i}: *a\n" for i in range(1100)),  # more aliases than the limit
]


def _parsed(text: str, file: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(yp, "_CLoader", None)
        data, marks, problems = yp.parse_yaml(text, file)
    return repr(data), dict(marks.values), dict(marks.keys), problems


@pytest.mark.skipif(yp._CLoader is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_project_files_parse_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    assert yp._fast_node(text) is not None or "bad" in path.parts  # the fast path is taken
    fast = _parsed(text, str(path), True, monkeypatch)
    assert fast == _parsed(text, str(path), False, monkeypatch)


@pytest.mark.skipif(yp._CLoader is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_parse_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _parsed(text, "t.yaml", True, monkeypatch) == _parsed(text, "t.yaml", False, monkeypatch)


def test_refused_texts_fall_back() -> None:
    """Errors and documents at the limits are composed by the Python loader (its messages)."""
    for text in TRICKY[8:]:
        assert yp._fast_node(text) is None, text[:30]
    assert yp._fast_node(TRICKY[0]) is not None or yp._CLoader is None
