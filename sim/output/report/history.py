"""The report section of a run conditioned on the record: the evidence used, and what history taught."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..labels import input_label
from ..plots import figure_bytes
from ..plots.history import plot_forecast_path, plot_posterior
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
    out = [
        "<h2>What the record says</h2>",
        f"<p>Conditioned on {len(cond['observations'])} observation(s) dated on or before "
        f"{esc(cond['as_of'])}: {cond['consistent']:,} of {cond['replicates']:,} simulated futures "
        f"are consistent with them; the effective sample size is {cond['ess']:,.0f}. Every figure "
        "above is weighted by the evidence, except the front-line and support series, which show "
        "the unconditioned run.</p>",
    ]
    if cond.get("low_ess"):
        out.append(
            '<p class="absent">An effective sample size under 1,000 makes these figures noisy: run '
            "more replicates.</p>"
        )
    out.append(
        "<table><tr><th>date</th><th>evidence</th><th>source</th><th>futures it rules out</th></tr>"
    )
    for o in cond["observations"]:
        out.append(
            f"<tr><td>{esc(o['date'])}</td><td>{esc(o['kind'])}</td><td>{esc(o['source'])}</td>"
            f"<td>{o['rules_out']:,}</td></tr>"
        )
    out.append("</table>")
    path_fig = plot_forecast_path(results).get_figure()
    assert isinstance(path_fig, Figure)
    out.append(
        figure(
            figure_bytes(path_fig, "png"),
            "P(ceasefire by the horizon) given the evidence up to each date: the run reweighted "
            "by the observations dated on or before it (the first point is the forecast without "
            "any). A dotted line marks a date where no simulated future fits the record.",
        )
    )
    return out


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
