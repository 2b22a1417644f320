"""The report of a finished sweep: design, figure, one row per point, provenance, as one HTML file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import SimError, UsageError
from ...io.atomic import atomic_write_text
from ..formats import value
from ..plots import figure_bytes
from ..sweep_manifest import MANIFEST, is_sweep_folder
from ..sweep_table import load_sweep
from .page import esc, figure, lede, page, pct, provenance

__all__ = ["render_sweep_report", "write_sweep_report"]

MAX_LISTED_VALUES = 12  # a varied path's grid values listed in full up to this many


def _sweep_description(manifest: Mapping[str, Any]) -> str | None:
    """The scenario's description, read back from the sweep's scenario file when that file
    (with the sweep's overrides) still resolves to the scenario the sweep ran; else None."""
    from ...model.scenario.loader import load_tree, scenario_sha256, validate_loaded

    file = manifest.get("scenario_file")
    if not file or not Path(str(file)).is_file():
        return None
    try:
        tree, marks = load_tree(str(file), list(manifest.get("overrides") or []))
        s = validate_loaded(tree, marks)
    except (SimError, OSError, ValueError):
        return None
    if scenario_sha256(s) != manifest.get("scenario_sha256"):
        return None
    return str(s.description or "")


def _sweep_png(res: Any, folder: Path) -> bytes:
    """figures/sweep.png of the folder, or the same figure drawn again from sweep.parquet."""
    png = folder / "figures" / "sweep.png"
    if png.is_file():
        return png.read_bytes()
    return figure_bytes(res.plot().figure, "png")


def _val(x: Any) -> str:
    """A varied value, short but exact enough to tell grid points apart."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return esc(x)
    return value(f, sig=4)


def _interval(row: Mapping[str, Any], key: str) -> str:
    def get(k: str) -> float | None:
        v = row.get(k)
        return None if v is None or not np.isfinite(float(v)) else float(v)

    return (
        f"<td>{pct(get(key))}</td>"
        f"<td>{pct(get(f'{key}_ci_low'))} – {pct(get(f'{key}_ci_high'))}</td>"
    )


def _label(m: Mapping[str, Any], path: Any) -> Any:
    """A varied path's name for people (the manifest's label), else the path itself."""
    return (m.get("labels") or {}).get(path, path)


def _spec(v: Mapping[str, Any], design: str) -> str:
    """How a varied path was given: "values" (listed), "steps" (a grid range) or "range"."""
    if v.get("values") is not None:
        return "values"
    return "steps" if v.get("steps") is not None and design == "grid" else "range"


def _intro(m: Mapping[str, Any], n_points: int, description: str | None) -> list[str]:
    """The title, the scenario's description (or why it is missing) and the sweep in a line."""
    out: list[str] = [f"<h1>{esc(m.get('scenario') or 'scenario')}</h1>"]
    if description is None:
        out.append(
            '<p class="absent">The scenario description is not shown: the scenario file '
            "the sweep ran is missing or has changed since.</p>"
        )
    else:
        out += lede(description)
    seeds = (
        "each point on its own seed"
        if m.get("independent")
        else "every point on the same seed (common random numbers)"
    )
    each = (
        f"each grown until its P(ceasefire) was within ±{100 * m['precision']:.2f} pts"
        if m.get("precision") is not None
        else f"{esc(m.get('replicates'))} simulated futures at each"
    )
    out.append(f"<p>A parameter sweep: {n_points:,} points, {each}, {seeds}.</p>")
    return out


def _design_row(m: Mapping[str, Any], v: Mapping[str, Any], design: str) -> str:
    """One varied path of the design table: its name, range and values."""
    kind = _spec(v, design)
    if kind == "values":
        grid = [float(x) for x in v["values"]]
    elif kind == "steps":
        grid = [float(x) for x in np.linspace(v["lo"], v["hi"], int(v["steps"]))]
    else:
        grid = []
    shown = [_val(x) for x in grid]
    if len(shown) > MAX_LISTED_VALUES:
        shown = [*shown[:3], "…", shown[-1]]
    values = ", ".join(shown) if grid else "sampled in this range"
    if design != "grid" and grid:
        values = f"sampled from {values}"
    return (
        f"<tr><td>{esc(_label(m, v.get('path')))}<br><small><code>{esc(v.get('path'))}</code>"
        f"</small></td><td>{_val(v.get('lo'))}</td>"
        f"<td>{_val(v.get('hi'))}</td><td>{values}</td></tr>"
    )


def _design(m: Mapping[str, Any]) -> list[str]:
    """The design in words, then one row per varied path."""
    design = str(m.get("design") or "grid")
    what = {
        "grid": "full grid (every combination of the values below)",
        "lhs": f"Latin hypercube of {esc(m.get('samples'))} samples",
        "sobol": f"scrambled Sobol sequence of {esc(m.get('samples'))} samples",
    }.get(design, esc(design))
    return [
        "<h2>Design</h2>",
        f"<p>Design: {what}.</p>",
        "<table><tr><th>Varied path</th><th>From</th><th>To</th><th>Values</th></tr>",
        *(_design_row(m, v, design) for v in m.get("vary") or []),
        "</table>",
    ]


