"""``sim hindcast CASES --calibration FILE --loo``: the leave-one-case-out scores a calibration
file records, for the cases given, beside the base rates' scores of the same cases.

``sim calibrate`` refits its numbers without each case in turn and scores that case at the
point fitted on the others; ``calibration.yaml`` keeps those scores in its provenance
(``loo.per_case``). Nothing is run here: the model's leave-one-case-out scores are read, the
base rates' (a constant hazard, the lognormal by war age) are computed from each case's record.
A case whose resolved scenario changed since the fit (its hash differs) is flagged: its score
is of the case as it was. A case the calibration did not use has no leave-one-case-out score.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import UsageError

__all__ = ["loo_rows", "loo_skill", "loo_text"]


def _provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The provenance of a calibration file that holds leave-one-case-out scores."""
    import yaml

    from ...model.scenario.calibration import read_calibration

    read_calibration(path)  # refuses what is not a calibration file, naming it
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    prov = data.get("provenance") if isinstance(data, dict) else None
    loo = prov.get("loo") if isinstance(prov, dict) else None
    if (
        not isinstance(prov, dict)
        or not isinstance(loo, dict)
        or not isinstance(loo.get("per_case"), list)
    ):
        raise UsageError(
            f"--calibration {os.fspath(path)!r}: it records no leave-one-case-out scores "
            "(provenance.loo.per_case, as 'sim calibrate' writes): --loo has nothing to print"
        )
    return prov


def loo_rows(
    calibration: str | os.PathLike[str],
    cases: Sequence[str | os.PathLike[str]],
    median_days: float,
) -> list[dict[str, Any]]:
    """One row per case: the model's leave-one-case-out Brier, log and CRPS from the file (None
    where the calibration did not use the case), whether the case changed since, and the base
    rates' scores of the case."""
    from ...model.mechanisms.durations import lognormal_cdf
    from ...model.scenario.loader import load_scenario, scenario_sha256
    from ..hindcast import realised_day, war_age_days
    from ..scoring import base_rate_cdf, scores

    prov = _provenance(calibration)
    per_case = {str(r.get("case")): r for r in prov["loo"]["per_case"] if isinstance(r, dict)}
    hashes = {Path(str(c.get("file"))).stem: c.get("sha256") for c in prov.get("cases") or []}
    rows = []
    for f in cases:
        s = load_scenario(f)
        key = Path(f).stem
        real, h = realised_day(s), s.horizon_days
        loo = per_case.get(key)
        rows.append(
            {
                "case": s.name,
                "key": key,
                "brier": None if loo is None else float(loo["brier"]),
                "log": None if loo is None else float(loo["log"]),
                "crps": None if loo is None else float(loo["crps"]),
                "changed": loo is not None and hashes.get(key) != scenario_sha256(s),
                "base": scores(base_rate_cdf(h, median_days), real),
                "lognormal": scores(lognormal_cdf(h, war_age_days(s)), real),
            }
        )
    return rows


def loo_skill(scored: list[dict[str, Any]]) -> list[str]:
    """The leave-one-case-out scores against each base rate, paired over the cases with a
    score (sim/output/skill.py; discrimination needs forecasts, which the file does not keep)."""
    from ...output.skill import SCORES, difference, paired

    out = []
    for g, name in (("base", "constant hazard"), ("lognormal", "lognormal by war age")):
        row = {
            s: paired([r[s] for r in scored], [r[g][k] for r in scored]) for s, k in SCORES.items()
        }
        lg = row["log"]
        out.append(
            f"sim (leave-one-case-out) minus {name}, paired over {lg['n']} case(s) (negative: sim "
            f"better): Brier {difference(row['brier']['diff'], row['brier']['se'], 3)}, log "
            f"{difference(lg['diff'], lg['se'], 3)}, CRPS "
            f"{difference(row['crps']['diff'], row['crps']['se'], 1, ' days')}; sim's log score is "
            f"lower in {lg['better']}, higher in {lg['worse']}"
        )
    return out


def loo_text(rows: list[dict[str, Any]], calibration: str | os.PathLike[str]) -> str:
    """The rows as a terminal table, with the means over the cases that have a score."""
    from ...output.formats import score, text_table, wrap_lines

    def cell(key: str, sub: str | None = None, digits: int = 3) -> Any:
        def fmt(r: dict[str, Any]) -> str:
            v = r[key] if sub is None else r[key][sub]
            return "—" if v is None else score(v, digits)

        return fmt

    table = text_table(
        rows,
        {
            "case": lambda r: (
                str(r["case"]).removesuffix(" (hindcast)") + (" (changed)" if r["changed"] else "")
            ),
            "Brier LOO": cell("brier"),
            "log LOO": cell("log", digits=2),
            "Brier haz": cell("base", "brier"),
            "log haz": cell("base", "log", 2),
            "Brier logn": cell("lognormal", "brier"),
            "log logn": cell("lognormal", "log", 2),
        },
    )
    scored = [r for r in rows if r["brier"] is not None]
    lines = [f"leave-one-case-out scores recorded in {os.fspath(calibration)}:", table]
    if scored:
        k = len(scored)

        def mean(get: Any) -> float:
            return float(sum(get(r) for r in scored)) / k

        lines.append(
            f"mean over the {k} case(s) with a score: sim (leave-one-case-out) Brier "
            f"{mean(lambda r: r['brier']):.3f}, log {mean(lambda r: r['log']):.2f}, CRPS "
            f"{mean(lambda r: r['crps']):.1f} days; constant hazard Brier "
            f"{mean(lambda r: r['base']['brier']):.3f}, log {mean(lambda r: r['base']['log']):.2f}; "
            f"lognormal by war age Brier {mean(lambda r: r['lognormal']['brier']):.3f}, log "
            f"{mean(lambda r: r['lognormal']['log']):.2f}"
        )
        lines += loo_skill(scored)
    missing = [r["key"] for r in rows if r["brier"] is None]
    if missing:
        lines.append(f"not in the calibration (no score): {', '.join(missing)}")
    if any(r["changed"] for r in rows):
        lines.append("(changed): the case differs from the one the calibration scored")
    lines.append("haz: constant hazard; logn: lognormal by war age. Nothing was run.")
    return wrap_lines("\n".join(lines))
