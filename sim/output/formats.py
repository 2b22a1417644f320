"""How numbers read, one formatter per kind, for the terminal, the reports and the figures.

A probability is a percentage with one decimal ("20.1%"); a score has fixed decimals (a Brier
score of 1e-32 reads "0.000", never "1.23e-32"); a count and an effective sample are whole
numbers with thousands separators ("3,480", not "3.48e+03"); days are whole days with the
word; any other value is written with three significant digits in plain decimals
("0.000217", "13,000"), never in scientific notation, with its unit where one is known.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "count",
    "days",
    "distinct",
    "ess",
    "probability",
    "score",
    "text_table",
    "value",
    "wrap_lines",
]

NONE = "—"  # a number that is missing or not finite


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(float(x))


def probability(p: float | None, digits: int = 1) -> str:
    """A probability or share as a percentage: 0.2013 -> "20.1%"."""
    return f"{100 * float(p):.{digits}f}%" if _finite(p) else NONE  # type: ignore[arg-type]


def score(x: float | None, digits: int = 3) -> str:
    """A score (Brier, log, PIT, index) with fixed decimals: 1.23e-32 -> "0.000"."""
    if not _finite(x):
        return NONE
    text = f"{float(x):.{digits}f}"  # type: ignore[arg-type]
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def count(n: float | None) -> str:
    """A count as a whole number with thousands separators: 3480.4 -> "3,480"."""
    return f"{round(float(n)):,}" if _finite(n) else NONE  # type: ignore[arg-type]


def ess(n: float | None) -> str:
    """An effective sample size (a count of replicates, not always whole): "3,480"."""
    return count(n)


def days(x: float | None) -> str:
    """A number of days, whole: 164.25 -> "164 days" (1 -> "1 day")."""
    if not _finite(x):
        return NONE
    d = round(float(x))  # type: ignore[arg-type]
    return f"{d:,} day" if d == 1 else f"{d:,} days"


def value(x: float | None, unit: str = "", sig: int = 3) -> str:
    """Any other number: ``sig`` significant digits in plain decimals (thousands separated,
    no exponent), then its unit: 0.000217 -> "0.000217", 12952 -> "12,952", 2.5e-5 with
    "utility" -> "0.000025 utility"."""
    if not _finite(x):
        return NONE
    v = float(x)  # type: ignore[arg-type]
    if v == 0 or abs(v) < 1e-12:
        text = "0"
    else:
        decimals = max(0, sig - 1 - math.floor(math.log10(abs(v))))
        text = f"{v:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


# ----------------------------------------------------------------------------- terminal tables

WIDTH = 100  # columns a terminal table may take


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def text_table(
    rows: list[dict[str, Any]],
    formats: Mapping[str, Callable[[Any], str]],
    width: int = WIDTH,
) -> str:
    """``rows`` as a terminal table at most ``width`` columns wide: one column per key of
    ``formats`` (its header the key, its cells the formatter's text of each row). Text columns (the
    first, and any whose cells are not numbers) are left-aligned and, when the table would be
    too wide, the widest is abbreviated with "…" (the files keep the full text); numbers are
    right-aligned and never cut."""
    heads = list(formats)
    cells = {h: [formats[h](r) for r in rows] for h in heads}
    texty = {h for h in heads if h == heads[0] or not all(_numeric(c) for c in cells[h])}
    widths = {h: max([len(h), *map(len, cells[h])]) for h in heads}
    while sum(widths.values()) + 2 * (len(heads) - 1) > width:
        shrinkable = [h for h in texty if widths[h] > max(len(h), 12)]
        if not shrinkable:
            break
        h = max(shrinkable, key=lambda k: widths[k])
        excess = sum(widths.values()) + 2 * (len(heads) - 1) - width
        widths[h] = max(len(h), 12, widths[h] - excess)

    def line(values: list[str]) -> str:
        parts = [
            _cut(v, widths[h]).ljust(widths[h]) if h in texty else v.rjust(widths[h])
            for h, v in zip(heads, values, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(heads), *(line([cells[h][i] for h in heads]) for i in range(len(rows)))])


def _numeric(text: str) -> bool:
    """Whether a cell reads as a number (digits, signs, separators, a %, a dash for none)."""
    core = text.strip().rstrip("%").replace(",", "").replace("−", "-")
    if core in ("", NONE, "n/a"):
        return True
    try:
        float(core)
    except ValueError:
        return False
    return True


def distinct(xs: list[float], sig: int = 3) -> int:
    """The fewest significant digits (at least ``sig``, at most 8) at which the values that
    differ read differently: a limit of 0.9995 in a range sampled from 0.999 to 1 must not
    read "≤ 1 (sampled 0.999 to 1)"."""
    wanted = len({float(x) for x in xs})
    for s in range(sig, 9):
        if len({value(x, sig=s) for x in xs}) == wanted:
            return s
    return 8


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """Every line of ``text`` longer than ``width`` wrapped at spaces, its continuation
    indented four spaces past its own indentation (terminal output at most ``width`` wide
    where the words allow)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(
            textwrap.fill(
                line.strip(), width, initial_indent=indent, subsequent_indent=indent + "    ",
                break_long_words=False, break_on_hyphens=False,
            )
        )  # fmt: skip
    return "\n".join(out)
