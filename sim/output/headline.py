"""The headline of a run: a few lines for the terminal and notebooks (``Results.headline``).

The title names what was run: the scenario, and the overrides it was loaded with, so a run of
the baseline with ``--set`` is never titled as the baseline itself. Results that look like
artefacts (sim/artefacts.py) are flagged below the figures with the threshold used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = [
    "OVERRIDES_SHOWN",
    "headline",
    "own_overrides",
    "structural",
    "structural_line",
    "title",
]

OVERRIDES_SHOWN = 3  # overrides named in the title; the rest are counted


def _pct(e: dict[str, float | None]) -> str:
    if e["estimate"] is None:
        return "n/a"
    return (
        f"{100 * e['estimate']:.1f}% "
        f"(95% CI {100 * (e['ci_low'] or 0):.1f}–{100 * (e['ci_high'] or 0):.1f}%)"
    )


def own_overrides(overrides: list[str], calibration: dict[str, Any] | None) -> list[str]:
    """The overrides beyond the calibration's numbers (which lead the list): the user's --set."""
    fitted = list((calibration or {}).get("set") or [])
    return overrides[len(fitted) :] if overrides[: len(fitted)] == fitted else overrides


def structural(calibration: dict[str, Any] | None) -> str:
    """Where a run's structural numbers came from: a calibration file (the history library's,
    applied by default) or the model's own defaults."""
    if not calibration:
        return "the model's defaults (no calibration)"
    n = len(calibration.get("set") or [])
    return f"{n} from the calibration {calibration.get('file')}"


def structural_line(calibration: dict[str, Any] | None) -> str:
    """``structural`` as a line of the headline."""
    return f"  structural numbers: {structural(calibration)}"


def title(name: str | None, overrides: list[str], calibration: dict[str, Any] | None = None) -> str:
    """The scenario's name, with the overrides it was run with beyond its calibration's
    numbers (the first few, then a count)."""
    name = name or "scenario"
    overrides = own_overrides(overrides, calibration)
    if not overrides:
        return name
    shown = ", ".join(overrides[:OVERRIDES_SHOWN])
    more = len(overrides) - OVERRIDES_SHOWN
    return f"{name}, modified ({shown}{f' and {more} more' if more > 0 else ''})"


def _conditioning(cond: dict[str, Any] | None) -> list[str]:
    if not cond:
        return []
    lines = [
        f"  as of {cond['as_of']}, given {len(cond['observations'])} observation(s): "
        f"effective sample size {cond['ess']:,.0f} of {cond['replicates']:,} "
        f"({cond['consistent']:,} replicates consistent with the record)"
    ]
    if cond.get("method") == "resample-move":
        lines = [
            f"  as of {cond['as_of']}, given {len(cond['observations'])} observation(s), "
            f"resampled: {cond['replicates']:,} futures from {cond['distinct_ancestors']:,} "
            f"ancestors ({cond['distinct_parents']:,} different pasts kept at the last resampling); "
            "effective "
            f"sample size {cond['ess']:,.0f} counting ancestors"
        ]
    if cond["low_ess"]:
        lines.append(
            "  warning: an effective sample size under 1,000 makes these figures noisy; "
            "run more replicates (-n)"
        )
    return lines


def _base_rate(b: dict[str, Any] | None, horizon: str) -> list[str]:
    """The outside view: how often wars as old as this one end by the horizon."""
    if not b:
        return []
    return [
        f"  base rate: {100 * b['p']:.1f}% of wars {b['war_age_days']:,} days old end by "
        f"{horizon}, by agreement or by force (Correlates of War durations)"
    ]


def headline(r: Any) -> str:
    """A few lines for the terminal: P(ceasefire), median days, P(in force), flags."""
    s = r.summary()
    med = s["median_days_to_ceasefire"]
    if med is None:
        med_txt = f"not reached by the horizon ({s['horizon_days']} days)"
    else:
        med_date = r.start + dt.timedelta(days=int(med))
        med_txt = f"{med:.0f} days (around {med_date.isoformat()})"
    lines = [
        f"{title(s['scenario'], s.get('overrides') or [], s.get('calibration'))}: "
        f"{s['replicates']:,} replicates, seed {s['seed']}, {s['start']} to {s['horizon']}",
        structural_line(s.get("calibration")),
        *_conditioning(s.get("conditioning")),
        f"  P(ceasefire by {s['horizon']}):  {_pct(s['p_ceasefire'])}",
        f"  median days to ceasefire:       {med_txt}",
        f"  P(ceasefire in force at horizon): {_pct(s['p_in_force_at_horizon'])}",
    ]
    forced = s.get("p_decided_by_force")
    lines += [f"  P(war decided by force first):  {_pct(forced)}"] if forced else []
    signed = s.get("p_signed_after_decision")
    if signed and signed.get("estimate"):
        lines += [f"  P(a ceasefire closing a war decided by force): {_pct(signed)}"]
    unkept = s.get("p_unkept")
    if unkept and unkept.get("estimate"):
        lines += [f"  P(a ceasefire signed that never took effect): {_pct(unkept)}"]
    lines += _base_rate(s.get("base_rate"), s["horizon"])
    lines += [f"  flag: {f}" for f in s.get("flags") or []]
    return "\n".join(lines)
