"""The report of a run: headline, figures, terms, stories and key assumptions, as one HTML file."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from ...io.atomic import atomic_write_text
from ..artefacts import FIRST_SESSION_FLAG
from ..discoveries import Discovery, load_discoveries
from ..headline import structural, title
from ..plots import FIGURES, figure_bytes, make_figures
from .cards import headline_section, table
from .checks import checks_section
from .discover import discovery_section
from .page import esc, figure, lede, num, page, pct, provenance
from .stories import timeline as _timeline

if TYPE_CHECKING:  # annotations only: sim.output.results imports this module
    from ..results import Results

__all__ = ["assumptions", "pick_stories", "render_report", "write_report"]

TOP_ASSUMPTIONS = 10  # rows in the key-assumptions table


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
    from ..labels import Vocabulary

    vocab = Vocabulary.from_meta(results.meta)
    y = results.ceasefire_flags().astype(float)
    rows: list[dict[str, Any]] = []
    for col in results.columns:
        if not col.startswith("param."):
            continue
        x = np.asarray(results.column(col), dtype=float)
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
        lo3, hi3 = np.quantile(x[ok], [1 / 3, 2 / 3])
        low, high = y[ok][x[ok] <= lo3], y[ok][x[ok] >= hi3]
        path = col[len("param.") :]
        rows.append(
            {
                "path": path,
                "label": vocab.label(path),
                "unit": vocab.unit(path),
                "mean": float(x[ok].mean()),
                "sd": float(x[ok].std(ddof=1)),
                "p10": float(q[0]),
                "p50": float(q[1]),
                "p90": float(q[2]),
                "influence": influence,
                # P(ceasefire) among replicates in the input's bottom and top thirds
                "p_low": float(low.mean()) if low.size else float("nan"),
                "p_high": float(high.mean()) if high.size else float("nan"),
            }
        )
    # most influential first; inputs whose influence is undefined (no variation in the
    # outcome) last
    rows.sort(key=lambda r: -float(r["influence"]) if np.isfinite(r["influence"]) else 1.0)
    return rows[:top]


def sensitive_sentence(rows: list[dict[str, Any]], top: int = 3) -> str:
    """One sentence naming the inputs the headline is most sensitive to, with the spread of
    P(ceasefire) between each one's bottom and top thirds."""
    parts = [
        f"{r['label']} ({pct(r['p_low'])} in its bottom third, {pct(r['p_high'])} in its top)"
        for r in rows[:top]
        if np.isfinite(r["influence"])
    ]
    if not parts:
        return "No sampled input moves the chance of a ceasefire."
    return "The headline is most sensitive to " + "; ".join(parts) + "."


DIAGNOSTICS = {  # key: (what it is, shown as a share of replicates/agreements or a number)
    "first_session_agreement": (
        f"Replicates agreeing at the very first session (flagged above {FIRST_SESSION_FLAG:.0%})",
        "share",
    ),
    "below_reservation": (
        "Agreements below a side's true reservation value (accepted through misperception)",
        "share",
    ),
    "mediator_gap": (
        "Mean utility the mediator's proposal falls short of the best point over all "
        "red-line regimes (0: the mediator finds the optimum)",
        "number",
    ),
    "mediator_gap_checked": ("Proposals checked for that gap (first chunk)", "number"),
}


def _diagnostics(diag: Mapping[str, Any]) -> list[str]:
    """The run's model diagnostics (summary.json "diagnostics") as a small table."""
    if not diag:
        return []
    out = [
        "<h3>Model diagnostics</h3><p>Checks on how the model reached its answer; an extreme "
        "value suggests an assumption to revisit.</p><table><tr><th>Diagnostic</th>"
        "<th>Value</th></tr>"
    ]
    for k, v in diag.items():
        name, kind = DIAGNOSTICS.get(k, (k.replace("_", " ").capitalize(), "number"))
        if v is None:
            shown = "—"
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            shown = pct(float(v)) if kind == "share" else num(float(v))
        else:
            shown = esc(v)
        out.append(
            f"<tr><td>{esc(name)}<br><small><code>{esc(k)}</code></small></td><td>{shown}</td></tr>"
        )
    out.append("</table>")
    return out


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


