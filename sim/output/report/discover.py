"""The run report's section "What must be true": each saved scenario discovery (PRIM box)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..discoveries import fmt_qp
from ..plots import figure_bytes
from .page import esc, figure, pct

if TYPE_CHECKING:
    from ..discoveries import Discovery

__all__ = ["discovery_section"]


def discovery_section(discoveries: list[Discovery]) -> list[str]:
    """HTML parts: one subsection per outcome, with its box table and both figures."""
    if not discoveries:
        return []
    out = [
        "<h2>What must be true for a ceasefire</h2>",
        "<p>Scenario discovery (PRIM, from ema_workbench) over the inputs each replicate "
        "sampled: the region of input space where the outcome is most concentrated. "
        "<em>Density</em> is the share of the futures inside the box that reach the outcome, "
        "<em>coverage</em> the share of all futures reaching it that lie inside the box. "
        "A small quasi-p-value says the restriction is unlikely to be chance.</p>",
    ]
    for d in discoveries:
        c = d.chosen
        out += [
            f"<h3>{esc(d.wording.capitalize())}</h3>",
            f"<p>Base rate {pct(d.base_rate)} of {d.rows:,} replicates. Box {d.box}: density "
            f"{pct(c['density'])}, coverage {pct(c['coverage'])}, mass {pct(c['mass'])}, "
            f"{len(d.restrictions)} restricted input(s).</p>",
        ]
        if d.restrictions:
            stab = d.resamples > 0
            out.append(
                "<table><tr><th>Input</th><th>In the box</th><th>Sampled range</th>"
                "<th>Quasi-p</th>"
                + (f"<th>Stable in {d.resamples} resamples</th>" if stab else "")
                + "</tr>"
            )
            for r in d.restrictions:
                out.append(
                    f"<tr><td>{esc(r.label)}<br><small><code>{esc(r.path)}</code></small></td>"
                    f"<td>{esc(r.limits())}</td><td>{esc(r.sampled())}</td>"
                    f"<td>{fmt_qp(r.qp())}</td>"
                    + (f"<td>{pct(r.stability, 0)}</td>" if stab else "")
                    + "</tr>"
                )
            out.append("</table>")
        for n in d.notes:
            out.append(f'<p class="absent">{esc(n)}</p>')
        for w in d.warnings:
            out.append(f'<p class="absent"><strong>Warning:</strong> {esc(w)}</p>')
        out.append(
            figure(
                figure_bytes(d.plot_box().figure, "png"),
                f"The box for {d.wording}: each restricted input's sampled range and limits.",
            )
        )
        out.append(
            figure(
                figure_bytes(d.plot_tradeoff().figure, "png"),
                "Coverage against density along the peeling trajectory; the chosen box circled.",
            )
        )
    return out
