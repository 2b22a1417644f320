"""A calibration's results: the score table (points x cases), the fit, leave-one-case-out, and the folder they are saved in."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...io.jsonable import jsonable
from ...output.formats import count, probability, score, text_table, value, wrap_lines
from ...output.skill import SHORT_NAMES, loo_cases, skill, skill_lines
from .fit import COMPARATORS, LEVELS, case_scores, fit_data

__all__ = ["FILE", "NAMES", "CalibrationResults"]

FILE = "calibration.json"
Cell = Callable[[dict[str, Any]], str]  # a terminal table's cell: row -> text


def _cell(key: str, fmt: Callable[[Any], str]) -> Cell:
    """The cell of column ``key`` of a row, formatted by ``fmt``."""
    return lambda r: fmt(r[key])


SUMMARY_COLUMNS: dict[str, Cell] = {  # the comparison in the terminal: header -> cell
    "forecaster": _cell("forecaster", str),
    "Brier": _cell("brier", score),
    "log": _cell("log", lambda x: score(x, 2)),
    "CRPS (days)": _cell("crps", count),
    "PIT": _cell("pit", lambda x: score(x, 2)),
    **{f"in {lv}%": _cell(f"in_{lv}", lambda x: probability(x, 0)) for lv in (50, 80, 95)},
}
LOO_LOGS = {"in_sample": "in", "base": "haz", "lognormal": "logn"}  # log-score columns, short


def _short(path: str) -> str:
    """A fitted path's last part, for a column header ("negotiation.lookahead_days" ->
    "lookahead_days")."""
    return path.rsplit(".", 1)[-1]


NAMES = {  # row of the comparison -> human name
    "in_sample": "sim at the fitted point (in-sample)",
    "loo": "sim, leave-one-case-out",
    "base": "constant hazard (CoW median)",
    "lognormal": "lognormal by war age (CoW)",
}
OUTPUTS = "scores.csv, scores.parquet, loo.csv, calibration.json, calibration.yaml"


@dataclass
class CalibrationResults:
    """Every case run at every point of the design, scored as ``sim hindcast`` scores it.

    ``table()`` is the score table (one row per point and case), ``matrix()`` one score as
    points x cases, ``best`` the fitted values, ``loo`` the leave-one-case-out scores per case,
    ``summary()`` the mean scores next to the base rates; ``ran`` counts the case runs done by
    this call (the others came from the folder's checkpoints).
    """

    manifest: dict[str, Any]
    rows: dict[tuple[int, int], dict[str, Any]]
    folder: Path | None = None
    ran: int = 0
    _fit: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        """A few lines (the score rows are many: see ``.table()``)."""
        cases = len(self.manifest.get("cases") or [])
        points = len(self.manifest.get("points") or [])
        return (
            f"<CalibrationResults: {points} points x {cases} cases over {', '.join(self.paths)}"
            f"\n  see .text(), .table(), .best, .loo; folder {self.folder}>"
        )

    @property
    def fit(self) -> dict[str, Any]:
        if not self._fit:
            self._fit = fit_data(self.manifest, self.rows)
        return self._fit

    @property
    def paths(self) -> list[str]:
        return [p["path"] for p in self.manifest["params"]]

    @property
    def best_index(self) -> int:
        """The design point with the lowest summed log score."""
        return int(self.fit["best"]["point"])

    @property
    def best(self) -> dict[str, float]:
        """The fitted values, {path: value}."""
        return dict(self.fit["best"]["values"])

    @property
    def overrides(self) -> list[str]:
        """The fitted values as ``--set`` overrides ("PATH=VALUE"), as in calibration.yaml."""
        return list(self.fit["best"]["set"])

    def table(self) -> Any:
        """One row per (point, case): the point's values, the case, and p_, brier_, log_,
        crps_ (days), pit_ and in_50/80/95_ of the model and of both base rates."""
        import pandas as pd

        recs = []
        for i, values in enumerate(self.manifest["points"]):
            for j, case in enumerate(self.manifest["cases"]):
                row = self.rows[i, j]
                rec: dict[str, Any] = {"point": i, **values, "case": case["key"]}
                rec.update(name=row["name"], outcome=row["outcome"])
                for f in ("model", *COMPARATORS):
                    s = case_scores(row, f)
                    rec.update({f"{k}_{f}": s[k] for k in ("p", "brier", "log", "crps", "pit")})
                    rec.update(
                        {f"in_{round(100 * float(lv))}_{f}": s["covered"][lv] for lv in LEVELS}
                    )
                recs.append(rec)
        return pd.DataFrame(recs)

    def matrix(self, score: str = "log") -> Any:
        """One score of the model (log, brier, crps, p, pit) as points x cases."""
        t = self.table()
        m = t.pivot(index="point", columns="case", values=f"{score}_model")
        return m[[c["key"] for c in self.manifest["cases"]]]

    @property
    def loo(self) -> Any:
        """Per case: the point fitted without it (its values) and that point's scores on it,
        next to the in-sample point's and the base rates' log scores."""
        import pandas as pd

        recs = []
        for r in self.fit["loo"]:
            rec = {"case": r["case"], "outcome": r["outcome"], "point": r["point"], **r["values"]}
            rec.update({k: r[k] for k in ("p", "brier", "log", "crps", "pit")})
            rec.update({f"in_{round(100 * float(lv))}": r["covered"][lv] for lv in LEVELS})
            rec.update({f"log_{f}": r[f]["log"] for f in ("in_sample", *COMPARATORS)})
            recs.append(rec)
        return pd.DataFrame(recs)

    def summary(self) -> Any:
        """Mean Brier, log, CRPS, PIT and coverage shares: in-sample, leave-one-case-out and
        the two base rates."""
        import pandas as pd

        recs = []
        for key, s in self.fit["summary"].items():
            rec = {"forecaster": NAMES[key], **{k: s[k] for k in ("brier", "log", "crps", "pit")}}
            rec.update(
                {f"in_{round(100 * float(lv))}": s["coverage"][lv]["share"] for lv in LEVELS}
            )
            recs.append(rec)
        return pd.DataFrame(recs)

    def warnings(self) -> list[str]:
        return list(self.fit["warnings"])

    def text(self) -> str:
        """The fitted values, the comparison and the LOO table, for a terminal (tables at most
        100 columns wide; long case names abbreviated, in full in loo.csv)."""
        fixed = list(self.manifest.get("fixed") or [])
        fitted = self.overrides[len(fixed) :]
        lines = ["fitted (lowest summed log score): " + ", ".join(fitted)]
        lines += (
            ["fixed at every point (--calibration, --set): " + ", ".join(fixed)] if fixed else []
        )
        lines += ["", text_table(self.summary().to_dict("records"), SUMMARY_COLUMNS)]
        loo: dict[str, Cell] = {
            "case": lambda r: str(r["case"]).removesuffix(" (hindcast)"),
            **{_short(k): _cell(k, value) for k in self.paths},
            "P": _cell("p", lambda x: probability(x, 0)),
            "Brier": _cell("brier", score),
            "log": _cell("log", lambda x: score(x, 2)),
            **{f"log {n}": _cell(f"log_{k}", lambda x: score(x, 2)) for k, n in LOO_LOGS.items()},
        }
        lines += ["", "leave-one-case-out per case:", text_table(self.loo.to_dict("records"), loo)]
        lines += ["", "sim leave-one-case-out against the base rates:"]
        lines += skill_lines(self.skill(), SHORT_NAMES)
        lines += [f"warning: {w}" for w in self.warnings()]
        return wrap_lines("\n".join(lines))

    def skill(self) -> dict[str, Any]:
        """The leave-one-case-out forecasts against each base rate, paired over the cases:
        score differences with standard errors and discrimination (sim/output/skill.py)."""
        return skill(loo_cases(self.fit["loo"]), ["model", "base", "lognormal"])

    def to_json(self) -> dict[str, Any]:
        return jsonable({"manifest": self.manifest, **self.fit})  # type: ignore[no-any-return]

    def plot(self, ax: Any = None) -> Any:
        """The score surface: the mean log score against the params (1-D curve, 2-D heat map)."""
        from ...output.plots.calibrate import plot_score_surface

        return plot_score_surface(self.to_json(), ax)

    def save(
        self, folder: str | os.PathLike[str], report: bool = True, overwrite: bool = False
    ) -> Path:
        """Write the folder: manifest, cells, the score table, the fit, calibration.yaml,
        figures and report.html. In the folder the calibration ran in, the outputs are added;
        elsewhere the folder is written aside and renamed into place (an existing one is
        replaced only with ``overwrite`` and only when sim wrote it)."""
        target = Path(folder)
        if self.folder is not None and _same(target, self.folder):
            _write_outputs(self, target, report)
            return target
        return self._save_new(target, report, overwrite)

    def _save_new(self, target: Path, report: bool, overwrite: bool) -> Path:
        from ...io.atomic import atomic_write_json
        from ...io.folders import write_folder
        from .folder import MANIFEST, save_cell

        def fill(tmp: Path) -> None:
            atomic_write_json(tmp / MANIFEST, self.manifest)
            for (i, j), row in self.rows.items():
                save_cell(tmp, i, self.manifest["points"][i], self.manifest["cases"][j], row)
            _write_outputs(self, tmp, report)

        self.folder = write_folder(target, overwrite, "calibrate", fill)
        return self.folder


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _write_outputs(res: CalibrationResults, folder: Path, report: bool) -> None:
    """The score table, LOO, the fit, calibration.yaml, figures and the report."""
    from ...io.atomic import (
        atomic_write_bytes,
        atomic_write_json,
        atomic_write_parquet,
        atomic_write_text,
    )

    t = res.table()
    atomic_write_text(folder / "scores.csv", t.to_csv(index=False))
    atomic_write_parquet(folder / "scores.parquet", t)
    atomic_write_text(folder / "loo.csv", res.loo.to_csv(index=False))
    data = res.to_json()
    atomic_write_json(folder / FILE, data)
    atomic_write_text(folder / "calibration.yaml", calibration_yaml(data))
    from ...io.readback import seal

    seal(folder, "calibrate", [FILE, "calibration.yaml", "scores.csv", "scores.parquet", "loo.csv"])
    if report:
        from ...output.plots.calibrate import calibrate_figures
        from ...output.report.calibrate import write_calibrate_report

        pngs = calibrate_figures(data)
        for name, png in pngs.items():
            atomic_write_bytes(folder / "figures" / f"{name}.png", png)
        write_calibrate_report(folder, pngs)


def calibration_yaml(data: dict[str, Any]) -> str:
    """calibration.yaml: ``set:`` the fitted overrides, then their provenance."""
    import yaml

    m, s = data["manifest"], data["summary"]

    def means(x: dict[str, Any]) -> dict[str, float]:
        return {k: round(float(x[k]), 6) for k in ("brier", "log", "crps")}

    loo = {**means(s["loo"]), "coverage": {lv: s["loo"]["coverage"][lv]["share"] for lv in LEVELS}}
    loo["per_case"] = [
        {"case": r["case"], "point": r["point"], "values": r["values"], **means(r)}
        for r in data["loo"]
    ]
    prov = {
        "kind": "sim-calibration",
        "version": m["version"],
        "created_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "objective": data["objective"],
        "fitted": data["best"]["values"],
        **({"fixed": list(m["fixed"])} if m.get("fixed") else {}),  # applied at every point
        # the file's name, not where it lay on the machine that fitted (the hash identifies it)
        "cases": [
            {"file": Path(c["file"]).name, "name": c["name"], "sha256": c["sha256"]}
            for c in m["cases"]
        ],
        "design": {k: m[k] for k in ("design", "samples", "params")} | {"points": len(m["points"])},
        "replicates": m["replicates"],
        "seed": m["seed"],
        "conditioning": m.get("conditioning", "weighting"),  # how each case met its record
        "in_sample": means(s["in_sample"]),
        "loo": loo,
    }
    head = (
        "# Written by 'sim calibrate'. Apply the fitted numbers with\n"
        "#   sim run SCENARIO --calibration calibration.yaml\n"
        "#   sim hindcast CASES... --calibration calibration.yaml\n"
    )
    body = yaml.safe_dump(
        jsonable({"set": data["best"]["set"], "provenance": prov}), sort_keys=False
    )
    return head + body
