"""The fit of a calibration from its score table: the point with the lowest summed log score, leave-one-case-out, mean scores next to the base rates.

Everything here works on plain data (the manifest and the hindcast rows of each (point,
case) cell), so the report and the figures can be rebuilt from ``calibration.json``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...output.stats import wilson
from .design import point_overrides

__all__ = [
    "COMPARATORS",
    "LEVELS",
    "best_point",
    "fit_data",
    "log_matrix",
    "loo_points",
    "mean_scores",
]

LEVELS = ("0.5", "0.8", "0.95")
COMPARATORS = ("base", "lognormal")  # the base rates of sim.hindcast, the same at every point
FLAT = 1e-9  # summed log scores closer than this are the same
NEAR = 0.01  # nats a case: points whose mean log score is this close to the best's


def log_matrix(manifest: dict[str, Any], rows: dict[tuple[int, int], Any]) -> np.ndarray:
    """The model's log score, points x cases."""
    n_p, n_c = len(manifest["points"]), len(manifest["cases"])
    return np.array([[rows[i, j]["model"]["log"] for j in range(n_c)] for i in range(n_p)])


def best_point(m: np.ndarray) -> int:
    """The point with the lowest log score summed over the cases (the first of equals)."""
    return int(np.argmin(m.sum(axis=1)))


def loo_points(m: np.ndarray) -> list[int]:
    """For each case c, the best point on the sum over the other cases."""
    return [best_point(np.delete(m, j, axis=1)) for j in range(m.shape[1])]


def case_scores(row: dict[str, Any], f: str = "model") -> dict[str, Any]:
    """The scores of one forecaster on one case: p, Brier, log, CRPS (days), PIT, covered."""
    s = row[f]
    keys = ("p", "brier", "log", "crps_days", "pit")
    out: dict[str, Any] = {k.replace("_days", ""): float(s[k]) for k in keys}
    out["covered"] = {lv: bool(s["covered"][lv]) for lv in LEVELS}
    return out


def mean_scores(scored: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean Brier, log, CRPS and PIT over cases, and per level the cases covered with the
    share's Wilson 95% interval."""
    out: dict[str, Any] = {
        k: float(np.mean([s[k] for s in scored])) for k in ("brier", "log", "crps", "pit")
    }
    cov = {}
    for lv in LEVELS:
        k, n = sum(s["covered"][lv] for s in scored), len(scored)
        share, low, high = wilson(k, n)
        cov[lv] = {"covered": k, "cases": n, "share": share, "low": low, "high": high}
    out["coverage"] = cov
    return out


def _surface(manifest: dict[str, Any], rows: dict[tuple[int, int], Any]) -> list[dict[str, Any]]:
    """Per point: its values and the mean (and summed) scores of the model over the cases."""
    n_c = len(manifest["cases"])
    out = []
    for i, values in enumerate(manifest["points"]):
        scored = [case_scores(rows[i, j]) for j in range(n_c)]
        means = {
            f"mean_{k}": float(np.mean([s[k] for s in scored])) for k in ("brier", "log", "crps")
        }
        out.append({"point": i, "values": values, "sum_log": means["mean_log"] * n_c, **means})
    return out


def _loo_rows(
    manifest: dict[str, Any], rows: dict[tuple[int, int], Any], best: int, loo: list[int]
) -> list[dict[str, Any]]:
    """Per case: the point fitted without it and that point's scores on it, the in-sample
    point's and the base rates' scores."""
    out = []
    for j, case in enumerate(manifest["cases"]):
        i = loo[j]
        row = rows[i, j]
        out.append(
            {
                "case": case["key"],
                "name": row["name"],
                "outcome": row["outcome"],
                "point": i,
                "values": manifest["points"][i],
                **case_scores(row),
                "in_sample": case_scores(rows[best, j]),
                **{f: case_scores(row, f) for f in COMPARATORS},
            }
        )
    return out


def _warnings(manifest: dict[str, Any], m: np.ndarray, best: int) -> list[str]:
    """What the fit cannot tell: a flat surface, a fit at the edge of a range."""
    sums = m.sum(axis=1)
    paths = [p["path"] for p in manifest["params"]]
    if len(sums) > 1 and float(np.ptp(sums)) < FLAT:
        return [
            f"the summed log score is the same at every point: the forecasts of the first "
            f"ceasefire do not depend on {', '.join(paths)}, so the fit means nothing (it is "
            "the design's first point)"
        ]
    out = []
    near = [i for i, s in enumerate(sums) if (s - sums[best]) / m.shape[1] < NEAR]
    for prm in manifest["params"]:  # an end of the design's range (a grid's first or last value)
        path, v = prm["path"], manifest["points"][best][prm["path"]]
        ends = {float(f"{prm.get(k, math.nan):.12g}"): k for k in ("lo", "hi")}
        if v in ends and len(near) == 1:
            end = "low" if ends[v] == "lo" else "high"
            out.append(f"the fit lies at the {end} end of the range of {path} ({v:g}): widen it")
    if len(near) > 1:
        pts = "; ".join(
            ", ".join(f"{k}={v:g}" for k, v in manifest["points"][i].items()) for i in near
        )
        out.append(
            f"{len(near)} points score within {NEAR} nats a case of the best ({pts}): the cases "
            "hardly tell them apart, so the fit among them is weak"
        )
    return out


def fit_data(manifest: dict[str, Any], rows: dict[tuple[int, int], Any]) -> dict[str, Any]:
    """The fit, LOO and the comparisons, as written to calibration.json."""
    m = log_matrix(manifest, rows)
    best, loo = best_point(m), loo_points(m)
    n_c = len(manifest["cases"])
    values = manifest["points"][best]
    loo_rows = _loo_rows(manifest, rows, best, loo)
    summary = {
        "in_sample": mean_scores([case_scores(rows[best, j]) for j in range(n_c)]),
        "loo": mean_scores(loo_rows),
        **{f: mean_scores([case_scores(rows[0, j], f) for j in range(n_c)]) for f in COMPARATORS},
    }
    return {
        "objective": "the model's hindcast log score summed over the cases (lower is better)",
        "best": {
            "point": best,
            "values": values,
            "set": point_overrides(values, manifest.get("fixed") or ()),
            "sum_log": float(m[best].sum()),
        },
        "summary": summary,
        "loo": loo_rows,
        "surface": _surface(manifest, rows),
        "warnings": _warnings(manifest, m, best),
    }
