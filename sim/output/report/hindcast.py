"""The report of a hindcast: scores of every case against the record and two base rates, figures, one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...io.atomic import atomic_write_text
from ...io.readback import NUMBER, Items, Null, Opt, Values, read_json
from ..formats import ess
from ..headline import structural
from .page import esc, figure, num, page, pct, provenance, scores
from .skill import skill_section

__all__ = [
    "FEW_FUTURES",
    "HINDCAST_SHAPE",
    "few_futures",
    "few_futures_text",
    "is_hindcast_folder",
    "render_hindcast_report",
    "rerun_text",
    "write_hindcast_report",
]

FILE = "hindcast.json"
# A forecast conditioned at the snapshot on fewer effective futures than this is flagged: its
# P rests on a handful of pasts (its Monte Carlo error is about sqrt(p (1 - p) / ess)).
FEW_FUTURES = 100
NAMES = {  # forecaster key -> human name
    "model": "sim",
    "base": "constant hazard (CoW median)",
    "lognormal": "lognormal by war age (CoW)",
}
LEVELS = ("0.5", "0.8", "0.95")
CAPTIONS = {
    "calibration": "Forecast probability of a ceasefire by the horizon against what happened, "
    "per case, for sim and both base rates.",
    "reliability": "Left: cases binned by forecast probability, the share with a ceasefire by "
    "the horizon (Wilson 95% bars) against the mean forecast, with the number of cases per bin. "
    "Right: the mid-PIT of the realised day (evenly spread if calibrated).",
    "cases": "Each case: the forecast curve, both base rates and the day a ceasefire was in force.",
}


_FORECAST = {
    "p": NUMBER,
    "brier": Null(NUMBER),
    "log": Null(NUMBER),
    "crps_days": Null(NUMBER),
    "pit": Null(NUMBER),
}
_CASE = {
    "name": str,
    "snapshot": str,
    "horizon": str,
    "outcome": str,
    "file": Opt(str),
    "war_began": Opt(str),
    "war_age_days": Opt(int),
    "covered": {"0.5": bool, "0.8": bool, "0.95": bool},
    "known_at_snapshot": Opt({"observations": int, "ess": Opt(NUMBER)}),
    "model": _FORECAST,
    "base": _FORECAST,
    "lognormal": Opt(_FORECAST),
}
# What the page reads from hindcast.json (sim/readback.py checks it).
HINDCAST_SHAPE = {
    "meta": {
        "base_rate": {"median_days": NUMBER},
        "lognormal": Opt({"median_days": NUMBER, "mean_days": NUMBER}),
    },
    "cases": Items(_CASE, at_least=1),
    "totals": Values(Null(NUMBER)),
    "coverage": Opt(
        Values(Values({"covered": int, "cases": int, "low": Null(NUMBER), "high": Null(NUMBER)}))
    ),
}


def is_hindcast_folder(folder: str | Path) -> bool:
    return (Path(folder) / FILE).is_file()


def _present(cases: list[dict[str, Any]]) -> list[str]:
    """The forecasters every case was scored for (older hindcasts have no lognormal)."""
    return [f for f in NAMES if cases and all(f in c for c in cases)]


def _summary(data: dict[str, Any], fs: list[str]) -> list[str]:
    """Mean scores per forecaster and the interval coverage with its Wilson 95% interval."""
    totals, cov = data["totals"], data.get("coverage", {})
    out = [
        "<h2>Mean scores</h2>",
        "<table><tr><th>forecaster</th><th>Brier</th><th>log</th><th>CRPS (days)</th>"
        "<th>mean PIT</th>"
        + "".join(f"<th>in central {pct(float(lv), 0)}</th>" for lv in LEVELS)
        + "</tr>",
    ]
    for f in fs:
        cells = scores({k: totals.get(f"{k}_{f}") for k in ("brier", "log", "crps", "pit")})
        for lv in LEVELS:
            b = cov.get(f, {}).get(lv)
            cells.append(
                "—"
                if b is None
                else f"{b['covered']}/{b['cases']} ({pct(b['low'], 0)}–{pct(b['high'], 0)})"
            )
        row = "".join(f"<td>{x}</td>" for x in cells)
        out.append(f"<tr><td>{esc(NAMES[f])}</td>{row}</tr>")
    out.append("</table>")
    out.append(
        '<p class="lede">Lower Brier, log and CRPS are better. A calibrated forecaster\'s mean '
        "PIT is about 0.5 and its realised days fall in the central 50/80/95% intervals about "
        "50/80/95% of the time; in brackets the Wilson 95% interval of that share over the "
        "cases.</p>"
    )
    return out


def _case_rows(cases: list[dict[str, Any]], fs: list[str]) -> list[str]:
    """One row per case; each score cell lists the forecasters in the header's order."""
    order = " / ".join(NAMES[f].split(" (")[0] for f in fs)
    out = [
        f"<h2>Scores per case</h2><p>Each score cell reads {esc(order)}.</p>",
        "<table><tr><th>case</th><th>snapshot</th><th>war's age (days)</th><th>horizon</th>"
        "<th>what happened</th><th>P</th><th>Brier</th><th>log</th><th>CRPS (days)</th>"
        "<th>PIT</th><th>sim in 50 / 80 / 95%</th><th>known at the snapshot</th></tr>",
    ]
    for c in cases:
        cov = " / ".join("yes" if c["covered"][k] else "no" for k in LEVELS)
        known = c.get("known_at_snapshot") or {"observations": 0, "ess": None}
        known_txt = (
            "nothing"
            if not known["observations"]
            else f"{known['observations']} observations (effective sample {ess(known['ess'])})"
        )
        if known.get("grown_from"):
            known_txt += f"; rerun with more replicates than the {known['grown_from']:,} asked"
        if known.get("contradicted"):
            known_txt = "the model contradicts the snapshot-day record: scored unconditioned"
        age = (
            f"{c.get('war_age_days', 0)} (since {c['war_began']})"
            if c.get("war_began")
            else "0 (war_began not given)"
        )
        p = " / ".join(pct(c[f]["p"]) for f in fs)
        per = [scores(c[f], ("brier", "log", "crps_days", "pit")) for f in fs]
        sc = [" / ".join(col) for col in zip(*per, strict=True)]
        out.append(
            f"<tr><td>{esc(c['name'])}</td><td>{esc(c['snapshot'])}</td><td>{esc(age)}</td>"
            f"<td>{esc(c['horizon'])}</td><td>{esc(c['outcome'])}</td><td>{p}</td>"
            + "".join(f"<td>{x}</td>" for x in sc)
            + f"<td>{esc(cov)}</td><td>{esc(known_txt)}</td></tr>"
        )
    out.append("</table>")
    return out


