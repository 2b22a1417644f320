"""The HTML of every report: one self-contained page, all scenario text escaped, figures inline."""

from __future__ import annotations

import base64
import html
from typing import Any

from ..formats import count, probability, score, value

__all__ = ["card", "esc", "figure", "lede", "num", "page", "pct", "provenance", "scores"]


def esc(x: Any) -> str:
    """Scenario-provided text, HTML-escaped (quotes included)."""
    return html.escape("" if x is None else str(x), quote=True)


def pct(x: float | None, digits: int = 1) -> str:
    """A probability or share as a percentage (``formats.probability``)."""
    return probability(x, digits)


SCORE_DIGITS = {"brier": 3, "log": 2, "pit": 2}  # fixed decimals of each score


def scores(row: Any, keys: tuple[str, ...] = ("brier", "log", "crps", "pit")) -> list[str]:
    """A row's scores as report cells: Brier, log and PIT with fixed decimals (never
    "1.23e-32"), CRPS in whole days."""
    return [
        count(row.get(k)) if k.startswith("crps") else score(row.get(k), SCORE_DIGITS[k])
        for k in keys
    ]


def num(x: float | None, unit: str = "") -> str:
    """Any other number in plain decimals, three significant digits, with its unit
    (``formats.value``): never "5.54e-05"."""
    return value(x, unit)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lede{color:#555}.cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.card{flex:1 1 200px;border:1px solid #ddd;border-radius:6px;padding:.8em 1em}
.card .v{font-size:1.6em;font-weight:600}.card .ci{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em;display:block;max-width:100%;
overflow-x:auto}
th,td{border-bottom:1px solid #e5e5e5;padding:.3em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}
img{max-width:100%;height:auto;margin:.5em 0}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #ccc;margin-left:.5em}
ol.timeline li{padding:.25em 0 .25em 1em;position:relative}
.date{color:#666;font-variant-numeric:tabular-nums;margin-right:.5em}
.kind{display:inline-block;min-width:8.5em;font-size:.8em;font-weight:600;text-transform:uppercase;
color:#fff;background:#888;border-radius:3px;padding:0 .4em;margin-right:.5em;text-align:center}
.k-ceasefire{background:#009E73}.k-truce{background:#56B4E9}.k-breakdown,.k-collapse{background:#D55E00}
.k-threat{background:#E69F00}.k-threat_triggered{background:#F0C75E;color:#333}
ul.terms{margin:.2em 0 .2em 1.2em;padding:0;font-size:.9em;color:#444}.k-proposal{background:#0072B2}.k-shock,.k-election{background:#CC79A7}
.absent{color:#777;font-style:italic}footer{margin-top:3em;color:#666;font-size:.85em}
code{font-size:.9em;overflow-wrap:anywhere}
ol.timeline details{display:inline}ol.timeline summary{display:inline;cursor:pointer}
ol.decisions{list-style:none;padding-left:1.5em;margin:.2em 0;font-size:.9em}
.terms{color:#555;font-size:.9em;margin:0 0 .2em 6.5em}
td.source{font-size:.85em;color:#555;text-align:left;overflow-wrap:anywhere}
th.source,table.why th:last-child{text-align:left}table.why td{white-space:nowrap}
table.why td:last-child{white-space:normal;text-align:left;font-size:.9em}
"""


def page(title: str, body: list[str]) -> str:
    """A whole self-contained HTML page: ``title`` is plain text, ``body`` escaped HTML parts."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


def lede(description: Any) -> list[str]:
    """A scenario description as escaped paragraphs (blank lines separate them)."""
    text = str(description or "")
    return [f'<p class="lede">{esc(p)}</p>' for p in text.split("\n\n") if p.strip()]


def figure(png: bytes, caption: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{b64}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def row(*cells: str) -> str:
    """One table row of cells already escaped HTML."""
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def provenance(rows: list[tuple[str, str]]) -> str:
    """A two-column table: plain-text labels, values already escaped HTML."""
    cells = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def card(title: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="card"><div>{esc(title)}</div><div class="v">{esc(value)}</div>'
        f'<div class="ci">{esc(sub)}</div></div>'
    )
