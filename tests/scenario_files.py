"""Scenario files the loader and CLI tests share, and finding a line in them."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "good" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise ValueError(needle)