def few_futures(cases: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """(name, effective sample) of the cases whose snapshot-day record leaves fewer than
    FEW_FUTURES effective futures: their forecasts are noisy (run more replicates)."""
    out = []
    for c in cases:
        e = (c.get("known_at_snapshot") or {}).get("ess")
        if e is not None and e < FEW_FUTURES:
            out.append((str(c["name"]), float(e)))
    return out


def few_futures_text(cases: list[dict[str, Any]]) -> str:
    """One sentence naming the cases few_futures finds, or "" if none."""
    few = few_futures(cases)
    if not few:
        return ""
    names = "; ".join(f"{n.removesuffix(' (hindcast)')} ({ess(e)})" for n, e in few)
    return (
        f"Forecasts resting on few futures (the snapshot-day record leaves an effective sample "
        f"under {FEW_FUTURES}, even where the case was rerun larger, so P is noisy: run more "
        f"replicates): {names}."
    )


def rerun_text(cases: list[dict[str, Any]]) -> str:
    """One sentence naming the cases rerun with more replicates than asked (their snapshot-day
    record left too few effective futures), or "" if none."""
    grown = [
        f"{str(c['name']).removesuffix(' (hindcast)')} ({c['replicates']:,} replicates)"
        for c in cases
        if (c.get("known_at_snapshot") or {}).get("grown_from")
    ]
    if not grown:
        return ""
    return (
        "Rerun with more replicates (the snapshot-day record left fewer than "
        f"{FEW_FUTURES} effective futures): {'; '.join(grown)}."
    )


def render_hindcast_report(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    cases, meta = data["cases"], data["meta"]
    fs = _present(cases)
    base = f"a constant hazard with a median of {num(meta['base_rate']['median_days'])} days"
    logn = meta.get("lognormal")
    if logn:
        base += (
            f", and a lognormal of war duration (median {num(logn['median_days'])} days, mean "
            f"{num(logn['mean_days'])}) conditioned on the war's age at the snapshot"
        )
    how = {"resample-move": "resample-move", "weighting": "weighting one run"}.get(
        str(meta.get("conditioning")), "weighting one run"
    )  # folders written before hindcasts resampled by default weighed one run
    body = [
        "<h1>Hindcast: forecasts scored against the record</h1>",
        '<p class="lede">Each case is run from its snapshot without knowing what came after '
        "(conditioned only on what was on the record that day, by "
        f"{esc(how)}); its forecast is scored against what happened, next to base-rate "
        f"forecasts: {esc(base)}.</p>",
        *_summary(data, fs),
        *skill_section(cases, fs, NAMES, "Is sim better than the base rates?"),
        *_case_rows(cases, fs),
    ]
    if grown := rerun_text(cases):
        body.append(f"<p>{esc(grown)}</p>")
    if warn := few_futures_text(cases):
        body.append(f'<p class="absent">{esc(warn)}</p>')
    body += [figure(pngs[k], CAPTIONS[k]) for k in CAPTIONS if k in pngs]
    body.append("<h2>Provenance</h2>")
    body.append(
        provenance(
            [
                ("sim version", esc(meta.get("version"))),
                ("replicates per case", esc(meta.get("replicates"))),
                ("seed", esc(meta.get("seed"))),
                ("structural numbers", esc(structural(meta.get("calibration")))),
                ("conditioned at the snapshot by", esc(how)),
                ("PIT", esc(meta.get("pit", "—"))),
                ("created (UTC)", esc(meta.get("created_utc"))),
                ("case files", "<br>".join(esc(c.get("file")) for c in cases)),
            ]
        )
    )
    return page("Hindcast", body)


def write_hindcast_report(folder: str | Path, pngs: dict[str, bytes] | None = None) -> Path:
    folder = Path(folder)
    if not is_hindcast_folder(folder):
        raise UsageError(
            f"{str(folder)!r} is not a hindcast folder (no {FILE}); make one with 'sim hindcast'"
        )
    data = read_json(folder, FILE, HINDCAST_SHAPE)
    if pngs is None:
        pngs = {
            name: (folder / "figures" / f"{name}.png").read_bytes()
            for name in CAPTIONS
            if (folder / "figures" / f"{name}.png").is_file()
        }
    return atomic_write_text(folder / "report.html", render_hindcast_report(data, pngs))