CAPTIONS = {  # figure name: its caption in the report
    "ceasefire_curve": "Cumulative probability of a ceasefire, and the share with one in force; "
    "dotted, where the scenario says when its war began, the share of wars as old that have "
    "ended by each date (Correlates of War durations, by agreement or by force).",
    "terms": "Agreed terms per issue, in real units, among replicates that reached a ceasefire.",
    "control_fan": "Front line: centre and 10–90% band across replicates; the axis is zoomed "
    "to the data (the issue's full range is given on the axis label).",
    "obstruction": "Who obstructed most often: the share of replicates in which each side was "
    "the one that most often turned down a mediator's offer the other side accepted (one "
    "side per replicate, so the shares add up with 'no obstruction' to 100%); and, where "
    "the scenario has threats, how often each was carried out.",
    "durability": "Share of ceasefires still holding by days since agreement (Kaplan–Meier).",
}


def _figures(results: Results, pngs: Mapping[str, bytes] | None) -> list[str]:
    """Every figure of the run with its caption; those not in ``pngs`` are drawn."""
    drawn = dict(pngs or {})
    if any(k not in drawn for k in FIGURES):
        drawn.update({k: figure_bytes(f, "png") for k, f in make_figures(results).items()})
    return ["<h2>Figures</h2>", *(figure(drawn[k], CAPTIONS.get(k, k)) for k in FIGURES)]


def _terms(results: Results, s: Mapping[str, Any]) -> list[str]:
    """The agreed terms per issue, who obstructed, and how many threats were carried out."""
    out: list[str] = []
    issues = results.issues()
    if s["terms"]:
        out += table(
            "<h2>Agreed terms</h2><table><tr><th>Issue</th><th>Unit</th><th>Agreements</th>"
            "<th>Mean</th><th>10%</th><th>Median</th><th>90%</th></tr>",
            [
                f"<tr><td>{esc(k.replace('_', ' '))}</td><td>{esc((issues.get(k) or {}).get('unit', ''))}</td>"
                f"<td>{t['n']:,}</td><td>{num(t['mean'])}</td><td>{num(t['p10'])}</td>"
                f"<td>{num(t['p50'])}</td><td>{num(t['p90'])}</td></tr>"
                for k, t in s["terms"].items()
            ],
        )
    if s["obstructed_by"]:
        out += table(
            "<table><tr><th>Obstructed by</th><th>Share of replicates</th></tr>",
            [
                f"<tr><td>{esc(results.actor_name(k))}</td><td>{pct(v)}</td></tr>"
                for k, v in s["obstructed_by"].items()
            ],
        )
    if s["threats_fired"] is not None:
        out.append(
            f"<p>Threats carried out per replicate, on average: {s['threats_fired']:.2f}.</p>"
        )
    return out


def _stories(results: Results) -> list[str]:
    """Three traced replicates as timelines: a ceasefire that held, none, one that broke."""
    st = pick_stories(results)
    return [
        "<h2>Sample stories</h2>",
        f"<p>From the {len(results.traces)} traced replicates.</p>",
        "<h3>A ceasefire that held</h3>",
        _timeline(results, st["reached"], "No traced replicate reached a ceasefire that held."),
        "<h3>No ceasefire</h3>",
        _timeline(results, st["not_reached"], "Every traced replicate reached a ceasefire."),
        "<h3>A ceasefire that broke down</h3>",
        _timeline(results, st["broke_down"], "No traced ceasefire broke down."),
    ]