def _figure(m: Mapping[str, Any], paths: list[str], png: bytes) -> list[str]:
    """The sweep's figure, with a caption that fits the number of varied paths."""
    names = [_label(m, p) for p in paths]
    if len(paths) == 1:
        cap = f"P(ceasefire by the horizon) against {names[0]}, with its 95% interval."
    elif len(paths) == 2:
        cap = f"P(ceasefire by the horizon) over {names[0]} and {names[1]}."
    else:
        cap = "P(ceasefire by the horizon) against each varied path, averaged over the others."
    return ["<h2>Figure</h2>", figure(png, cap)]


def _points(res: Any) -> list[str]:
    """One table row per point: its varied values, P(ceasefire), median days, P(in force)."""
    paths = res.paths
    out = [
        "<h2>Points</h2>",
        "<table><tr><th>Point</th>",
        *[f"<th>{esc(_label(res.manifest, p))}</th>" for p in paths],
        "<th>P(ceasefire)</th><th>95% CI</th><th>Median days</th>"
        "<th>P(in force at horizon)</th><th>95% CI</th></tr>",
    ]
    for row in res.table.to_dict("records"):
        med = row.get("median_days_to_ceasefire")
        med_s = "not reached" if med is None or not np.isfinite(med) else f"{med:.0f}"
        out.append(
            f"<tr><td>{esc(int(row['point']) if 'point' in row else '')}</td>"
            + "".join(f"<td>{_val(row.get(p))}</td>" for p in paths)
            + _interval(row, "p_ceasefire")
            + f"<td>{esc(med_s)}</td>"
            + _interval(row, "p_in_force_at_horizon")
            + "</tr>"
        )
    out.append("</table>")
    return out


def _command(m: Mapping[str, Any]) -> str:
    """The ``sim sweep`` command line that runs this sweep again."""
    design = str(m.get("design") or "grid")
    cmd = [f"sim sweep {m.get('scenario_file') or 'scenario.yaml'}"]
    for v in m.get("vary") or []:
        kind = _spec(v, design)
        if kind == "values":
            cmd.append(f"--vary {v['path']}={','.join(f'{x:g}' for x in v['values'])}")
        elif kind == "steps":
            cmd.append(f"--vary {v['path']}={v['lo']:g}:{v['hi']:g}:{v['steps']}")
        else:
            cmd.append(f"--vary {v['path']}={v['lo']:g}:{v['hi']:g}")
    if design != "grid":
        cmd.append(f"--design {design} --samples {m.get('samples')}")
    # the overrides hold every number applied (a calibration's first): nothing on top of them
    cmd += ["--calibration none", *(f"--set '{o}'" for o in m.get("overrides") or [])]
    if m.get("precision") is not None:
        cmd.append(
            f"-n auto --precision {m['precision']} --max-replicates {m.get('max_replicates')}"
        )
        cmd.append(f"--seed {m.get('seed')}")
    else:
        cmd.append(f"-n {m.get('replicates')} --seed {m.get('seed')}")
    if m.get("independent"):
        cmd.append("--independent")
    return " ".join(cmd)


def _provenance(res: Any) -> list[str]:
    """Versions, seed, sizes, scenario and overrides, and the command that reproduces it."""
    m = res.manifest
    versions = sorted({str(s.get("version")) for s in res.points if s.get("version")})
    overrides = list(m.get("overrides") or [])
    return [
        "<h2>Provenance</h2>",
        provenance(
            [
                ("sim version", esc(", ".join(versions) or "not recorded")),
                ("seed", esc(m.get("seed"))),
                ("replicates per point", esc(m.get("replicates"))),
                ("independent seeds", "yes" if m.get("independent") else "no"),
                ("scenario SHA-256", f"<code>{esc(m.get('scenario_sha256'))}</code>"),
                ("scenario file", f"<code>{esc(m.get('scenario_file'))}</code>"),
                ("overrides", " ".join(f"<code>{esc(o)}</code>" for o in overrides) or "none"),
            ]
        ),
        f"<footer>Reproduce with <code>{esc(_command(m))}</code> and sim "
        f"{esc(', '.join(versions) or '(version not recorded)')}.</footer>",
    ]


def render_sweep_report(res: Any, png: bytes, description: str | None = None) -> str:
    """The report of a finished sweep (``sim.sweep.SweepResults``) as one HTML string."""
    m = res.manifest
    out = [
        *_intro(m, len(res.table), description),
        *_design(m),
        *_figure(m, res.paths, png),
        *_points(res),
        *_provenance(res),
    ]
    return page(f"{m.get('scenario') or 'scenario'} — ceasefire simulation sweep report", out)


def write_sweep_report(folder: str | Path) -> Path:
    """(Re)write ``folder/report.html`` from the finished sweep in ``folder``, atomically."""

    folder = Path(folder)
    if not is_sweep_folder(folder):
        raise UsageError(
            f"{str(folder)!r} is not a sweep folder (no sweep {MANIFEST}); "
            "make one with 'sim sweep'"
        )
    if not (folder / "sweep.parquet").is_file():
        raise UsageError(
            f"{str(folder)!r} is an unfinished sweep (no sweep.parquet); finish it with "
            f"'sim sweep --resume {folder}'"
        )
    res = load_sweep(folder)
    text = render_sweep_report(res, _sweep_png(res, folder), _sweep_description(res.manifest))
    return atomic_write_text(folder / "report.html", text)
