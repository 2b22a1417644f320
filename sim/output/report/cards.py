"""The headline of a run's report: its cards (the estimates, the median date, the base rate)
and P(ceasefire) by date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .page import card, esc, num, pct

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["headline_section", "table"]


def table(head: str, rows: list[str]) -> list[str]:
    """An HTML table as report lines: its opening and header row, one line per row, its end."""
    return [head, *rows, "</table>"]


def _estimate_card(title: str, e: dict[str, float | None]) -> str:
    return card(
        title, pct(e.get("estimate")), f"95% CI {pct(e.get('ci_low'))} – {pct(e.get('ci_high'))}"
    )


def _median_card(results: Results, s: Mapping[str, Any]) -> str:
    """The card of the median time to a ceasefire, with its date (or "not reached")."""
    med = s["median_days_to_ceasefire"]
    if med is None:
        return card(
            "Median time to ceasefire", "not reached", f"fewer than half agree by {s['horizon']}"
        )
    med_date = results.start + dt.timedelta(days=int(med))
    return card("Median time to ceasefire", f"{med:.0f} days", f"around {med_date.isoformat()}")


def _base_rate_card(b: Mapping[str, Any] | None, horizon: str) -> list[str]:
    """The outside view beside the forecast (sim/output/baserate.py), when the war's start is known."""
    if not b:
        return []
    return [
        card(
            f"Base rate: wars this old ending by {horizon}",
            pct(b["p"]),
            f"wars {num(b['war_age_days'])} days old, by agreement or by force (Correlates of "
            f"War durations, median {num(b['median_days'])} and mean {num(b['mean_days'])} "
            "days); on the history library it forecast first ceasefires better than the model "
            "(docs/validation.md)",
        )
    ]


def headline_section(results: Results, s: Mapping[str, Any]) -> list[str]:
    """The headline cards, then P(ceasefire) by date."""
    out = [
        "<h2>Headline</h2>",
        '<div class="cards">',
        _estimate_card(f"P(ceasefire by {s['horizon']})", s["p_ceasefire"]),
        _median_card(results, s),
        _estimate_card("P(ceasefire in force at the horizon)", s["p_in_force_at_horizon"]),
        _estimate_card("P(a truce at some point)", s["p_truce"]),
        *(
            [_estimate_card("P(war decided by force first)", s["p_decided_by_force"])]
            if s.get("p_decided_by_force")
            else []
        ),
        *(
            [_estimate_card("P(a ceasefire closing a war decided by force)", signed)]
            if (signed := s.get("p_signed_after_decision")) and signed.get("estimate")
            else []
        ),
        *(
            [_estimate_card("P(a ceasefire signed that never took effect)", unkept)]
            if (unkept := s.get("p_unkept")) and unkept.get("estimate")
            else []
        ),
        *_base_rate_card(s.get("base_rate"), s["horizon"]),
        "</div>",
    ]
    if s["by_date"]:
        out += table(
            "<table><tr><th>By date</th><th>P(ceasefire)</th><th>95% CI</th></tr>",
            [
                f"<tr><td>{esc(r['date'])}</td><td>{pct(r['p'])}</td>"
                f"<td>{pct(r['ci_low'])} – {pct(r['ci_high'])}</td></tr>"
                for r in s["by_date"]
            ],
        )
    return out