def _key_assumptions(results: Results) -> list[str]:
    """The sampled inputs, most influential first, with the sentence naming the top ones."""
    rows = assumptions(results)
    if not rows:
        return [
            "<h2>Key assumptions</h2>",
            '<p class="absent">No input was sampled from a distribution.</p>',
        ]
    return [
        "<h2>Key assumptions</h2>",
        f"<p>{esc(sensitive_sentence(rows))}</p>",
        *table(
            "<p>Sampled inputs, most influential first (influence: absolute Spearman "
            "correlation with reaching a ceasefire; P(ceasefire) among the replicates in the "
            "input's bottom and top thirds).</p><table><tr><th>Input</th><th>Unit</th>"
            "<th>Mean</th><th>SD</th><th>10%</th><th>Median</th><th>90%</th>"
            "<th>Influence</th><th>P, bottom third</th><th>P, top third</th></tr>",
            [
                f"<tr><td>{esc(r['label'])}<br><small><code>{esc(r['path'])}</code></small></td>"
                f"<td>{esc(r['unit'])}</td><td>{num(r['mean'])}</td>"
                f"<td>{num(r['sd'])}</td><td>{num(r['p10'])}</td><td>{num(r['p50'])}</td>"
                f"<td>{num(r['p90'])}</td><td>{num(r['influence'])}</td>"
                f"<td>{pct(r['p_low'])}</td><td>{pct(r['p_high'])}</td></tr>"
                for r in rows
            ],
        ),
    ]


def _provenance(results: Results) -> list[str]:
    """The run's version, seed, size, scenario hash and timing, and how to reproduce it."""
    m = results.meta
    return [
        "<h2>Provenance</h2>",
        provenance(
            [
                ("sim version", esc(m.get("version"))),
                ("seed", esc(m.get("seed"))),
                ("replicates", f"{results.n:,}"),
                ("scenario SHA-256", f"<code>{esc(m.get('scenario_sha256'))}</code>"),
                ("structural numbers", esc(structural(m.get("calibration")))),
                ("run at (UTC)", esc(m.get("created_utc"))),
                ("wall time", f"{num(m.get('wall_seconds'))} s"),
            ]
        ),
        # the folder's scenario.yaml is resolved: it holds the calibration's numbers already
        f"<footer>Reproduce with <code>sim run scenario.yaml --calibration none --seed "
        f"{esc(m.get('seed'))} -n {results.n}</code> and sim {esc(m.get('version'))}.</footer>",
    ]


def render_report(
    results: Results,
    pngs: Mapping[str, bytes] | None = None,
    discoveries: list[Discovery] | None = None,
) -> str:
    """The report as one HTML string (figures as base64 PNG; all scenario text escaped).

    ``pngs`` maps figure names to PNG bytes already rendered; missing ones are drawn.
    ``discoveries`` (from ``sim discover``) add the section "What must be true".
    """
    from .history import history_section

    m = results.meta
    s = results.summary()
    name = title(m.get("scenario"), list(m.get("overrides") or []), m.get("calibration"))
    out: list[str] = [
        f"<h1>{esc(name)}</h1>",
        *lede(m.get("description")),
        f"<p>{s['replicates']:,} simulated futures from {esc(s['start'])} to "
        f"{esc(s['horizon'])} ({s['horizon_days']} days).</p>",
        *headline_section(results, s),
        *checks_section(s),
        *history_section(results),
        *_figures(results, pngs),
        *_terms(results, s),
        *discovery_section(list(discoveries or [])),
        *_stories(results),
        *_key_assumptions(results),
        *_diagnostics(s.get("diagnostics") or {}),
        "<h2>Sources</h2>",
        _sources(list(m.get("sources") or [])),
        *_provenance(results),
    ]
    return page(f"{name} — ceasefire simulation report", out)


def write_report(
    folder: str | Path, results: Results, pngs: Mapping[str, bytes] | None = None
) -> Path:
    """(Re)write ``folder/report.html`` from ``results`` (those the folder holds), atomically.

    ``pngs`` lets a caller that has just drawn the figures skip drawing them again. The
    caller reads the results (``Results.load``): this module is imported by
    ``Results.save(report=True)``, so it never imports ``sim.output.results`` itself.
    """
    folder = Path(folder)
    text = render_report(results, pngs, load_discoveries(folder))
    return atomic_write_text(folder / "report.html", text)


def with_figures_and_report(
    results: Results, extras: Callable[[Path], None] | None = None
) -> Callable[[Path], None]:
    """What ``Results.save(report=True)`` adds to the folder: figures/, report.html, then
    ``extras``."""

    def write(folder: Path) -> None:
        from ..plots import save_figures

        write_report(folder, results, save_figures(results, folder))
        if extras is not None:
            extras(folder)

    return write
