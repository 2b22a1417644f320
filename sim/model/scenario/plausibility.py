"""Plausibility checks: inputs each within its range but implausible together, one line each.

Validation refuses what cannot be (a share above 1, a date before the start); these checks
warn about what can be but most likely is a slip of units: a front given as a share on an
issue measured in percent, a weekly discount factor that was meant per year, a stalling
window given in days where weeks are asked. Each line names the field, what makes it
implausible and the likely mistake. Nothing here refuses a scenario (a warning is not an
error) and nothing imports numpy, so ``sim validate`` stays fast.

Every shipped scenario passes without a warning (tests/test_plausibility.py): the thresholds
sit well beyond what the sourced scenarios hold.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from .distributions import mean_of, support_of
from .schema import Scenario

__all__ = ["FAR_SHARE", "plausibility_warnings"]

FAR_SHARE = 0.10  # "far" from a point of the front-line issue: this share of its range
NEAR_SHARE = 0.10  # a rescaled front this close to the span of the issue's points fits them
HALF_LIFE_OF_HORIZON = 0.5  # warn when patience halves the future's value within half the horizon
SANCTIONS_SLACK = 0.05  # a start level this far outside its schedule's span is warned about
VOLATILITY_SPAN = 1.0  # front noise whose sd over the horizon exceeds the whole range
DAYS_PER_YEAR = 365


def _num(x: float) -> str:
    return f"{x:.4g}"


def plausibility_warnings(s: Scenario) -> list[str]:
    """One line per implausible combination of inputs in ``s`` (empty when none)."""
    checks: tuple[Callable[[Scenario], list[str]], ...] = (
        _front,
        _volatility,
        _patience,
        _stalling,
        _sanctions,
        _after_horizon,
        _kind,
    )
    return [line for check in checks for line in check(s)]


def _issue_points(s: Scenario, issue: str) -> list[float]:
    """The interior points the sides place on ``issue``: ideals (their support), references
    and fixed red lines. A point at an end of the range is a maximal claim ("full
    withdrawal") and says nothing about where the front stands, so it is left out."""
    lo, hi = s.issues[issue].range
    points: list[float] = []
    for a in s.belligerents().values():
        if issue in a.ideal:
            points += list(support_of(a.ideal[issue]))
        if issue in a.reference:
            points.append(a.reference[issue])
        for r in a.red_lines:
            if r.issue == issue and not r.from_front:
                points.append(r.above if r.above is not None else r.below)  # type: ignore[arg-type]
    return [p for p in points if lo < p < hi]


def _front(s: Scenario) -> list[str]:
    """A front given as a share (0.19) on an issue measured in percent (19)."""
    issue = s.front_line_issue()
    bf = s.pressures.battlefield
    if issue is None or bf is None or bf.control is None:
        return []
    lo, hi = s.issues[issue].range
    width = hi - lo
    points = _issue_points(s, issue)
    front = mean_of(bf.control)
    if not points or width < 10 or not 0 < abs(front) <= 1:
        return []
    p_lo, p_hi = min(points), max(points)

    def gap(x: float) -> float:
        return max(0.0, p_lo - x, x - p_hi) / width

    meant = front * 100
    if gap(front) <= FAR_SHARE or not lo <= meant <= hi or gap(meant) > NEAR_SHARE:
        return []
    unit = s.issues[issue].unit
    return [
        f"pressures.battlefield.control {_num(front)} is far from every ideal, red line and "
        f"reference on '{issue}' ({_num(p_lo)}–{_num(p_hi)}{' ' + unit if unit else ''}); "
        f"did you mean {_num(meant)}? (a share given where the issue is in percent)"
    ]


def _volatility(s: Scenario) -> list[str]:
    """Front noise whose spread over the horizon covers the whole range: a percentage of the
    range (0.2 for 0.2%) written where a share is asked."""
    bf = s.pressures.battlefield
    if bf is None or s.front_line_issue() is None:
        return []
    vol = mean_of(bf.volatility)
    rounds = s.horizon_days / s.round_days
    spread = vol * math.sqrt(rounds)
    if spread <= VOLATILITY_SPAN:
        return []
    return [
        f"pressures.battlefield.volatility {_num(vol)} a round moves the front by about "
        f"{100 * spread:.0f}% of the issue's range over the horizon ({rounds:.0f} rounds); it is "
        f"a share of the range: did you mean {_num(vol / 100)} (a percentage given as a share)?"
    ]


def _patience(s: Scenario) -> list[str]:
    """A discount factor per round that halves the future's value within the horizon: a
    yearly factor (0.95) written where one per round is asked."""
    out = []
    for k, a in s.belligerents().items():
        delta = mean_of(a.patience)
        if not 0 < delta < 1:
            continue
        half_life = math.log(0.5) / math.log(delta) * s.round_days
        if half_life >= HALF_LIFE_OF_HORIZON * s.horizon_days:
            continue
        per_round = delta ** (s.round_days / DAYS_PER_YEAR)
        out.append(
            f"actors.{k}.patience {_num(delta)} per round ({s.round_days} days) halves the value "
            f"of the future in {half_life:.0f} days, much less than the {s.horizon_days}-day horizon; "
            f"it is a factor per round: did you mean {_num(delta)} a year "
            f"({per_round:.6f} per round)?"
        )
    return out


def _stalling(s: Scenario) -> list[str]:
    """A stalling window far beyond the horizon: days written where weeks are asked."""
    out = []
    horizon_weeks = s.horizon_days / 7
    for k, a in s.belligerents().items():
        if a.stalling is None:
            continue
        weeks = mean_of(a.stalling.weeks)
        if weeks <= 2 * horizon_weeks:
            continue
        out.append(
            f"actors.{k}.stalling.weeks {_num(weeks)} is more than twice the horizon "
            f"({horizon_weeks:.0f} weeks); it is in weeks: did you mean {_num(weeks / 7)} "
            "(days given as weeks)?"
        )
    return out


def _sanctions(s: Scenario) -> list[str]:
    """A starting level outside every level its schedule sets: the schedule overrides it
    soon, so the start level barely matters (a sweep over it shows almost nothing)."""
    sa = s.pressures.sanctions
    if sa is None:
        return []
    steps = [x for x in sa.schedule if s.start <= x.on <= s.horizon_date]
    if not steps:
        return []
    lows, highs = zip(*(support_of(x.level) for x in steps), strict=True)
    span_lo, span_hi = min(lows), max(highs)
    level = mean_of(sa.level)
    if span_lo - SANCTIONS_SLACK <= level <= span_hi + SANCTIONS_SLACK:
        return []
    first = min(x.on for x in steps)
    return [
        f"pressures.sanctions.level {_num(level)} lies outside the levels its schedule sets "
        f"({_num(span_lo)}–{_num(span_hi)}), which replace it on {first.isoformat()} (day "
        f"{s.day_of(first)} of {s.horizon_days}); to change sanctions for the whole run, "
        "change pressures.sanctions.schedule.*.level too"
    ]


def _after_horizon(s: Scenario) -> list[str]:
    """Dated items after the horizon never happen in the run: a mistyped year, usually."""
    dated: list[tuple[str, dt.date | None]] = [
        *((f"proposals.{i}.on", p.on) for i, p in enumerate(s.proposals)),
        *((f"events.{i}.on", e.on) for i, e in enumerate(s.events)),
    ]
    if s.pressures.sanctions is not None:
        sched = s.pressures.sanctions.schedule
        dated += [(f"pressures.sanctions.schedule.{i}.on", x.on) for i, x in enumerate(sched)]
    end = s.horizon_date
    return [
        f"{path} {d.isoformat()} is after the horizon {end.isoformat()}: it never happens "
        "in the run (a mistyped year?)"
        for path, d in dated
        if d is not None and d > end
    ]


def _by_default(s: Scenario) -> set[str]:
    """The paths set by the history library's calibration, applied by default, and not by the
    user's own --set after it."""
    from .loader import calibration_of, overrides_of
    from .overrides import LIBRARY_ORIGIN

    cal = calibration_of(s)
    if cal is None or cal.get("file") != LIBRARY_ORIGIN:
        return set()
    fitted = list(cal.get("set") or [])
    own = {o.partition("=")[0].strip() for o in overrides_of(s)[len(fitted) :]}
    return {o.partition("=")[0].strip() for o in fitted} - own


def _kind(s: Scenario) -> list[str]:
    """A scale by kind of war set on a scenario that does not say its kind (by the user: the
    library's, applied to every scenario by default, is not news): the scale does nothing, and
    a war between states is given the chance of failure fitted for other wars."""
    if s.conflict_type is not None:
        return []
    quiet = _by_default(s)
    st = s.structure
    scales = (
        ("structure.interstate_unkept_scale", st.interstate_unkept_scale),
        ("structure.internal_signed_scale", st.internal_signed_scale),
    )
    return [
        f"{path} {_num(v)} applies by kind of war and the scenario gives no conflict_type, so "
        "it does nothing here; set conflict_type (interstate, intrastate or extrastate)"
        for path, v in scales
        if v != 1.0 and path not in quiet
    ]
