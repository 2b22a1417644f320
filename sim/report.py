"""The HTML report of a results folder: one self-contained, escaped file with figures embedded."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from .atomic import atomic_write_text
from .errors import SimError, UsageError
from .plots import FIGURES, figure_bytes, make_figures
from .results import Results

__all__ = [
    "assumptions",
    "is_sweep_folder",
    "pick_stories",
    "render_report",
    "render_sweep_report",
    "write_report",
    "write_sweep_report",
]

TOP_ASSUMPTIONS = 10  # rows in the key-assumptions table
STORY_MAX_EVENTS = 40  # events shown per story; the middle of longer logs is elided
MAX_LISTED_VALUES = 12  # a varied path's grid values listed in full up to this many


def esc(x: Any) -> str:
    """Scenario-provided text, HTML-escaped (quotes included)."""
    return html.escape("" if x is None else str(x), quote=True)


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}%"


def _num(x: float | None) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.3g}"


# ----------------------------------------------------------------------------- content


def pick_stories(results: Results) -> dict[str, dict[str, Any] | None]:
    """Three traced replicates: one that reached a ceasefire (and kept it), one that did
    not, and one whose ceasefire broke down; None where no trace of that kind exists."""

    def kinds(t: dict[str, Any]) -> set[str]:
        return {str(e.get("kind", "")) for e in t.get("events") or []}

    def agreed(t: dict[str, Any]) -> bool:
        out = t.get("outcome") or {}
        return "ceasefire" in kinds(t) or bool(out.get("ceasefire"))

    def broke(t: dict[str, Any]) -> bool:
        out = t.get("outcome") or {}
        return "breakdown" in kinds(t) or out.get("breakdown_day") is not None

    traces = results.traces
    return {
        "reached": next((t for t in traces if agreed(t) and not broke(t)), None),
        "not_reached": next((t for t in traces if not agreed(t)), None),
        "broke_down": next((t for t in traces if agreed(t) and broke(t)), None),
    }


def assumptions(results: Results, top: int = TOP_ASSUMPTIONS) -> list[dict[str, Any]]:
    """Sampled inputs (param.* columns that vary) with their spread and influence, the
    absolute Spearman correlation with reaching a ceasefire, most influential first."""
    o = results.outcomes
    y = results.ceasefire_flags().astype(float)
    rows: list[dict[str, Any]] = []
    for col in o.columns:
        if not col.startswith("param."):
            continue
        x = o[col].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        if ok.sum() < 2 or np.nanmin(x) == np.nanmax(x):
            continue
        influence = float("nan")
        if y[ok].min() != y[ok].max():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                rho = stats.spearmanr(x[ok], y[ok]).statistic
            influence = abs(float(rho))
        q = np.quantile(x[ok], [0.1, 0.5, 0.9])
        rows.append(
            {
                "path": col[len("param.") :],
                "mean": float(x[ok].mean()),
                "sd": float(x[ok].std(ddof=1)),
                "p10": float(q[0]),
                "p50": float(q[1]),
                "p90": float(q[2]),
                "influence": influence,
            }
        )
    # most influential first; inputs whose influence is undefined (no variation in the
    # outcome) last
    rows.sort(key=lambda r: -float(r["influence"]) if np.isfinite(r["influence"]) else 1.0)
    return rows[:top]


# ----------------------------------------------------------------------------- html

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lede{color:#555}.cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.card{flex:1 1 200px;border:1px solid #ddd;border-radius:6px;padding:.8em 1em}
.card .v{font-size:1.6em;font-weight:600}.card .ci{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border-bottom:1px solid #e5e5e5;padding:.3em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}
img{max-width:100%;height:auto;margin:.5em 0}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #ccc;margin-left:.5em}
ol.timeline li{padding:.25em 0 .25em 1em;position:relative}
.date{color:#666;font-variant-numeric:tabular-nums;margin-right:.5em}
.kind{display:inline-block;min-width:6.5em;font-size:.8em;font-weight:600;text-transform:uppercase;
color:#fff;background:#888;border-radius:3px;padding:0 .4em;margin-right:.5em;text-align:center}
.k-ceasefire{background:#009E73}.k-truce{background:#56B4E9}.k-breakdown,.k-collapse{background:#D55E00}
.k-threat{background:#E69F00}.k-proposal{background:#0072B2}.k-shock,.k-election{background:#CC79A7}
.absent{color:#777;font-style:italic}footer{margin-top:3em;color:#666;font-size:.85em}
code{font-size:.9em}
"""


