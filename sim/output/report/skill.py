"""The section of a hindcast's or a calibration's page that compares sim with the base rates, paired over the cases."""

from __future__ import annotations

from typing import Any

from ..skill import difference, skill
from .page import esc, row

DIGITS = {"brier": 3, "log": 3, "crps": 1}  # decimals of each paired difference

LEDE = (
    "Both forecasters are scored on the same cases, so each difference is the mean over the "
    "cases of sim's score less the base rate's, with its paired standard error in brackets; "
    "negative favours sim, and a difference within about two standard errors of 0 could be the "
    "luck of the cases. Discrimination (AUC) is the chance that a case with a ceasefire by the "
    "horizon got a higher forecast than one without (0.5 is chance; standard errors by "
    "DeLong's method): it asks whether the forecasts rank the cases right, not whether they are "
    "calibrated. The cases are not a random sample of wars."
)


def skill_section(
    cases: list[dict[str, Any]], fs: list[str], names: dict[str, str], heading: str
) -> list[str]:
    """sim ("model") against each other forecaster in ``fs`` over hindcast-shaped ``cases``:
    score differences with paired standard errors and discrimination (AUC), as HTML; nothing
    when there is no base rate to compare with."""
    if "model" not in fs or len(fs) < 2:
        return []
    sk = skill(cases, fs)
    out = [
        f"<h2>{esc(heading)}</h2>",
        "<table><tr><th>sim minus</th><th>Brier</th><th>log</th><th>CRPS (days)</th>"
        "<th>cases where sim's log score is lower / higher</th></tr>",
    ]
    for g, sc in sk["scores"].items():
        cells = [difference(sc[k]["diff"], sc[k]["se"], d) for k, d in DIGITS.items()]
        cells.append(f"{sc['log']['better']} / {sc['log']['worse']} of {sc['log']['n']}")
        out.append(row(esc(names[g]), *map(esc, cells)))
    out.append("</table>")
    d = sk["discrimination"]
    if d is not None:
        out.append(
            "<table><tr><th>forecaster</th><th>discrimination (AUC)</th><th>sim minus it</th></tr>"
        )
        for f, a in d["auc"].items():
            vs = d["against"].get(f)
            diff = "—" if vs is None else difference(vs["diff"], vs["se"], 3)
            auc = difference(a["auc"], a["se"], 3).lstrip("+")
            out.append(row(esc(names[f]), esc(auc), esc(diff)))
        out.append("</table>")
    out += _bands(sk, names)
    out.append(f'<p class="lede">{esc(LEDE)}</p>')
    if d is not None:
        out.append(
            f"<p>{d['with_ceasefire']} cases had a ceasefire by the horizon, {d['without']} "
            "did not.</p>"
        )
    return out


def _bands(sk: dict[str, Any], names: dict[str, str]) -> list[str]:
    """The comparison with the base rate by war age (else the first base rate) within each band
    of the war's age at the snapshot."""
    if len(sk["by_age"]) < 2:
        return []  # one band: the tables above
    g = "lognormal" if "lognormal" in sk["scores"] else next(iter(sk["scores"]))
    out = [
        f"<h3>By the war's age at the snapshot: sim against the {esc(names[g])}</h3>",
        "<table><tr><th>war's age</th><th>cases (with a ceasefire)</th><th>Brier, sim minus</th>"
        "<th>log, sim minus</th><th>AUC sim</th><th>AUC of the base rate</th>"
        "<th>AUC, sim minus</th></tr>",
    ]
    for b in sk["by_age"]:
        sc, d = b["scores"][g], b["discrimination"]
        cells = [difference(sc[k]["diff"], sc[k]["se"], 3) for k in ("brier", "log")]
        if d is None:
            cells += ["—", "—", "—"]
        else:
            vs = d["against"][g]
            cells += [
                difference(d["auc"]["model"]["auc"], d["auc"]["model"]["se"], 3).lstrip("+"),
                difference(d["auc"][g]["auc"], d["auc"][g]["se"], 3).lstrip("+"),
                difference(vs["diff"], vs["se"], 3),
            ]
        n = f"{b['cases']}" + ("" if d is None else f" ({d['with_ceasefire']})")
        out.append(row(esc(b["band"]), esc(n), *map(esc, cells)))
    out.append("</table>")
    return out
