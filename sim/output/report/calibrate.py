"""The report of a calibration: the fitted numbers, in-sample and leave-one-case-out scores next to the base rates, the score surface, one HTML page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...io.atomic import atomic_write_text
from ...io.readback import check_sealed
from ..skill import loo_cases
from .page import esc, figure, page, pct, provenance, row, scores
from .skill import skill_section

__all__ = ["is_calibrate_folder", "render_calibrate_report", "write_calibrate_report"]

FILE = "calibration.json"
LEVELS = ("0.5", "0.8", "0.95")
NAMES = {
    "in_sample": "sim at the fitted point (in-sample)",
    "loo": "sim, leave-one-case-out",
    "base": "constant hazard (CoW median)",
    "lognormal": "lognormal by war age (CoW)",
}
CAPTIONS = {
    "surface": "The model's mean log score over the cases at each point of the design (lower "
    "is better), the fitted point marked, next to the base rates' mean log scores (which do "
    "not depend on the point).",
    "loo": "Each case's log score at the point fitted without it (leave-one-case-out), at the "
    "point fitted on every case, and of both base rates.",
}


def is_calibrate_folder(folder: str | Path) -> bool:
    return (Path(folder) / FILE).is_file()


def _fitted(data: dict[str, Any]) -> list[str]:
    m, best = data["manifest"], data["best"]
    labels = m.get("labels") or {}
    out = [
        "<h2>Fitted values</h2>",
        "<table><tr><th>number</th><th>path</th><th>design range</th><th>fitted</th>"
        "<th>fitted without each case (LOO)</th></tr>",
    ]
    for p in m["params"]:
        path = p["path"]
        vals = sorted({r["values"][path] for r in data["loo"]})
        rng = (
            ", ".join(f"{v:g}" for v in p["values"])
            if p.get("values")
            else f"{p['lo']:g} to {p['hi']:g}"
        )
        loo = f"{vals[0]:g}" if len(vals) == 1 else f"{vals[0]:g} to {vals[-1]:g}"
        out.append(
            f"<tr><td>{esc(labels.get(path, path))}</td><td><code>{esc(path)}</code></td>"
            f"<td>{esc(rng)}</td><td><b>{esc(format(best['values'][path], 'g'))}</b></td>"
            f"<td>{esc(loo)}</td></tr>"
        )
    out.append("</table>")
    sets = " ".join(f"--set {esc(s)}" for s in best["set"])
    out.append(
        f'<p class="lede">As overrides: <code>{sets}</code>; apply them with '
        "<code>sim run SCENARIO --calibration calibration.yaml</code> or "
        "<code>sim hindcast CASES --calibration calibration.yaml</code>.</p>"
    )
    out += [f'<p class="absent">Warning: {esc(w)}</p>' for w in data.get("warnings", [])]
    return out


def _summary(data: dict[str, Any]) -> list[str]:
    out = [
        "<h2>Scores: in-sample, leave-one-case-out and the base rates</h2>",
        "<table><tr><th>forecaster</th><th>Brier</th><th>log</th><th>CRPS (days)</th>"
        "<th>mean PIT</th>"
        + "".join(f"<th>in central {pct(float(lv), 0)}</th>" for lv in LEVELS)
        + "</tr>",
    ]
    for key, s in data["summary"].items():
        cells = scores(s)
        for lv in LEVELS:
            b = s["coverage"][lv]
            cells.append(f"{b['covered']}/{b['cases']} ({pct(b['low'], 0)}–{pct(b['high'], 0)})")
        row = "".join(f"<td>{x}</td>" for x in cells)
        out.append(f"<tr><td>{esc(NAMES.get(key, key))}</td>{row}</tr>")
    out.append("</table>")
    out.append(
        '<p class="lede">Means over the cases; lower Brier, log and CRPS are better. The '
        "in-sample row scores every case at the point fitted on all of them, so it flatters "
        "the model; the leave-one-case-out row scores each case at the point fitted on the "
        "others, the honest estimate of how the fitted numbers forecast a new case. Coverage: "
        "cases whose realised day fell in the central interval, with the Wilson 95% interval "
        "of the share.</p>"
    )
    return out


def _loo_rows(data: dict[str, Any]) -> list[str]:
    paths = [p["path"] for p in data["manifest"]["params"]]
    out = [
        "<h2>Leave-one-case-out, per case</h2>",
        "<table><tr><th>case</th><th>what happened</th><th>fitted without it</th><th>P</th>"
        "<th>Brier</th><th>log</th><th>CRPS (days)</th><th>in 50 / 80 / 95%</th>"
        "<th>log in-sample</th><th>log constant hazard</th><th>log lognormal</th></tr>",
    ]
    for r in data["loo"]:
        vals = ", ".join(f"{p} = {r['values'][p]:g}" for p in paths)
        cov = " / ".join("yes" if r["covered"][lv] else "no" for lv in LEVELS)
        cells = [pct(r["p"]), *scores(r, ("brier", "log", "crps")), esc(cov)]
        cells += [scores(r[k], ("log",))[0] for k in ("in_sample", "base", "lognormal")]
        out.append(row(esc(r["name"]), esc(r["outcome"]), esc(vals), *cells))
    out.append("</table>")
    return out


def render_calibrate_report(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    m = data["manifest"]
    design = (
        f"a grid of {len(m['points'])} points"
        if m["design"] == "grid"
        else (f"a Latin hypercube of {len(m['points'])} points")
    )
    body = [
        "<h1>Calibration: structural numbers fitted on the history library</h1>",
        '<p class="lede">Every case was run from its snapshot, conditioned only on what was on '
        f"the record that day, at every point of {esc(design)}, with the same "
        f"{esc(format(m['replicates'], ','))} replicates and seed at every point (common random "
        "numbers), and scored against what happened as <code>sim hindcast</code> scores it. "
        "The fitted point has the lowest log score summed over the cases.</p>",
        *_fitted(data),
        *_summary(data),
        *skill_section(
            loo_cases(data["loo"]),
            ["model", "base", "lognormal"],
            {**NAMES, "model": "sim, leave-one-case-out"},
            "Leave-one-case-out against the base rates, paired over the cases",
        ),
    ]
    if "surface" in pngs:
        body.append(figure(pngs["surface"], CAPTIONS["surface"]))
    body += _loo_rows(data)
    if "loo" in pngs:
        body.append(figure(pngs["loo"], CAPTIONS["loo"]))
    body.append("<h2>Provenance</h2>")
    rows = [
        ("sim version", esc(m.get("version"))),
        ("design", esc(f"{m['design']}, {len(m['points'])} points")),
        ("replicates per case run", esc(m.get("replicates"))),
        ("seed (every point and case)", esc(m.get("seed"))),
        ("objective", esc(data.get("objective"))),
        ("case files", "<br>".join(esc(c.get("file")) for c in m["cases"])),
    ]
    body.append(provenance(rows))
    return page("Calibration", body)


def write_calibrate_report(folder: str | Path, pngs: dict[str, bytes] | None = None) -> Path:
    folder = Path(folder)
    if not is_calibrate_folder(folder):
        raise UsageError(
            f"{str(folder)!r} is not a finished calibration folder (no {FILE}); make one with "
            "'sim calibrate'"
        )
    data = json.loads((folder / FILE).read_text(encoding="utf-8"))
    check_sealed(folder, FILE)  # the file the calibration wrote, not an edited or copied one
    if pngs is None:
        pngs = {
            name: (folder / "figures" / f"{name}.png").read_bytes()
            for name in CAPTIONS
            if (folder / "figures" / f"{name}.png").is_file()
        }
    return atomic_write_text(folder / "report.html", render_calibrate_report(data, pngs))
