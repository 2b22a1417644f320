"""A comparison for people: the terminal text and the HTML page of a compare folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...io.atomic import atomic_write_text
from ...io.limits import MAX_REPLICATES
from ...io.readback import NUMBER, Items, Null, Opt, Values, Whole, read_json
from ..formats import WIDTH, value, wrap_lines
from ..headline import structural
from .page import esc, figure, page, pct, provenance

__all__ = ["COMPARE_SHAPE", "compare_text", "render_compare_report", "write_compare_report"]

_DIFF = {"diff": Null(NUMBER), "ci_low": Null(NUMBER), "ci_high": Null(NUMBER)}
_SCENARIO = {
    "label": str,
    "p_ceasefire": {"estimate": Null(NUMBER)},
    "p_in_force_at_horizon": {"estimate": Null(NUMBER)},
    "median_days_to_ceasefire": Null(NUMBER),
    "terms_median": Opt(Values(Opt(NUMBER))),
    "version": Opt(str),
    "scenario_sha256": Opt(str),
}
# What the page and the figures read from compare.json (sim/readback.py checks it).
COMPARE_SHAPE = {
    "scenarios": Items(_SCENARIO, at_least=1),
    "differences": Items(
        {
            "label": str,
            "vs": str,
            "p_ceasefire": _DIFF,
            "p_in_force_at_horizon": _DIFF,
            "median_days": _DIFF,
            "terms_median": Opt(Values(_DIFF)),
            "terms_mean": Opt(Values(_DIFF)),
        }
    ),
    "replicates": Whole(1, MAX_REPLICATES),
    "seed": Whole(0, 2**63 - 1),
    "precision": Opt(NUMBER),
    "method": Values(str),
    "issues": Opt(Values(dict)),
    "notes": Opt(Items(str)),
    "start": Opt(str),
    "horizon": Opt(str),
}


def _pts(e: dict[str, Any], scale: float = 100.0, unit: str = " pts", digits: int = 1) -> str:
    """A difference with its interval, e.g. "−24.9 pts (95% CI −25.6 to −24.2)"."""
    if e.get("diff") is None:
        return "n/a (not reached in both)"
    d = f"{scale * e['diff']:+.{digits}f}{unit}"
    if e.get("ci_low") is None or e.get("ci_high") is None:
        return d + " (no interval)"
    return f"{d} (95% CI {scale * e['ci_low']:+.{digits}f} to {scale * e['ci_high']:+.{digits}f})"


def _p(e: dict[str, Any]) -> str:
    return "n/a" if e.get("estimate") is None else f"{100 * e['estimate']:.1f}%"


def _days(x: float | None) -> str:
    return "not reached" if x is None else f"{x:.0f} days"


def _term(v: float | None, unit: str) -> str:
    if v is None:
        return "no agreement"
    return value(v, unit)


def _term_diff(d: dict[str, Any], issue: str) -> str:
    """The paired differences of an issue's terms over the replicates where both runs agreed:
    the median (often exactly 0: common random numbers give many replicates the same terms)
    and the mean, each with its interval. Not the difference of the two medians beside it,
    which also moves with which replicates agree."""
    med = (d.get("terms_median") or {}).get(issue) or {}
    mean = (d.get("terms_mean") or {}).get(issue) or {}
    if med.get("diff") is None:
        return "Δ n/a (no replicate agreed in both)"
    return (
        f"paired Δ where both agreed: median {_pts(med, 1.0, '', 2)}, mean {_pts(mean, 1.0, '', 3)}"
    )


def _lines(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per scenario: (heading, [(measure, level, difference)])."""
    issues = data.get("issues") or {}
    diffs = {d["label"]: d for d in data["differences"]}
    out = []
    for s in data["scenarios"]:
        d = diffs.get(s["label"])
        rows = [
            (
                f"P(ceasefire by {data.get('horizon', 'horizon')})",
                _p(s["p_ceasefire"]),
                "" if d is None else "ΔP(ceasefire) " + _pts(d["p_ceasefire"]),
            ),
            (
                "P(in force at horizon)",
                _p(s["p_in_force_at_horizon"]),
                "" if d is None else "Δ " + _pts(d["p_in_force_at_horizon"]),
            ),
            (
                "median days to ceasefire",
                _days(s["median_days_to_ceasefire"]),
                "" if d is None else "Δ " + _pts(d["median_days"], 1.0, " days", 0),
            ),
        ]
        for issue, v in (s.get("terms_median") or {}).items():
            unit = str((issues.get(issue) or {}).get("unit") or "")
            diff = "" if d is None else _term_diff(d, issue)
            rows.append((f"median {issue.replace('_', ' ')}", _term(v, unit), diff))
        head = s["label"] + (" (reference)" if d is None else f" vs {d['vs']}")
        out.append((head, rows))
    return out


