"""The report of a run: headline, figures, terms, stories and key assumptions, as one HTML file."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ..atomic import atomic_write_text
from ..discover import Discovery, load_discoveries
from ..plots import FIGURES, figure_bytes, make_figures
from ..results import Results
from .discover import discovery_section
from .page import card, esc, figure, lede, num, page, pct, provenance

__all__ = ["assumptions", "pick_stories", "render_report", "write_report"]

TOP_ASSUMPTIONS = 10  # rows in the key-assumptions table
STORY_MAX_EVENTS = 40  # events shown per story; the middle of longer logs is elided


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


def _estimate_card(title: str, e: dict[str, float | None]) -> str:
    return card(
        title, pct(e.get("estimate")), f"95% CI {pct(e.get('ci_low'))} – {pct(e.get('ci_high'))}"
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


def render_report(
    results: Results,
    pngs: Mapping[str, bytes] | None = None,
    discoveries: list[Discovery] | None = None,
) -> str:
    """The report as one HTML string (figures as base64 PNG; all scenario text escaped).

    ``pngs`` maps figure names to PNG bytes already rendered; missing ones are drawn.
    ``discoveries`` (from ``sim discover``) add the section "What must be true".
    """
    m = results.meta
    s = results.summary()
    name = m.get("scenario") or "scenario"
    out: list[str] = [f"<h1>{esc(name)}</h1>", *lede(m.get("description"))]
    out.append(
        f"<p>{s['replicates']:,} simulated futures from {esc(s['start'])} to "
        f"{esc(s['horizon'])} ({s['horizon_days']} days).</p>"
    )

    # Headline numbers.
    med = s["median_days_to_ceasefire"]
    if med is None:
        med_card = card(
            "Median time to ceasefire", "not reached", f"fewer than half agree by {s['horizon']}"
        )
    else:
        med_date = results.start + dt.timedelta(days=int(med))
        med_card = card(
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
                f"<tr><td>{esc(r['date'])}</td><td>{pct(r['p'])}</td>"
                f"<td>{pct(r['ci_low'])} – {pct(r['ci_high'])}</td></tr>"
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
        out.append(figure(pngs[key], captions.get(key, key)))

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
                f"<td>{num(t['mean'])}</td><td>{num(t['p10'])}</td><td>{num(t['p50'])}</td>"
                f"<td>{num(t['p90'])}</td></tr>"
            )
        out.append("</table>")
    if s["obstructed_by"]:
        out.append("<table><tr><th>Obstructed by</th><th>Share of replicates</th></tr>")
        for k, v in s["obstructed_by"].items():
            out.append(f"<tr><td>{esc(results.actor_name(k))}</td><td>{pct(v)}</td></tr>")
        out.append("</table>")
    if s["threats_fired"] is not None:
        out.append(
            f"<p>Threats carried out per replicate, on average: {s['threats_fired']:.2f}.</p>"
        )

    out += discovery_section(list(discoveries or []))

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
                f"<tr><td><code>{esc(r['path'])}</code></td><td>{num(r['mean'])}</td>"
                f"<td>{num(r['sd'])}</td><td>{num(r['p10'])}</td><td>{num(r['p50'])}</td>"
                f"<td>{num(r['p90'])}</td><td>{num(r['influence'])}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append('<p class="absent">No input was sampled from a distribution.</p>')

    # Sources and provenance.
    out += ["<h2>Sources</h2>", _sources(list(m.get("sources") or []))]
    out += [
        "<h2>Provenance</h2>",
        provenance(
            [
                ("sim version", esc(m.get("version"))),
                ("seed", esc(m.get("seed"))),
                ("replicates", f"{results.n:,}"),
                ("scenario SHA-256", f"<code>{esc(m.get('scenario_sha256'))}</code>"),
                ("run at (UTC)", esc(m.get("created_utc"))),
                ("wall time", f"{num(m.get('wall_seconds'))} s"),
            ]
        ),
        f"<footer>Reproduce with <code>sim run scenario.yaml --seed {esc(m.get('seed'))} "
        f"-n {results.n}</code> and sim {esc(m.get('version'))}.</footer>",
    ]
    return page(f"{name} — ceasefire simulation report", out)


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
    text = render_report(results, pngs, load_discoveries(folder))
    return atomic_write_text(folder / "report.html", text)
