"""The HTML page of a sensitivity folder: plan, warnings, the indices (labelled), figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...io.atomic import atomic_write_text
from ...io.limits import MAX_POINTS, MAX_REPLICATES
from ...io.readback import NUMBER, Items, Null, OneOf, Opt, Values, Whole, read_json
from ..plots.sensitivity import OUTPUT_NAMES
from .page import esc, figure, num, page, pct, provenance

__all__ = ["SENSITIVITY_SHAPE", "render_sensitivity_report", "write_sensitivity_report"]

# What the page reads from sensitivity.json (sim/readback.py checks it).
SENSITIVITY_SHAPE = {
    "method": OneOf(("sobol", "morris")),
    "scenario": Opt(str),
    "samples": Opt(int),
    "points": Whole(0, MAX_POINTS),
    "replicates_per_point": Whole(1, MAX_REPLICATES),
    "seed": Whole(0, 2**63 - 1),
    "wall_seconds": Opt(NUMBER),
    "inputs": Items({"path": str, "label": Opt(str)}),
    "variance": Values(
        {"total": Null(NUMBER), "chance": Null(NUMBER), "chance_share": Null(NUMBER)}
    ),
    "warnings": Opt(Items(str)),
    "indices": Items({"output": str, "param": str}),
}


def render_sensitivity_report(data: dict[str, Any], pngs: dict[str, bytes]) -> str:
    sobol = data["method"] == "sobol"
    name = data.get("scenario") or "scenario"
    out = [
        f"<h1>{esc(name)}: what drives the forecast</h1>",
        f"<p>{'Sobol' if sobol else 'Morris'} sensitivity analysis over {len(data['inputs'])} "
        f"uncertain inputs: {data['points']:,} points, each run with "
        f"{data['replicates_per_point']:,} replicates and its inputs fixed, on seed "
        f"{esc(data['seed'])}. "
        + (
            "<em>Total effect</em> (ST) is the share of the output's variance an input "
            "accounts for with all its interactions; <em>first order</em> (S1) alone."
            if sobol
            else "μ* is the mean absolute change of the output over one-at-a-time "
            "steps of the input; σ its spread (interactions, non-linearity)."
        )
        + "</p>",
    ]
    out += [
        f'<p class="absent"><strong>Warning:</strong> {esc(w)}</p>'
        for w in data.get("warnings") or []
    ]
    for o in data["variance"]:
        out += _output_section(data, o, pngs)
    out += [
        "<h2>Provenance</h2>",
        provenance(
            [
                ("method", esc(data["method"])),
                ("samples (SALib N)", esc(data.get("samples"))),
                ("points", f"{data['points']:,}"),
                ("replicates per point", f"{data['replicates_per_point']:,}"),
                ("seed", esc(data["seed"])),
                ("wall time", f"{num(data.get('wall_seconds'))} s"),
            ]
        ),
    ]
    return page(f"{name} — sensitivity analysis", out)


def _output_section(data: dict[str, Any], o: str, pngs: dict[str, bytes]) -> list[str]:
    """One output: its variance, figure and indices, or that it does not vary (its indices
    are then undefined and not shown)."""
    sobol = data["method"] == "sobol"
    labels = {i["path"]: i.get("label") or i["path"] for i in data["inputs"]}
    what, v = OUTPUT_NAMES.get(o, o), data["variance"][o]
    out = [f"<h2>{esc(what.capitalize())}</h2>"]
    still = data.get("constant_outputs") or {}
    if o in still:
        return [
            *out,
            f"<p>{esc(num(still[o]))} at every point: it does not vary, so its indices are "
            "undefined (there is no variance to share among the inputs).</p>",
        ]
    out.append(
        f"<p>Variance across points {num(v['total'])}, of which chance (run-to-run noise) "
        f"{num(v['chance'])} ({pct(v['chance_share'])}).</p>"
    )
    if f"sensitivity_{o}" in pngs:
        out.append(
            figure(pngs[f"sensitivity_{o}"], f"The inputs that drive {what}, largest first.")
        )
    cols = ("ST", "ST_conf", "S1", "S1_conf") if sobol else ("mu_star", "mu_star_conf", "sigma")
    heads = ("Total", "±", "First order", "±") if sobol else ("μ*", "±", "σ")
    out.append("<table><tr><th>Input</th>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>")
    for row in (r for r in data["indices"] if r["output"] == o):
        out.append(
            f"<tr><td>{esc(labels.get(row['param'], row['param']))}<br><small><code>"
            f"{esc(row['param'])}</code></small></td>"
            + "".join(f"<td>{num(row.get(c))}</td>" for c in cols)
            + "</tr>"
        )
    out.append("</table>")
    return out


def write_sensitivity_report(folder: str | os.PathLike[str]) -> Path:
    f = Path(folder)
    data = read_json(f, "sensitivity.json", SENSITIVITY_SHAPE)
    pngs = {p.stem: p.read_bytes() for p in (f / "figures").glob("sensitivity_*.png")}
    return atomic_write_text(f / "report.html", render_sensitivity_report(data, pngs))
