"""Results of a run: per-replicate outcomes, per-round series, traces, provenance, summary and files."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_write_json, temp_dir_beside
from .errors import SimError
from .jsonable import jsonable
from .stats import KaplanMeier, kaplan_meier, wilson

__all__ = [
    "NotAResultsFolder",
    "Results",
    "default_folder",
    "is_results_folder",
    "jsonable",
    "slug",
]

# Files that make a folder a results folder (written last-to-first would not matter: the
# folder only appears under its name once everything is in it).
REQUIRED_FILES = ("summary.json", "meta.json", "outcomes.parquet", "series.parquet")
TERMS_QUANTILES = (0.10, 0.50, 0.90)


class NotAResultsFolder(SimError):
    """A folder given as results is missing, not a folder, or lacks the files a run writes."""


def is_results_folder(folder: str | Path) -> bool:
    p = Path(folder)
    return p.is_dir() and all((p / f).is_file() for f in REQUIRED_FILES)


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name: lower case, runs of other characters as '-'."""
    out = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return out[:60].rstrip("-") or "scenario"


def default_folder(name: str, root: str | Path = "results", now: dt.datetime | None = None) -> Path:
    """results/<scenario slug>-<UTC timestamp>/, with a -2, -3... suffix if that exists."""
    now = now or dt.datetime.now(dt.timezone.utc)
    base = Path(root) / f"{slug(name)}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    p, i = base, 2
    while p.exists():
        p, i = base.with_name(f"{base.name}-{i}"), i + 1
    return p


def _round(x: float, digits: int = 6) -> float:
    """Probabilities in summary.json to 6 decimals: enough for any replicate count we run."""
    return round(float(x), digits) if math.isfinite(x) else float("nan")


def _estimate(k: int, n: int) -> dict[str, float | None]:
    est, lo, hi = wilson(k, n)
    out = {"estimate": _round(est), "ci_low": _round(lo), "ci_high": _round(hi)}
    return jsonable(out)  # type: ignore[no-any-return]


def _month_ends(start: dt.date, horizon: dt.date) -> list[dt.date]:
    ends = pd.date_range(start, horizon, freq="ME")
    return [d.date() for d in ends if start < d.date() <= horizon]