def _page(title: str, body: list[str]) -> str:
    """A whole self-contained HTML page: ``title`` is plain text, ``body`` escaped HTML parts."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


def _lede(description: Any) -> list[str]:
    """A scenario description as escaped paragraphs (blank lines separate them)."""
    text = str(description or "")
    return [f'<p class="lede">{esc(p)}</p>' for p in text.split("\n\n") if p.strip()]


def _figure(png: bytes, caption: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{b64}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _provenance(rows: list[tuple[str, str]]) -> str:
    """A two-column table: plain-text labels, values already escaped HTML."""
    cells = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _card(title: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="card"><div>{esc(title)}</div><div class="v">{esc(value)}</div>'
        f'<div class="ci">{esc(sub)}</div></div>'
    )


def _estimate_card(title: str, e: dict[str, float | None]) -> str:
    return _card(
        title, _pct(e.get("estimate")), f"95% CI {_pct(e.get('ci_low'))} – {_pct(e.get('ci_high'))}"
    )


def _timeline(results: Results, trace: dict[str, Any] | None, absent: str) -> str:
    if trace is None:
        return f'<p class="absent">{esc(absent)}</p>'
    events = list(trace.get("events") or [])
    shown: list[dict[str, Any] | None] = list(events)
    if len(events) > STORY_MAX_EVENTS:
        half = STORY_MAX_EVENTS // 2
        shown = [*events[:half], None, *events[-half:]]
    items = []
    for e in shown:
        if e is None:
            items.append(
                f'<li class="absent">… {len(events) - STORY_MAX_EVENTS} more events …</li>'
            )
            continue
        kind = str(e.get("kind", ""))
        date = e.get("date")
        if not date and e.get("day") is not None:
            date = (results.start + dt.timedelta(days=int(e["day"]))).isoformat()
        cls = "k-" + re.sub(r"[^a-z_-]", "", kind.lower())
        items.append(
            f'<li><span class="date">{esc(date)}</span>'
            f'<span class="kind {esc(cls)}">{esc(kind)}</span>{esc(e.get("text", ""))}</li>'
        )
    head = f"<p>Replicate {esc(trace.get('replicate'))}: {len(events)} events.</p>"
    if not items:
        return head + '<p class="absent">No events were logged.</p>'
    return head + '<ol class="timeline">' + "".join(items) + "</ol>"


def _sources(sources: list[Any]) -> str:
    if not sources:
        return '<p class="absent">No sources given.</p>'
    items = []
    for s in sources:
        text = str(s)
        if re.fullmatch(r"https?://\S+", text):
            items.append(f'<li><a href="{esc(text)}">{esc(text)}</a></li>')
        else:
            items.append(f"<li>{esc(text)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def render_report(results: Results, pngs: Mapping[str, bytes] | None = None) -> str:
    """The report as one HTML string (figures as base64 PNG; all scenario text escaped).

    ``pngs`` maps figure names to PNG bytes already rendered; missing ones are drawn.
    """
    m = results.meta
    s = results.summary()
    name = m.get("scenario") or "scenario"
    out: list[str] = [f"<h1>{esc(name)}</h1>", *_lede(m.get("description"))]
    out.append(
        f"<p>{s['replicates']:,} simulated futures from {esc(s['start'])} to "
        f"{esc(s['horizon'])} ({s['horizon_days']} days).</p>"
    )

    # Headline numbers.
    med = s["median_days_to_ceasefire"]
    if med is None:
        med_card = _card(
            "Median time to ceasefire", "not reached", f"fewer than half agree by {s['horizon']}"
        )
    else:
        med_date = results.start + dt.timedelta(days=int(med))
        med_card = _card(
            "Median time to ceasefire", f"{med:.0f} days", f"around {med_date.isoformat()}"
        )
    out += [
        "<h2>Headline</h2>",
        '<div class="cards">',
        _estimate_card(f"P(ceasefire by {s['horizon']})", s["p_ceasefire"]),
        med_card,
        _estimate_card("P(ceasefire in force at the horizon)", s["p_in_force_at_horizon"]),
        _estimate_card("P(a truce at some point)", s["p_truce"]),
        "</div>",
    ]
    if s["by_date"]:
        out.append("<table><tr><th>By date</th><th>P(ceasefire)</th><th>95% CI</th></tr>")
        for r in s["by_date"]:
            out.append(
                f"<tr><td>{esc(r['date'])}</td><td>{_pct(r['p'])}</td>"
                f"<td>{_pct(r['ci_low'])} – {_pct(r['ci_high'])}</td></tr>"
            )
        out.append("</table>")

    # Figures.
    captions = {
        "ceasefire_curve": "Cumulative probability of a ceasefire, and the share with one in force.",
        "terms": "Agreed terms per issue, in real units, among replicates that reached a ceasefire.",
        "control_fan": "Front line: centre and 10–90% band across replicates.",
        "obstruction": "Who rejected what the other side accepted, and how many threats were carried out.",
        "durability": "Share of ceasefires still holding by days since agreement (Kaplan–Meier).",
    }
    out.append("<h2>Figures</h2>")
    pngs = dict(pngs or {})
    if any(k not in pngs for k in FIGURES):
        pngs.update({k: figure_bytes(f, "png") for k, f in make_figures(results).items()})
    for key in FIGURES:
        out.append(_figure(pngs[key], captions.get(key, key)))

    # Terms and obstruction tables.
    issues = results.issues()
    if s["terms"]:
        out.append(
            "<h2>Agreed terms</h2><table><tr><th>Issue</th><th>Unit</th><th>Agreements</th>"
            "<th>Mean</th><th>10%</th><th>Median</th><th>90%</th></tr>"
        )
        for k, t in s["terms"].items():
            unit = (issues.get(k) or {}).get("unit", "")
            out.append(
                f"<tr><td>{esc(k)}</td><td>{esc(unit)}</td><td>{t['n']:,}</td>"
                f"<td>{_num(t['mean'])}</td><td>{_num(t['p10'])}</td><td>{_num(t['p50'])}</td>"
                f"<td>{_num(t['p90'])}</td></tr>"
            )
        out.append("</table>")
    if s["obstructed_by"]:
        out.append("<table><tr><th>Obstructed by</th><th>Share of replicates</th></tr>")
        for k, v in s["obstructed_by"].items():
            out.append(f"<tr><td>{esc(results.actor_name(k))}</td><td>{_pct(v)}</td></tr>")
        out.append("</table>")
    if s["threats_fired"] is not None:
        out.append(
            f"<p>Threats carried out per replicate, on average: {s['threats_fired']:.2f}.</p>"
        )

    # Stories.
    st = pick_stories(results)
    out += [
        "<h2>Sample stories</h2>",
        f"<p>From the {len(results.traces)} traced replicates.</p>",
        "<h3>A ceasefire that held</h3>",
        _timeline(results, st["reached"], "No traced replicate reached a ceasefire that held."),
        "<h3>No ceasefire</h3>",
        _timeline(results, st["not_reached"], "Every traced replicate reached a ceasefire."),
        "<h3>A ceasefire that broke down</h3>",
        _timeline(results, st["broke_down"], "No traced ceasefire broke down."),
    ]

    # Assumptions.
    rows = assumptions(results)
    out.append("<h2>Key assumptions</h2>")
    if rows:
        out.append(
            "<p>Sampled inputs, most influential first (influence: absolute Spearman "
            "correlation with reaching a ceasefire).</p><table><tr><th>Input</th><th>Mean</th>"
            "<th>SD</th><th>10%</th><th>Median</th><th>90%</th><th>Influence</th></tr>"
        )
        for r in rows:
            out.append(
                f"<tr><td><code>{esc(r['path'])}</code></td><td>{_num(r['mean'])}</td>"
                f"<td>{_num(r['sd'])}</td><td>{_num(r['p10'])}</td><td>{_num(r['p50'])}</td>"
                f"<td>{_num(r['p90'])}</td><td>{_num(r['influence'])}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append('<p class="absent">No input was sampled from a distribution.</p>')

    # Sources and provenance.
    out += ["<h2>Sources</h2>", _sources(list(m.get("sources") or []))]
    out += [
        "<h2>Provenance</h2>",
        _provenance(
            [
                ("sim version", esc(m.get("version"))),
                ("seed", esc(m.get("seed"))),
                ("replicates", f"{results.n:,}"),
                ("scenario SHA-256", f"<code>{esc(m.get('scenario_sha256'))}</code>"),
                ("run at (UTC)", esc(m.get("created_utc"))),
                ("wall time", f"{_num(m.get('wall_seconds'))} s"),
            ]
        ),
        f"<footer>Reproduce with <code>sim run scenario.yaml --seed {esc(m.get('seed'))} "
        f"-n {results.n}</code> and sim {esc(m.get('version'))}.</footer>",
    ]
    return _page(f"{name} — ceasefire simulation report", out)


def write_report(
    folder: str | Path, results: Results | None = None, pngs: Mapping[str, bytes] | None = None
) -> Path:
    """(Re)write ``folder/report.html`` from the results in ``folder``, atomically.

    ``results`` and ``pngs`` let a caller that has just written the folder skip reading
    it back and drawing the figures again.
    """
    folder = Path(folder)
    if results is None:
        results = Results.load(folder)
    text = render_report(results, pngs)
    return atomic_write_text(folder / "report.html", text)


# ----------------------------------------------------------------------------- sweeps


def is_sweep_folder(folder: str | Path) -> bool:
    """A folder written by ``sim sweep`` (finished or not): it holds a sweep manifest (not,
    say, the manifest of a run's chunk checkpoints, which has the same file name)."""
    from .sweep import MANIFEST

    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == "sim-sweep"


def _sweep_description(manifest: Mapping[str, Any]) -> str | None:
    """The scenario's description, read back from the sweep's scenario file when that file
    (with the sweep's overrides) still resolves to the scenario the sweep ran; else None."""
    from .scenario.loader import load_tree, scenario_sha256, validate_loaded

    file = manifest.get("scenario_file")
    if not file or not Path(str(file)).is_file():
        return None
    try:
        tree, marks = load_tree(str(file), list(manifest.get("overrides") or []))
        s = validate_loaded(tree, marks)
    except (SimError, OSError, ValueError):
        return None
    if scenario_sha256(s) != manifest.get("scenario_sha256"):
        return None
    return str(s.description or "")


def _sweep_png(res: Any, folder: Path) -> bytes:
    """figures/sweep.png of the folder, or the same figure drawn again from sweep.parquet."""
    png = folder / "figures" / "sweep.png"
    if png.is_file():
        return png.read_bytes()
    return figure_bytes(res.plot().figure, "png")


def _val(x: Any) -> str:
    """A varied value, short but exact enough to tell grid points apart."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return esc(x)
    return "—" if not np.isfinite(f) else f"{f:.4g}"


def _interval(row: Mapping[str, Any], key: str) -> str:
    def get(k: str) -> float | None:
        v = row.get(k)
        return None if v is None or not np.isfinite(float(v)) else float(v)

    return (
        f"<td>{_pct(get(key))}</td>"
        f"<td>{_pct(get(f'{key}_ci_low'))} – {_pct(get(f'{key}_ci_high'))}</td>"
    )


def render_sweep_report(res: Any, png: bytes, description: str | None = None) -> str:
    """The report of a finished sweep (``sim.sweep.SweepResults``) as one HTML string."""
    m = res.manifest
    name = m.get("scenario") or "scenario"
    paths = res.paths
    n_points = len(res.table)
    reps = m.get("replicates")
    out: list[str] = [f"<h1>{esc(name)}</h1>"]
    if description is None:
        out.append(
            '<p class="absent">The scenario description is not shown: the scenario file '
            "the sweep ran is missing or has changed since.</p>"
        )
    else:
        out += _lede(description)
    seeds = (
        "each point on its own seed"
        if m.get("independent")
        else "every point on the same seed (common random numbers)"
    )
    out.append(
        f"<p>A parameter sweep: {n_points:,} points, {esc(reps)} simulated futures at each, "
        f"{seeds}.</p>"
    )

    # Design.
    design = str(m.get("design") or "grid")
    what = {
        "grid": "full grid (every combination of the values below)",
        "lhs": f"Latin hypercube of {esc(m.get('samples'))} samples",
        "sobol": f"scrambled Sobol sequence of {esc(m.get('samples'))} samples",
    }.get(design, esc(design))
    out += [
        "<h2>Design</h2>",
        f"<p>Design: {what}.</p>",
        "<table><tr><th>Varied path</th><th>From</th><th>To</th><th>Values</th></tr>",
    ]
    for v in m.get("vary") or []:
        if v.get("values") is not None:
            grid = [float(x) for x in v["values"]]
        elif v.get("steps") is not None and design == "grid":
            grid = [float(x) for x in np.linspace(v["lo"], v["hi"], int(v["steps"]))]
        else:
            grid = []
        shown = [_val(x) for x in grid]
        if len(shown) > MAX_LISTED_VALUES:
            shown = [*shown[:3], "…", shown[-1]]
        values = ", ".join(shown) if grid else "sampled in this range"
        if design != "grid" and grid:
            values = f"sampled from {values}"
        out.append(
            f"<tr><td><code>{esc(v.get('path'))}</code></td><td>{_val(v.get('lo'))}</td>"
            f"<td>{_val(v.get('hi'))}</td><td>{values}</td></tr>"
        )
    out.append("</table>")

    # Figure.
    if len(paths) == 1:
        cap = f"P(ceasefire by the horizon) against {paths[0]}, with its 95% interval."
    elif len(paths) == 2:
        cap = f"P(ceasefire by the horizon) over {paths[0]} and {paths[1]}."
    else:
        cap = "P(ceasefire by the horizon) against each varied path, averaged over the others."
    out += ["<h2>Figure</h2>", _figure(png, cap)]

    # Points.
    out += [
        "<h2>Points</h2>",
        "<table><tr><th>Point</th>",
        *[f"<th><code>{esc(p)}</code></th>" for p in paths],
        "<th>P(ceasefire)</th><th>95% CI</th><th>Median days</th>"
        "<th>P(in force at horizon)</th><th>95% CI</th></tr>",
    ]
    for row in res.table.to_dict("records"):
        med = row.get("median_days_to_ceasefire")
        med_s = "not reached" if med is None or not np.isfinite(med) else f"{med:.0f}"
        out.append(
            f"<tr><td>{esc(int(row['point']) if 'point' in row else '')}</td>"
            + "".join(f"<td>{_val(row.get(p))}</td>" for p in paths)
            + _interval(row, "p_ceasefire")
            + f"<td>{esc(med_s)}</td>"
            + _interval(row, "p_in_force_at_horizon")
            + "</tr>"
        )
    out.append("</table>")

    # Provenance.
    versions = sorted({str(s.get("version")) for s in res.points if s.get("version")})
    overrides = list(m.get("overrides") or [])
    out += [
        "<h2>Provenance</h2>",
        _provenance(
            [
                ("sim version", esc(", ".join(versions) or "not recorded")),
                ("seed", esc(m.get("seed"))),
                ("replicates per point", esc(reps)),
                ("independent seeds", "yes" if m.get("independent") else "no"),
                ("scenario SHA-256", f"<code>{esc(m.get('scenario_sha256'))}</code>"),
                ("scenario file", f"<code>{esc(m.get('scenario_file'))}</code>"),
                ("overrides", " ".join(f"<code>{esc(o)}</code>" for o in overrides) or "none"),
            ]
        ),
    ]
    cmd = [f"sim sweep {m.get('scenario_file') or 'scenario.yaml'}"]
    for v in m.get("vary") or []:
        if v.get("values") is not None:
            cmd.append(f"--vary {v['path']}={','.join(f'{x:g}' for x in v['values'])}")
        elif v.get("steps") is not None and design == "grid":
            cmd.append(f"--vary {v['path']}={v['lo']:g}:{v['hi']:g}:{v['steps']}")
        else:
            cmd.append(f"--vary {v['path']}={v['lo']:g}:{v['hi']:g}")
    if design != "grid":
        cmd.append(f"--design {design} --samples {m.get('samples')}")
    cmd += [f"--set '{o}'" for o in overrides]
    cmd.append(f"-n {reps} --seed {m.get('seed')}")
    if m.get("independent"):
        cmd.append("--independent")
    out.append(
        f"<footer>Reproduce with <code>{esc(' '.join(cmd))}</code> and sim "
        f"{esc(', '.join(versions) or '(version not recorded)')}.</footer>"
    )
    return _page(f"{name} — ceasefire simulation sweep report", out)


def write_sweep_report(folder: str | Path) -> Path:
    """(Re)write ``folder/report.html`` from the finished sweep in ``folder``, atomically."""
    from .sweep import MANIFEST, load_sweep

    folder = Path(folder)
    if not is_sweep_folder(folder):
        raise UsageError(
            f"{str(folder)!r} is not a sweep folder (no sweep {MANIFEST}); "
            "make one with 'sim sweep'"
        )
    if not (folder / "sweep.parquet").is_file():
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        raise UsageError(
            f"{str(folder)!r} is an unfinished sweep (no sweep.parquet); finish it with "
            f"'sim sweep {m.get('scenario_file')} --resume {folder} --seed {m.get('seed')}'"
        )
    res = load_sweep(folder)
    text = render_sweep_report(res, _sweep_png(res, folder), _sweep_description(res.manifest))
    return atomic_write_text(folder / "report.html", text)
