"""The report of a hindcast: scores of every case against the record and the base rate, figures, one HTML page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..errors import UsageError
from .page import esc, figure, num, page, pct, provenance

__all__ = ["is_hindcast_folder", "render_hindcast_report", "write_hindcast_report"]

FILE = "hindcast.json"


def is_hindcast_folder(folder: str | Path) -> bool:
    return (Path(folder) / FILE).is_file()


def render_hindcast_report(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    cases, totals, meta = data["cases"], data["totals"], data["meta"]
    body = [
        "<h1>Hindcast: forecasts scored against the record</h1>",
        '<p class="lede">Each case is run from its snapshot without knowing what came after '
        "(conditioned only on what was on the record that day); its forecast is scored against what happened, next to a base-rate forecast (a constant "
        f"hazard with a median of {num(meta['base_rate']['median_days'])} days). Lower Brier, "
        "log and CRPS scores are better.</p>",
        "<h2>Scores</h2>",
        "<table><tr><th>case</th><th>snapshot</th><th>horizon</th><th>what happened</th>"
        "<th>P sim</th><th>P base</th><th>Brier sim</th><th>Brier base</th><th>log sim</th>"
        "<th>log base</th><th>CRPS sim (days)</th><th>CRPS base (days)</th>"
        "<th>in 50 / 80 / 95%</th><th>known at the snapshot</th></tr>",
    ]
    for c in cases:
        cov = " / ".join("yes" if c["covered"][k] else "no" for k in ("0.5", "0.8", "0.95"))
        known = c.get("known_at_snapshot") or {"observations": 0, "ess": None}
        known_txt = (
            "nothing"
            if not known["observations"]
            else f"{known['observations']} observations (effective sample {num(known['ess'])})"
        )
        body.append(
            f"<tr><td>{esc(c['name'])}</td><td>{esc(c['snapshot'])}</td><td>{esc(c['horizon'])}</td>"
            f"<td>{esc(c['outcome'])}</td><td>{pct(c['model']['p'])}</td><td>{pct(c['base']['p'])}</td>"
            f"<td>{num(c['model']['brier'])}</td><td>{num(c['base']['brier'])}</td>"
            f"<td>{num(c['model']['log'])}</td><td>{num(c['base']['log'])}</td>"
            f"<td>{num(c['model']['crps_days'])}</td><td>{num(c['base']['crps_days'])}</td>"
            f"<td>{esc(cov)}</td><td>{esc(known_txt)}</td></tr>"
        )
    body.append(
        f"<tr><th>mean</th><th></th><th></th><th></th><th></th><th></th>"
        f"<th>{num(totals['brier_model'])}</th><th>{num(totals['brier_base'])}</th>"
        f"<th>{num(totals['log_model'])}</th><th>{num(totals['log_base'])}</th>"
        f"<th>{num(totals['crps_model'])}</th><th>{num(totals['crps_base'])}</th>"
        f"<th>{pct(totals['in_50'], 0)} / {pct(totals['in_80'], 0)} / {pct(totals['in_95'], 0)}</th>"
        "<th></th></tr></table>"
    )
    if "calibration" in pngs:
        body.append(
            figure(pngs["calibration"], "Forecast probability against what happened, per case.")
        )
    if "cases" in pngs:
        body.append(
            figure(
                pngs["cases"],
                "Each case: the forecast curve, the base rate and the day a ceasefire was in force.",
            )
        )
    body.append("<h2>Provenance</h2>")
    body.append(
        provenance(
            [
                ("sim version", esc(meta.get("version"))),
                ("replicates per case", esc(meta.get("replicates"))),
                ("seed", esc(meta.get("seed"))),
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
    data = json.loads((folder / FILE).read_text(encoding="utf-8"))
    if pngs is None:
        pngs = {
            name: (folder / "figures" / f"{name}.png").read_bytes()
            for name in ("calibration", "cases")
            if (folder / "figures" / f"{name}.png").is_file()
        }
    return atomic_write_text(folder / "report.html", render_hindcast_report(data, pngs))
