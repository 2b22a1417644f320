"""Every verb's HTML page renders in a real browser: headless Chromium loads it with no
console error and every figure decoded. Skipped where Chromium is not installed (CI
installs it: see .ci/run)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed"),
]

# Appended to a copy of the page: after load, count the images and those that failed to
# decode, list the elements that stick out of the page's column to the right (unless inside
# a scrolling container, such as every table: wide tables scroll by design) and the page's
# width, and leave it all on <body> for --dump-dom to show.
CHECK = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const right = document.body.getBoundingClientRect().right;
  const scrolls = el => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const over = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > right + 1 && !scrolls(el))
    .map(el => el.tagName + ': ' + (el.textContent || '').slice(0, 60));
  document.body.setAttribute('data-check', JSON.stringify({images: imgs.length, broken,
    over: over.slice(0, 10), width: document.documentElement.scrollWidth,
    window: window.innerWidth}));
});
</script>"""
WIDTH = 1400  # the window's width in pixels

# The figures each page must show: run (five standard ones and a discovery's two),
# sweep (one), compare (differences and curves), sensitivity (one per output), a run
# conditioned on the record (five standard ones, the forecast path, prior against
# posterior), hindcast (calibration and the cases).
FIGURES = {
    "run": 7,
    "sweep": 1,
    "compare": 2,
    "sensitivity": 2,
    "asof": 7,
    "hindcast": 2,
    "calibrate": 2,
}


@pytest.fixture(scope="module")
def pages(every_verb: Any) -> dict[str, Path]:
    """Each verb's page, from the session's run of every verb (tests/every_verb.py)."""
    return {k: every_verb.folder / k / "report.html" for k in FIGURES}


def _render(page: Path, tmp: Path) -> tuple[dict[str, int], list[str]]:
    copy = tmp / "page.html"
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"))
    proc = subprocess.run(
        [
            str(CHROMIUM),
            *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
            *("--no-first-run", "--disable-background-networking"),
            *("--disable-component-update", "--disable-sync"),
            f"--user-data-dir={tmp / 'profile'}",
            *("--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"),
            f"--window-size={WIDTH},900",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    m = re.search(r'data-check="([^"]*)"', proc.stdout)
    assert m, f"the page did not finish loading: {proc.stderr[-2000:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(unescape(m.group(1))), console


@pytest.mark.parametrize("verb", list(FIGURES))
def test_each_verbs_page_renders_in_chromium(pages: dict[str, Path], verb: str, tmp_path: Path):
    check, console = _render(pages[verb], tmp_path)
    assert console == []
    assert check["broken"] == 0
    assert check["images"] >= FIGURES[verb]
    assert check["window"] == WIDTH
    assert check["width"] <= WIDTH  # nothing makes the page scroll sideways
    assert check["over"] == []  # nothing sticks out of the column, but inside a scroller
