"""Is the model better than the base rates? Paired score differences and discrimination over a hindcast's cases.

Mean scores alone do not say whether a gap between two forecasters is more than the luck of
the cases. Both are scored on the same cases, so the comparison is paired:

* **Score differences.** For a score s (Brier, log, CRPS in days; lower is better) and
  forecasters a and b over n cases, d_c = s_a(c) - s_b(c); the mean difference is mean(d)
  and its standard error sd(d) / sqrt(n) (sd with n - 1). A negative difference favours a.
  The count of cases each scores better on is given beside it.
* **Discrimination.** The area under the ROC curve (AUC) of a forecaster's P(ceasefire by the
  horizon) against whether one came: the chance that a case with a ceasefire got a higher
  forecast than a case without one, ties counting one half (the Mann-Whitney statistic).
  0.5 is no better than chance; a forecaster that gives every case the same P (a constant
  hazard over one horizon) scores 0.5 exactly. Unlike the Brier and log scores it ignores
  calibration: it asks only whether the forecasts rank the cases right. Standard errors, and
  the standard error of the paired difference between two forecasters, are DeLong's (DeLong,
  DeLong & Clarke-Pearson 1988, "Comparing the areas under two or more correlated receiver
  operating characteristic curves", Biometrics 44: 837-845): with structural components
  V10_f(i) = mean_j psi(p_f(i), p_f(j)) over the cases j without a ceasefire for each case i
  with one, V01_f(j) likewise, S10 and S01 their covariance matrices across forecasters,
  Var(AUC_f - AUC_g) = (S10_ff + S10_gg - 2 S10_fg) / m + (S01_ff + S01_gg - 2 S01_fg) / n.

The cases of a library are not a random sample of wars, so a standard error here measures
how much the comparison would move with other cases like these, not more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "AGE_BANDS",
    "SCORES",
    "SHORT_NAMES",
    "by_age",
    "difference",
    "discrimination",
    "happened",
    "loo_cases",
    "paired",
    "skill",
    "skill_lines",
]

SCORES = {"brier": "brier", "log": "log", "crps": "crps_days"}  # name -> key in a forecast
SHORT_NAMES = {"model": "sim", "base": "constant hazard", "lognormal": "lognormal"}  # terminal
AGE_BANDS = ((0, 30, "under 30 days"), (30, 365, "30 to 364 days"), (365, None, "a year or more"))


def happened(case: dict[str, Any]) -> bool:
    """Whether a ceasefire came by the horizon in a hindcast case (its realised day, or for
    a case written without one, its outcome's words)."""
    if "realised_day" in case and "horizon_days" in case:
        real = case["realised_day"]
        return real is not None and real < case["horizon_days"]
    return not str(case["outcome"]).startswith("no ceasefire")


def loo_cases(loo: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A calibration's leave-one-case-out rows (sim's scores at the point fitted without the
    case, and the base rates', each with p, brier, log and crps) as hindcast cases, so that
    ``skill`` compares them."""

    def forecast(s: dict[str, Any]) -> dict[str, Any]:
        return {"p": s.get("p"), "brier": s["brier"], "log": s["log"], "crps_days": s["crps"]}

    return [
        {"outcome": r["outcome"], "model": forecast(r)}
        | {g: forecast(r[g]) for g in ("base", "lognormal")}
        for r in loo
    ]


def paired(a: Sequence[float | None], b: Sequence[float | None]) -> dict[str, Any]:
    """The paired comparison of two forecasters' scores of the same cases (lower is better):
    n, both means, the mean difference a - b with its standard error (None under two cases),
    and the cases where a scores lower ("better"), higher ("worse") or the same. A case
    either score is missing from (None) is left out."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)  # None -> nan
    both = np.isfinite(x) & np.isfinite(y)
    x, y = x[both], y[both]
    d = x - y
    n = len(d)
    se = float(np.std(d, ddof=1) / math.sqrt(n)) if n >= 2 else None
    return {
        "n": n,
        "mean_a": float(x.mean()) if n else None,
        "mean_b": float(y.mean()) if n else None,
        "diff": float(d.mean()) if n else None,
        "se": se,
        "better": int(np.sum(d < 0)),
        "worse": int(np.sum(d > 0)),
        "same": int(np.sum(d == 0)),
    }


def _components(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components of each forecaster's AUC: V10 (k, m) over the m cases
    with the event, V01 (k, n) over the n without; psi = 1, 1/2, 0 as the case with the
    event is forecast higher, the same or lower."""
    pos, neg = p[:, y], p[:, ~y]
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])
    return psi.mean(axis=2), psi.mean(axis=1)


def discrimination(
    cases: list[dict[str, Any]], forecasters: Sequence[str], reference: str = "model"
) -> dict[str, Any] | None:
    """AUC of each forecaster's P(ceasefire by the horizon) with its DeLong standard error, and
    the paired difference of ``reference`` against each other one; None unless the cases hold
    at least one with a ceasefire and one without and every forecast's P. Standard errors
    need two of each."""
    fs = list(forecasters)
    if any(c[f].get("p") is None for c in cases for f in fs):
        return None  # a folder written before forecasts were kept
    y = np.array([happened(c) for c in cases], dtype=bool)
    m, n = int(y.sum()), int((~y).sum())
    if m == 0 or n == 0:
        return None
    p = np.array([[float(c[f]["p"]) for c in cases] for f in fs])
    v10, v01 = _components(p, y)
    auc = v10.mean(axis=1)
    cov = np.cov(v10) / m + np.cov(v01) / n if m >= 2 and n >= 2 else None
    cov = None if cov is None else np.atleast_2d(cov)

    def se(w: np.ndarray) -> float | None:
        return None if cov is None else math.sqrt(max(float(w @ cov @ w), 0.0))

    out: dict[str, Any] = {"with_ceasefire": m, "without": n, "auc": {}, "against": {}}
    r = fs.index(reference)
    for i, f in enumerate(fs):
        e = np.zeros(len(fs))
        e[i] = 1.0
        out["auc"][f] = {"auc": float(auc[i]), "se": se(e)}
        if f != reference:
            e[r] = -1.0  # reference minus f
            out["against"][f] = {"diff": float(auc[r] - auc[i]), "se": se(e)}
    return out


def skill(
    cases: list[dict[str, Any]],
    forecasters: Sequence[str],
    reference: str = "model",
    bands: bool = True,
) -> dict[str, Any]:
    """``reference`` against every other forecaster over the cases: paired differences of
    each score (``paired``, the reference as a) and discrimination (``discrimination``); with
    ``bands``, the same within each band of the war's age at the snapshot (``AGE_BANDS``,
    "by_age": the base rate by war age ranks wars by age alone, so within a band it is left
    with little to rank them by)."""
    others = [f for f in forecasters if f != reference]
    scores = {
        g: {
            s: paired([c[reference][k] for c in cases], [c[g][k] for c in cases])
            for s, k in SCORES.items()
        }
        for g in others
    }
    return {
        "reference": reference,
        "cases": len(cases),
        "scores": scores,
        "discrimination": discrimination(cases, forecasters, reference),
        "by_age": [] if not bands else by_age(cases, forecasters, reference),
    }


def by_age(
    cases: list[dict[str, Any]], forecasters: Sequence[str], reference: str = "model"
) -> list[dict[str, Any]]:
    """``skill`` within each band of ``AGE_BANDS`` that holds a case (the war's age at the
    snapshot in days; a case without one counts as 0)."""
    out = []
    for lo, hi, label in AGE_BANDS:
        inside = [c for c in cases if lo <= (c.get("war_age_days") or 0) < (hi or math.inf)]
        if inside:
            band = skill(inside, forecasters, reference, bands=False)
            out.append({"band": label, "from_days": lo, "to_days": hi, **band})
    return out


def difference(x: float | None, se: float | None, digits: int, unit: str = "") -> str:
    """'+0.012 (se 0.004)' with the given decimals (a minus sign where negative)."""
    if x is None:
        return "—"
    s = f"{x:+.{digits}f}".replace("-", "−") + unit
    return s if se is None else f"{s} (se {se:.{digits}f})"


def skill_lines(sk: dict[str, Any], names: dict[str, str]) -> list[str]:
    """One line per comparator, then one on discrimination, for a terminal."""
    ref = names[sk["reference"]]
    lines = []
    for g, row in sk["scores"].items():
        b, lg, cr = row["brier"], row["log"], row["crps"]
        n = b["n"]
        scores = (
            f"Brier {difference(b['diff'], b['se'], 3)}, log {difference(lg['diff'], lg['se'], 3)}, "
            f"CRPS {difference(cr['diff'], cr['se'], 1, ' days')}"
        )
        if n == 1:
            lines.append(f"{ref} − {names[g]} on the one case: {scores}")
            continue
        lines.append(
            f"{ref} − {names[g]}, paired over {n} cases (negative: {ref} better): {scores}; "
            f"{ref}'s log score is lower in {lg['better']} of {n} cases, higher in {lg['worse']}"
        )
    d = sk["discrimination"]
    if d is None:
        if sk["cases"] > 1:
            lines.append(
                "discrimination: not defined (it needs a case with a ceasefire, one without, "
                "and every forecaster's P)"
            )
        return lines
    auc = "; ".join(
        f"{names[f]} {a['auc']:.3f}" + ("" if a["se"] is None else f" (se {a['se']:.3f})")
        for f, a in d["auc"].items()
    )
    vs = ", ".join(
        f"minus {names[g]} {difference(a['diff'], a['se'], 3)}" for g, a in d["against"].items()
    )
    lines.append(
        f"discrimination (AUC, the chance a case with a ceasefire got the higher forecast; 0.5 is "
        f"chance), {d['with_ceasefire']} cases with a ceasefire, {d['without']} without: {auc}. "
        f"{ref} {vs}"
    )
    return lines
