"""Results of a run: per-replicate outcomes, per-round series, traces, provenance, summary and files."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimError
from ..io.atomic import atomic_write_json, temp_dir_beside
from ..io.jsonable import jsonable
from .stats import KaplanMeier, kaplan_meier, weighted_kaplan_meier

__all__ = ["NotAResultsFolder", "Results", "is_results_folder", "jsonable"]

# Files that make a folder a results folder (written last-to-first would not matter: the
# folder only appears under its name once everything is in it).
REQUIRED_FILES = ("summary.json", "meta.json", "outcomes.parquet", "series.parquet")


class NotAResultsFolder(SimError):
    """A folder given as results is missing, not a folder, or lacks the files a run writes."""


def is_results_folder(folder: str | Path) -> bool:
    p = Path(folder)
    return p.is_dir() and all((p / f).is_file() for f in REQUIRED_FILES)


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
        self.weights: np.ndarray | None = None  # per replicate, when conditioned on evidence
        self.groups: np.ndarray | None = None  # ancestors, when resampled on the evidence
        self._source: Results | None = None  # the results whose outcomes file this shares
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

    def codes(self, col: str) -> tuple[np.ndarray, list[str]]:
        """A text column as integer codes (n,) into its distinct labels (-1 where empty), without
        a Python string per replicate."""
        if self._frame is not None:
            codes, labels = pd.factorize(self._frame[col], use_na_sentinel=True)
            return np.asarray(codes), [str(x) for x in labels]
        arr = self._parquet().read(columns=[col]).column(0).combine_chunks().dictionary_encode()
        idx = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return np.asarray(idx, dtype=np.int64), [str(x) for x in arr.dictionary.to_pylist()]

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

    def days(self, col: str) -> np.ndarray:
        if not self.has(col):
            return np.full(self.n, np.nan)
        return np.asarray(self.column(col), dtype=float)

    def ceasefire_km(self) -> KaplanMeier:
        """Time to (first) ceasefire in days from the start, censored at the horizon."""
        d = self.days("ceasefire_day")
        observed = ~np.isnan(d)
        times = np.where(observed, d, self.horizon_days)
        if self.weights is not None:
            return weighted_kaplan_meier(times, observed, self.weights, groups=self.groups)
        return kaplan_meier(times, observed)

    def durability_km(self) -> KaplanMeier:
        """Days a ceasefire held, from agreement to breakdown, censored at the horizon."""
        c = self.days("ceasefire_day")
        b = self.days("breakdown_day")
        agreed = ~np.isnan(c)
        broke = agreed & ~np.isnan(b)
        held = np.clip(np.where(broke, b - c, self.horizon_days - c)[agreed], 0, None)
        if self.weights is not None:
            groups = None if self.groups is None else self.groups[agreed]
            return weighted_kaplan_meier(held, broke[agreed], self.weights[agreed], groups=groups)
        return kaplan_meier(held, broke[agreed])

    def flag(self, col: str) -> np.ndarray:
        if not self.has(col):
            return np.zeros(self.n, dtype=bool)
        x = self.column(col)
        return x if x.dtype == bool else pd.Series(x).astype("boolean").fillna(False).to_numpy(bool)

    def ceasefire_flags(self) -> np.ndarray:
        has = self.has("ceasefire")
        return self.flag("ceasefire") if has else ~np.isnan(self.days("ceasefire_day"))

    # -- summary ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The content of summary.json: headline shares with intervals, dates, terms, ...
        (weighted by the evidence when the run is conditioned: see ``condition``)."""
        from .summarize import summarize

        return summarize(self)

    def reweighted(
        self, weights: np.ndarray, meta: dict[str, Any], groups: np.ndarray | None = None
    ) -> Results:
        """The same outcomes (shared, not copied) with replicate weights and a new meta (and,
        for a resampled run, each replicate's ancestor: intervals count ancestors). A copy
        that reads this run's outcomes file holds on to this run: the temporary folder of a
        large run (removed when its Results is collected) lasts as long as the copy."""
        source: Any = self._frame if self._frame is not None else self._path
        out = Results(source, self.series, meta, self.traces)
        out.weights = weights
        out.groups = groups
        if self._frame is None:
            out._source = self
        return out

    def condition(self, as_of: dt.date | str) -> Results:
        """These results weighted by the likelihood of the observations dated on or before
        ``as_of`` (importance sampling from this run; sim/history.py)."""
        from .summarize import conditioned

        out: Results = conditioned(self, as_of)
        return out

    def forecast_path(self, dates: list[dt.date] | None = None) -> list[dict[str, Any]]:
        """P(ceasefire by the horizon) conditioned on the record as of each date (by default the
        start and each observation date): how the forecast moved as the evidence came in."""
        from .summarize import forecast_path

        out: list[dict[str, Any]] = forecast_path(self, dates)
        return out

    def headline(self) -> str:
        """A few lines for the terminal: P(ceasefire), median days, P(in force), and the
        results that look like artefacts (sim/headline.py)."""
        from .headline import headline

        return headline(self)

    def __repr__(self) -> str:
        from .headline import title

        name = title(
            self.meta.get("scenario"),
            list(self.meta.get("overrides") or []),
            self.meta.get("calibration"),
        )
        return f"<Results of {name!r}: {self.n:,} replicates, seed {self.meta.get('seed')}>"

    # -- files ------------------------------------------------------------------------
    def save(
        self,
        folder: str | Path,
        *,
        overwrite: bool = False,
        extras: Callable[[Path], None] | None = None,
        report: bool = False,
    ) -> Path:
        """Write the results folder atomically and return its path.

        With ``report`` the figures (``figures/``) and ``report.html`` are written too, as
        ``sim run`` does. Everything (and whatever ``extras(tmp)`` adds) is written into a
        temporary folder beside the target, which is renamed into place last: a run killed
        half-way leaves no folder that looks complete. An existing empty folder is
        replaced; a non-empty one only with ``overwrite``, and only when sim wrote it (it
        holds the ``.sim-folder`` marker that is written here too).
        """
        from ..io.folders import refuse_special, why_not_write

        if report:
            # The report reads Results only through this object (it imports this module
            # for annotations alone), so importing it here makes no cycle.
            from .report.run import with_figures_and_report

            extras = with_figures_and_report(self, extras)
        target = refuse_special(folder, "output folder")
        if target.exists() and not target.is_dir():
            raise NotAResultsFolder(f"output {str(target)!r} is a file, not a folder")
        why = why_not_write(target, overwrite, " (use --force to replace it)", "results")
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
        from ..io.readback import seal

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
        seal(folder, "results", [*REQUIRED_FILES, "scenario.yaml", "traces.jsonl"])  # last

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
        from ..io.integrity import results_problem

        results = cls(outcomes=outcomes, series=series, meta=meta, traces=traces)
        problem = results_problem(p, meta, lambda: results._parquet().schema_arrow)
        if problem:  # a damaged meta.json, an outcomes table of the wrong types, another's file
            raise NotAResultsFolder(problem)
        cond = meta.get("conditioning")
        if cond:  # the weights are not stored: the evidence and the outcomes give them again
            base = dict(meta)
            base.pop("conditioning")
            return cls(outcomes=outcomes, series=series, meta=base, traces=traces).condition(
                str(cond["as_of"])
            )
        return results