def compare_text(data: dict[str, Any]) -> str:
    lines = [
        f"{len(data['scenarios'])} scenarios, {data['replicates']:,} replicates each, seed "
        f"{data['seed']} (common random numbers; differences are paired, replicate by replicate)"
    ]
    if data.get("precision") is not None:
        lines.append(
            f"  -n auto: grown until every 95% half-width on P and ΔP was at most "
            f"±{100 * data['precision']:.2f} pts (or the cap)"
        )
    kinds = {structural(x.get("calibration")) for x in data["scenarios"] if "calibration" in x}
    lines += [f"  structural numbers: {k}" for k in sorted(kinds)]
    for note in data.get("notes") or []:
        lines.append(f"  note: {note}")
    for head, rows in _lines(data):
        lines.append(head + ":")
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        for a, b, c in rows:
            line = f"  {a:<{w0}}  {b:<{w1}}  {c}".rstrip()
            if len(line) > WIDTH:  # the difference on its own line, under the level
                line = f"  {a:<{w0}}  {b}\n{' ' * (w0 + 4)}{c}"
            lines.append(line)
    return wrap_lines("\n".join(lines))


def page_names(data: dict[str, Any]) -> list[str]:
    """What the page calls each scenario: its name (the file's ``name:``), or its label (file
    and --variant overrides) where two share a name."""
    names = [s.get("scenario") or s["label"] for s in data["scenarios"]]
    if len(set(names)) < len(names):
        return [s["label"] for s in data["scenarios"]]
    return names


def render_compare_report(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    names = page_names(data)
    out = [
        f"<h1>{esc(' vs '.join(names))}</h1>",
        f"<p>A paired comparison: {data['replicates']:,} simulated futures per scenario from "
        f"{esc(data.get('start'))} to {esc(data.get('horizon'))}, all on seed "
        f"{esc(data['seed'])} (common random numbers), so each difference is taken replicate "
        "by replicate and its interval is much narrower than comparing two separate runs.</p>",
    ]
    out += [f'<p class="absent">{esc(n)}</p>' for n in data.get("notes") or []]
    for head, rows in _lines(data):
        out.append(
            f"<h2>{esc(head)}</h2><table><tr><th>Measure</th><th>Level</th>"
            "<th>Paired difference (95% CI)</th></tr>"
        )
        out += [f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(c)}</td></tr>" for a, b, c in rows]
        out.append("</table>")
    out += [
        "<h2>Figures</h2>",
        figure(
            pngs["compare"],
            "Paired differences from the reference scenario, with 95% "
            "intervals; the dashed line is no difference.",
        ),
        *(
            [
                figure(
                    pngs["compare_curves"],
                    "Cumulative probability of a ceasefire by date in "
                    "each scenario, with 95% Kaplan–Meier bands.",
                )
            ]
            if "compare_curves" in pngs
            else []
        ),
        "<h2>Method</h2><ul>",
        *[f"<li>{esc(k.replace('_', ' '))}: {esc(v)}</li>" for k, v in data["method"].items()],
        "</ul><h2>Provenance</h2>",
        provenance(
            [("seed", esc(data["seed"])), ("replicates per scenario", f"{data['replicates']:,}")]
            + [
                (
                    f"{s['label']} (sim {s.get('version')})",
                    f"<code>{esc(s.get('scenario_sha256'))}</code>",
                )
                for s in data["scenarios"]
            ]
        ),
        f"<footer>P(ceasefire) of the reference: {pct(data['scenarios'][0]['p_ceasefire'].get('estimate'))}."
        "</footer>",
    ]
    return page(f"{' vs '.join(names)} — ceasefire simulation comparison", out)


def write_compare_report(folder: str | os.PathLike[str]) -> Path:
    """(Re)write ``folder``/report.html from compare.json and the figures (redrawn if missing)."""
    from ..plots import figure_bytes
    from ..plots.compare import plot_differences

    f = Path(folder)
    data = read_json(f, "compare.json", COMPARE_SHAPE)
    pngs = {}
    for name in ("compare", "compare_curves"):
        p = f / "figures" / f"{name}.png"
        if p.is_file():
            pngs[name] = p.read_bytes()
    if "compare" not in pngs:
        fig = plot_differences(data).get_figure(root=True)
        assert fig is not None
        pngs["compare"] = figure_bytes(fig, "png")
    return atomic_write_text(f / "report.html", render_compare_report(data, pngs))
