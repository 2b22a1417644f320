"""The report section of a run conditioned on the record: the evidence used, and what history taught."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..formats import ess
from ..labels import input_label
from ..plots import figure_bytes
from ..plots.history import plot_forecast_path, plot_posterior
from ..summarize import observations_of
from .evidence import day, front_unit, sentence, source_html, steps
from .page import esc, figure, num, pct

__all__ = ["history_section"]

SENTENCES = 5  # inputs named in sentences


def _sentence(row: dict[str, Any], meta: dict[str, Any]) -> str:
    label = input_label(row["input"], meta)
    before, after = row["prior"]["mean"], row["posterior"]["mean"]
    if row["input"].startswith("stalling."):
        who = label.split(":")[0]
        way = "more" if after > before else "less"
        return f"The record so far makes a stalling {who} {way} likely: {pct(before, 0)} → {pct(after, 0)}."
    way = "raises" if after > before else "lowers"
    return (
        f"The record {way} {label}: mean {num(before)} → {num(after)} "
        f"({row['shift_in_prior_sd']:+.2f} prior standard deviations)."
    )


def _evidence(results: Any, cond: dict[str, Any]) -> list[str]:
    """What the run was conditioned on: the observations, what each rules out, the forecast path."""
    if cond.get("method") == "resample-move":
        return _resampled(results, cond)
    out = [
        "<h2>What the record says</h2>",
        f"<p>Conditioned on {len(cond['observations'])} observation(s) dated on or before "
        f"{esc(cond['as_of'])}: {cond['consistent']:,} of {cond['replicates']:,} simulated futures "
        f"are consistent with them; the effective sample size is {ess(cond['ess'])}. Every figure "
        "above is weighted by the evidence, except the front-line and support series, which show "
        "the unconditioned run.</p>",
    ]
    if cond.get("low_ess"):
        out.append(
            '<p class="absent">An effective sample size under 1,000 makes these figures noisy: run '
            "more replicates.</p>"
        )
    out += _observations(results, cond)
    path_fig = plot_forecast_path(results).get_figure()
    assert isinstance(path_fig, Figure)
    out.append(
        figure(
            figure_bytes(path_fig, "png"),
            "P(ceasefire by the horizon) given the evidence up to each date: the run reweighted "
            "by the observations dated on or before it (the first point is the forecast without "
            "any), up to the as-of date. A dotted line marks a date where no simulated future "
            "fits the record.",
        )
    )
    return out + _path_table(results)


def _observations(results: Any, cond: dict[str, Any]) -> list[str]:
    """The evidence as dated sentences, each with its source (links kept) and what it rules
    out."""
    obs = observations_of(results)
    unit = front_unit(results)
    rows = []
    for o in cond["observations"]:
        said = sentence(obs[o["index"]], results.actor_name, unit) if "index" in o else o["kind"]
        rows.append(
            f'<tr><td>{esc(said)}</td><td class="source">{source_html(o["source"], esc)}</td>'
            f"<td>{o['rules_out']:,}</td></tr>"
        )
    return [
        '<table><tr><th>evidence</th><th class="source">source</th>'
        "<th>futures it alone rules out</th></tr>",
        *rows,
        "</table>",
    ]


def _resampled(results: Any, cond: dict[str, Any]) -> list[str]:
    """What a resampled run was conditioned on, and what its particle filters did."""
    out = [
        "<h2>What the record says</h2>",
        f"<p>Conditioned on {len(cond['observations'])} observation(s) dated on or before "
        f"{esc(cond['as_of'])} by resample-move: each chunk of futures was weighed by the "
        "record as it was simulated and, whenever its effective sample fell below half the "
        "chunk, resampled (the futures the record favours copied, the others dropped) and "
        "continued with fresh chance; when few futures fitted"
        f"{_short(cond.get('replay_below'))}, the days since the previous "
        f"observation were first played again, up to {cond.get('plays', 1)} times in all, to "
        "draw more that do. "
        f"Of the run's {cond['replicates']:,} futures, {cond['consistent']:,} carry weight; "
        f"they descend from {cond['distinct_ancestors']:,} of the futures drawn at the start "
        f"and continue {cond['distinct_parents']:,} different pasts kept at the last "
        "resampling. Intervals count ancestors, not "
        f"futures: the effective sample is {ess(cond['ess'])} (of futures, "
        f"{ess(cond['ess_futures'])}). Every figure above is weighted by the evidence, except "
        "the front-line and support series, which show the run's population. A resampled run "
        "is read as of its own date only: its futures were chosen by the whole record, so "
        + (
            "the path of the forecast below comes from one resampled run as of each earlier "
            "date of the evidence.</p>"
            if results.meta["resampling"].get("path")
            else "they cannot be weighed back to earlier dates (run with --path to draw the "
            "forecast's path from one resampled run per date).</p>"
        ),
    ]
    if cond.get("low_ess"):
        out.append(
            '<p class="absent">An effective sample under 1,000 ancestors makes these figures '
            "noisy: run more replicates.</p>"
        )
    obs = observations_of(results)
    unit = front_unit(results)
    rows = []
    for o in cond["observations"]:
        said = sentence(obs[o["index"]], results.actor_name, unit)
        share = o.get("ess_share_before")
        rows.append(
            f'<tr><td>{esc(said)}</td><td class="source">{source_html(o["source"], esc)}</td>'
            f"<td>{'—' if share is None else pct(share)}</td>"
            f"<td>{o.get('resampled_chunks', 0):,}</td><td>{_plays(o)}</td></tr>"
        )
    return [
        *out,
        '<table><tr><th>evidence (date order)</th><th class="source">source</th>'
        "<th>effective sample left (share of a chunk)</th><th>chunks resampled</th>"
        "<th>plays of the days before it (mean per chunk)</th></tr>",
        *rows,
        "</table>",
        *_resampled_path(results),
    ]


def _resampled_path(results: Any) -> list[str]:
    """A resampled run's forecast path (``--path``): its figure, and a table of each date's
    forecast with the evidence that came since the date before."""
    path = results.forecast_path()
    if len(path) < 2:
        return []
    fig = plot_forecast_path(results).get_figure()
    assert isinstance(fig, Figure)
    obs, unit = observations_of(results), front_unit(results)
    rows, prev = [], None
    for p in path:
        d = p["as_of"]
        new = [o for o in obs if (prev is None or o.date.isoformat() > prev["as_of"])]
        new = [o for o in new if o.date.isoformat() <= d]
        said = "; ".join(sentence(o, results.actor_name, unit) for o in new) or "no evidence yet"
        change = _change(prev["estimate"] if prev else None, p["estimate"])
        rows.append(
            f"<tr><td>{esc(day(d))}</td><td>{pct(p['estimate'])}</td><td>{_ci(p)}</td>"
            f"<td>{ess(p['ess'])}</td><td>{p.get('replicates', results.n):,}</td>"
            f"<td>{change}</td><td>{esc(said)}</td></tr>"
        )
        prev = p
    caption = (
        "P(ceasefire by the horizon) given the evidence up to each date, each point from its "
        "own resampled run (the last is this run); the number at a point is its effective "
        "sample counting ancestors. A dotted line marks a date no simulated future fits."
    )
    return [
        figure(figure_bytes(fig, "png"), caption),
        "<h3>How the forecast moved</h3>",
        '<table class="why"><tr><th>as of</th><th>P(ceasefire)</th><th>95% CI</th>'
        "<th>effective sample</th><th>futures</th><th>change</th>"
        "<th>evidence since the date before</th></tr>",
        *rows,
        "</table>",
    ]


def _plays(o: dict[str, Any]) -> str:
    plays = o.get("plays_per_chunk")
    return "—" if plays is None else f"{plays:.1f}"


def _change(before: float | None, after: float | None) -> str:
    """A move of the forecast in points ("—" where either end is unknown)."""
    return "—" if before is None or after is None else f"{100 * (after - before):+.1f} pts"


def _ci(p: dict[str, Any]) -> str:
    """A path point's 95% interval in whole percent ("—" where no future fits)."""
    return f"{pct(p['ci_low'], 0)}–{pct(p['ci_high'], 0)}" if p["consistent"] else "—"