class Results:
    """What one Monte Carlo run produced.

    outcomes: one row per replicate (columns: see docs/model.md, "Outcomes"); days are
              counted from the scenario's start (day 0), NaN when the thing never happened.
              Given as a DataFrame, a mapping of columns, or the path of a Parquet file that
              is read lazily (large runs: use :meth:`column` to read one column at a time).
    series:   one row per round (day, date, p_agreed, p_in_force, p_truce, control_*, support_mean.*).
    meta:     JSON-able provenance and scenario facts (name, version, seed, replicates,
              scenario_sha256, start, horizon, issues, actors, wall_seconds, ...).
    traces:   event logs of the first K replicates: [{"replicate": i, "events": [...]}, ...].
    """

    def __init__(
        self,
        outcomes: pd.DataFrame | Mapping[str, Any] | str | os.PathLike[str],
        series: pd.DataFrame,
        meta: dict[str, Any],
        traces: list[dict[str, Any]] | None = None,
    ):
        self._frame: pd.DataFrame | None = None
        self._path: Path | None = None
        if isinstance(outcomes, pd.DataFrame):
            self._frame = outcomes
        elif isinstance(outcomes, Mapping):
            cols = dict(outcomes)
            if "replicate" not in cols:
                n = len(next(iter(cols.values()))) if cols else 0
                cols = {"replicate": np.arange(n), **cols}
            self._frame = pd.DataFrame(cols, copy=False)
        else:
            self._path = Path(outcomes)
        self.series = series
        self.meta = meta
        self.traces = list(traces or [])
        # One dtype for calendar dates whatever the engine produced (date objects, ISO
        # strings, datetime64 of any unit), so that save/load round-trips exactly.
        if "date" in self.series and self.series["date"].dtype != "datetime64[ns]":
            self.series = self.series.assign(
                date=pd.to_datetime(self.series["date"]).astype("datetime64[ns]")
            )

    # -- the outcomes table -------------------------------------------------------------
    @property
    def outcomes(self) -> pd.DataFrame:
        """The whole outcomes table (read from disk on first use for a file-backed run)."""
        if self._frame is None:
            assert self._path is not None
            try:
                self._frame = pd.read_parquet(self._path)
            except (OSError, ValueError) as e:
                raise NotAResultsFolder(
                    f"cannot read results from {str(self._path)!r} ({e})"
                ) from e
        return self._frame

    @outcomes.setter
    def outcomes(self, frame: pd.DataFrame) -> None:
        self._frame, self._path = frame, None

    def _parquet(self) -> Any:
        import pyarrow.parquet as pq

        assert self._path is not None
        try:
            return pq.ParquetFile(self._path)
        except (OSError, ValueError) as e:
            raise NotAResultsFolder(f"cannot read results from {str(self._path)!r} ({e})") from e

    @property
    def columns(self) -> list[str]:
        """Names of the outcome columns (without loading the table)."""
        if self._frame is not None:
            return [str(c) for c in self._frame.columns]
        return list(self._parquet().schema_arrow.names)

    def has(self, col: str) -> bool:
        return col in self.columns

    def column(self, col: str) -> np.ndarray:
        """One outcome column as a numpy array, read alone from disk for a file-backed run."""
        if self._frame is not None:
            return np.asarray(self._frame[col].to_numpy())
        arr = self._parquet().read(columns=[col]).column(0)
        return np.asarray(arr.to_numpy(zero_copy_only=False))

    # -- equality ---------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Results):
            return NotImplemented
        return (
            self.outcomes.equals(other.outcomes)
            and self.series.equals(other.series)
            and jsonable(self.meta) == jsonable(other.meta)
            and jsonable(self.traces) == jsonable(other.traces)
        )

    __hash__ = None  # type: ignore[assignment]

    # -- derived facts ----------------------------------------------------------------
    @property
    def n(self) -> int:
        if self._frame is not None:
            return len(self._frame)
        return int(self._parquet().metadata.num_rows)

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(str(self.meta["start"])[:10])

    @property
    def horizon(self) -> dt.date:
        return dt.date.fromisoformat(str(self.meta["horizon"])[:10])

    @property
    def horizon_days(self) -> int:
        if "horizon_days" in self.meta:
            return int(self.meta["horizon_days"])
        return (self.horizon - self.start).days

    def issues(self) -> dict[str, dict[str, Any]]:
        """Issue facts from meta, falling back to the terms.* columns."""
        issues = dict(self.meta.get("issues") or {})
        for c in self.columns:
            if c.startswith("terms.") and c[6:] not in issues:
                issues[c[6:]] = {"description": "", "unit": "", "range": None, "ends": None}
        return issues

    def actor_name(self, actor_id: str) -> str:
        a = (self.meta.get("actors") or {}).get(actor_id) or {}
        return str(a.get("name") or actor_id)

    def _days(self, col: str) -> np.ndarray:
        if not self.has(col):
            return np.full(self.n, np.nan)
        return np.asarray(self.column(col), dtype=float)

    def ceasefire_km(self) -> KaplanMeier:
        """Time to (first) ceasefire in days from the start, censored at the horizon."""
        d = self._days("ceasefire_day")
        observed = ~np.isnan(d)
        return kaplan_meier(np.where(observed, d, self.horizon_days), observed)

    def durability_km(self) -> KaplanMeier:
        """Days a ceasefire held, from agreement to breakdown, censored at the horizon."""
        c = self._days("ceasefire_day")
        b = self._days("breakdown_day")
        agreed = ~np.isnan(c)
        broke = agreed & ~np.isnan(b)
        held = np.where(broke, b - c, self.horizon_days - c)[agreed]
        return kaplan_meier(np.clip(held, 0, None), broke[agreed])

    def _flag(self, col: str) -> np.ndarray:
        if not self.has(col):
            return np.zeros(self.n, dtype=bool)
        x = self.column(col)
        if x.dtype == bool:
            return x
        return pd.Series(x).astype("boolean").fillna(False).to_numpy(dtype=bool)

    def ceasefire_flags(self) -> np.ndarray:
        if self.has("ceasefire"):
            return self._flag("ceasefire")
        return np.asarray(~np.isnan(self._days("ceasefire_day")), dtype=bool)

    # -- summary ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The content of summary.json: headline shares with Wilson intervals, KM dates, terms."""
        n = self.n
        agreed = self.ceasefire_flags()
        km = self.ceasefire_km()
        by_date = []
        for d in _month_ends(self.start, self.horizon):
            p, lo, hi = (float(v) for v in km.incidence_at((d - self.start).days))
            by_date.append(
                {"date": d.isoformat(), "p": _round(p), "ci_low": _round(lo), "ci_high": _round(hi)}
            )

        terms: dict[str, Any] = {}
        for issue in self.issues():
            col = f"terms.{issue}"
            x = np.asarray(self.column(col), dtype=float)[agreed] if self.has(col) else []
            x = np.asarray(x, dtype=float)
            x = x[~np.isnan(x)]
            if x.size:
                q = np.quantile(x, TERMS_QUANTILES)
                terms[issue] = {
                    "n": int(x.size),
                    "mean": float(x.mean()),
                    "p10": q[0],
                    "p50": q[1],
                    "p90": q[2],
                }
            else:
                terms[issue] = {"n": 0, "mean": None, "p10": None, "p50": None, "p90": None}

        obstructed: dict[str, float] = {}
        if self.has("obstructed_by") and n:
            who = pd.Series(self.column("obstructed_by")).fillna("").astype(str)
            counts = who[who != ""].value_counts()
            obstructed = {str(k): int(v) / n for k, v in counts.items()}

        threats = (
            float(np.mean(self.column("threats_fired")))
            if self.has("threats_fired") and n
            else None
        )
        m = self.meta
        out = {
            "scenario": m.get("scenario"),
            "version": m.get("version"),
            "seed": m.get("seed"),
            "replicates": n,
            "scenario_sha256": m.get("scenario_sha256"),
            "start": self.start.isoformat(),
            "horizon": self.horizon.isoformat(),
            "horizon_days": self.horizon_days,
            "p_ceasefire": _estimate(int(agreed.sum()), n),
            "p_truce": _estimate(int((~np.isnan(self._days("truce_day"))).sum()), n),
            "p_in_force_at_horizon": _estimate(int(self._flag("in_force_at_horizon").sum()), n),
            "median_days_to_ceasefire": km.median(),
            "by_date": by_date,
            "terms": terms,
            "obstructed_by": obstructed,
            "threats_fired": threats,
            "diagnostics": m.get("diagnostics") or {},
            "wall_seconds": m.get("wall_seconds"),
        }
        return jsonable(out)  # type: ignore[no-any-return]

    def headline(self) -> str:
        """A few lines for the terminal: P(ceasefire), median days, P(in force)."""
        s = self.summary()

        def pct(e: dict[str, float | None]) -> str:
            if e["estimate"] is None:
                return "n/a"
            return (
                f"{100 * e['estimate']:.1f}% "
                f"(95% CI {100 * (e['ci_low'] or 0):.1f}–{100 * (e['ci_high'] or 0):.1f}%)"
            )

        med = s["median_days_to_ceasefire"]
        if med is None:
            med_txt = f"not reached by the horizon ({s['horizon_days']} days)"
        else:
            med_date = self.start + dt.timedelta(days=int(med))
            med_txt = f"{med:.0f} days (around {med_date.isoformat()})"
        name = s["scenario"] or "scenario"
        return "\n".join(
            [
                f"{name}: {s['replicates']:,} replicates, seed {s['seed']}, "
                f"{s['start']} to {s['horizon']}",
                f"  P(ceasefire by {s['horizon']}):  {pct(s['p_ceasefire'])}",
                f"  median days to ceasefire:       {med_txt}",
                f"  P(ceasefire in force at horizon): {pct(s['p_in_force_at_horizon'])}",
            ]
        )

    # -- files ------------------------------------------------------------------------
    def save(
        self,
        folder: str | Path,
        *,
        overwrite: bool = False,
        extras: Callable[[Path], None] | None = None,
    ) -> Path:
        """Write the results folder atomically and return its path.

        Everything (and whatever ``extras(tmp)`` adds, e.g. figures and the report) is
        written into a temporary folder beside the target, which is renamed into place
        last: a run killed half-way leaves no folder that looks complete. An existing
        empty folder is replaced; a non-empty one only with ``overwrite``, and only when
        sim wrote it (it holds the ``.sim-folder`` marker that is written here too).
        """
        from .folders import refuse_special, why_not_write

        target = refuse_special(folder, "output folder")
        if target.exists() and not target.is_dir():
            raise NotAResultsFolder(f"output {str(target)!r} is a file, not a folder")
        why = why_not_write(target, overwrite, " (use --force to replace it)")
        if why:
            raise NotAResultsFolder(f"output folder {str(target)!r} {why}")
        tmp = temp_dir_beside(target)
        try:
            self._write(tmp)
            if extras is not None:
                extras(tmp)
            old = None
            if target.exists():
                old = target.with_name(f".{target.name}.{os.getpid()}.old")
                os.replace(target, old)
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if self._frame is None:
            self._path = target / "outcomes.parquet"  # read from the saved copy from now on
        return target

    def _write(self, folder: Path) -> None:
        from .folders import write_marker

        write_marker(folder, "results")
        atomic_write_json(folder / "summary.json", self.summary())
        atomic_write_json(folder / "meta.json", self.meta)
        if self._frame is None and self._path is not None:
            shutil.copyfile(self._path, folder / "outcomes.parquet")
        else:
            self.outcomes.to_parquet(folder / "outcomes.parquet", index=False)
        self.series.to_parquet(folder / "series.parquet", index=False)
        (folder / "scenario.yaml").write_text(
            str(self.meta.get("scenario_yaml") or ""), encoding="utf-8"
        )
        if self.traces:
            with open(folder / "traces.jsonl", "w", encoding="utf-8") as f:
                for t in self.traces:
                    f.write(json.dumps(jsonable(t), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a folder written by :meth:`save`."""
        p = Path(folder)
        if not p.exists():
            raise NotAResultsFolder(f"results folder {str(p)!r} does not exist")
        if not p.is_dir():
            raise NotAResultsFolder(f"{str(p)!r} is a file, not a results folder")
        missing = [f for f in REQUIRED_FILES if not (p / f).is_file()]
        if missing:
            raise NotAResultsFolder(
                f"{str(p)!r} is not a results folder (missing {', '.join(missing)}); "
                "make one with 'sim run'"
            )
        try:
            meta = json.loads((p / "meta.json").read_text(encoding="utf-8"))
            outcomes = p / "outcomes.parquet"  # read lazily
            series = pd.read_parquet(p / "series.parquet")
            traces: list[dict[str, Any]] = []
            tp = p / "traces.jsonl"
            if tp.is_file():
                with open(tp, encoding="utf-8") as f:
                    traces = [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as e:
            raise NotAResultsFolder(f"{str(p)!r}: cannot read results ({e})") from e
        from .integrity import results_problem

        results = cls(outcomes=outcomes, series=series, meta=meta, traces=traces)
        problem = results_problem(p, meta, lambda: results._parquet().schema_arrow)
        if problem:  # a damaged meta.json, or an outcomes table of the wrong types
            raise NotAResultsFolder(problem)
        return results