def _path_table(results: Any) -> list[str]:
    """The forecast at each date of the evidence, its effective sample, and why it moved."""
    path = results.forecast_path()
    moved = {s.as_of: s for s in steps(results, path)}
    rows = []
    for p in path:
        step = moved.get(p["as_of"])
        change = "—" if step is None else _change(step.before, step.after)
        rows.append(
            f"<tr><td>{esc(day(p['as_of']))}</td><td>{pct(p['estimate'])}</td><td>{_ci(p)}</td>"
            f"<td>{ess(p['ess'])}</td><td>{change}</td>"
            f"<td>{esc(step.why if step else 'the forecast before any evidence')}</td></tr>"
        )
    return [
        "<h3>Why the forecast moved</h3><p>At each date of the evidence: the forecast given "
        "everything up to it, its effective sample, the change, and the observation that moved "
        "it most (applied one at a time in the order of the file). The forecast is the share of "
        "the futures still in play that reach a ceasefire, so an observation moves it by ruling "
        "out (or weighing down) futures that differ in that share from the ones it keeps.</p>",
        '<table class="why"><tr><th>as of</th><th>P(ceasefire)</th><th>95% CI</th>'
        "<th>effective sample</th><th>change</th><th>why</th></tr>",
        *rows,
        "</table>",
    ]


def _taught(results: Any, table: list[dict[str, Any]]) -> list[str]:
    """What history taught: sentences on the inputs it moved, their figure and table."""
    latent = [
        r
        for r in table
        if r["input"].startswith("stalling.")
        and np.isfinite(r["prior"]["mean"])
        and r["prior"]["sd"] > 0
    ]
    others = [r for r in table if r not in latent][: max(SENTENCES - len(latent), 0)]
    out = [
        "<h2>What history taught</h2><ul>",
        *(f"<li>{esc(_sentence(r, results.meta))}</li>" for r in [*latent, *others]),
        "</ul>",
        figure(
            figure_bytes(plot_posterior(results), "png"),
            "Before and after the evidence, for the inputs it moved most.",
        ),
        "<table><tr><th>input</th><th>before (mean)</th><th>given the record</th><th>shift (prior sd)</th></tr>",
    ]
    for r in table[:20]:
        out.append(
            f"<tr><td>{esc(input_label(r['input'], results.meta))}<br><small><code>{esc(r['input'])}</code></small></td>"
            f"<td>{num(r['prior']['mean'])}</td><td>{num(r['posterior']['mean'])}</td>"
            f"<td>{r['shift_in_prior_sd']:+.2f}</td></tr>"
        )
    out.append("</table>")
    return out


def history_section(results: Any) -> list[str]:
    """HTML parts for a conditioned run (empty for an unconditioned one)."""
    cond = results.summary().get("conditioning")
    if not cond or results.weights is None:
        return []
    table = cond.get("posterior") or []
    return [*_evidence(results, cond), *(_taught(results, table) if table else [])]


def _short(share: object) -> str:
    """When the replays start, in words (older folders do not record it)."""
    if not isinstance(share, int | float) or isinstance(share, bool):
        return ""
    return f" (an effective sample below {share:.0%} of the chunk)"
