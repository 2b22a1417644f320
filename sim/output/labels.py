"""Human labels for scenario paths: actor and issue names, threat names, units.

``actors.russia.stalling.prior`` reads "Russia: stalling prior";
``actors.united_states.threats.0.credibility`` reads "United States: threat 'secondary
tariffs…' credibility"; ``actors.ukraine.ideal.territory`` gets the territory issue's
unit. A :class:`Vocabulary` is built from a run's ``meta.json`` (``from_meta``) or from a
validated Scenario (``from_scenario``); every report and figure that shows a path uses it,
with the dotted path itself kept in small print where there is room.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Vocabulary", "input_label"]

# Parameters of each distribution family, by position (``--vary PATH.pert.1=...``).
DIST_PARAMS = {
    "pert": ("minimum", "mode", "maximum"),
    "triangular": ("minimum", "mode", "maximum"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "truncnormal": ("mean", "sd", "low", "high"),
    "lognormal": ("log-mean", "log-sd"),
    "beta": ("a", "b"),
}
SECTIONS = {"pressures": "", "negotiation": "Negotiation", "durability": "Durability"}
UNIT_BY_FIELD = {
    "delay_days": "days",
    "truce_days": "days",
    "every_days": "days",
    "weeks": "weeks",
    "rate_per_year": "per year",
    "base_hazard_per_year": "per year",
    "decisive_per_year": "per year",
    "reengage_per_year": "per year",
    "cost": "utility per round",
    "bite": "share of the economy per round",
    "premium": "utility",
    "penalty": "utility",
    "patience": "discount per round",
    "drift": "share of the range per round",
    "volatility": "share of the range",
}
PROBABILITY_FIELDS = {"prior", "credibility", "direct", "reliability", "collapse", "reopen"}


def _words(part: str) -> str:
    return part.replace("_", " ")


def _field(part: str) -> str:
    """A field name without the unit suffix that its unit already says."""
    for suffix in ("_per_year", "_days"):
        if part.endswith(suffix) and len(part) > len(suffix):
            return _words(part[: -len(suffix)])
    return _words(part)


@dataclass(frozen=True)
class Vocabulary:
    """What a path's parts mean: actor names, issue facts, each actor's threat names."""

    actors: Mapping[str, str] = field(default_factory=dict)
    issues: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    threats: Mapping[str, list[str]] = field(default_factory=dict)
    front_line: str | None = None
    red_lines: Mapping[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Vocabulary:
        """From a run's meta.json (threat names from its resolved scenario YAML)."""
        actors = {k: str((a or {}).get("name") or k) for k, a in (meta.get("actors") or {}).items()}
        threats: dict[str, list[str]] = {}
        red_lines: dict[str, list[str]] = {}
        for k, a in _scenario_actors(meta).items():
            names = [str(t.get("name", "")) for t in a.get("threats") or []]
            if names:
                threats[str(k)] = names
            lines = [_red_line(r) for r in a.get("red_lines") or [] if isinstance(r, dict)]
            if lines:
                red_lines[str(k)] = lines
        issues, front = dict(meta.get("issues") or {}), meta.get("front_line_issue")
        return cls(actors, issues, threats, front, red_lines)

    @classmethod
    def from_scenario(cls, s: Any) -> Vocabulary:
        """From a validated Scenario (through the facts a run would record in meta.json)."""
        from ..model.engine.tables import run_meta

        return cls.from_meta(run_meta(s, 0, 0, 0.0))

    # -- one path -----------------------------------------------------------------------
    def label(self, path: str) -> str:
        """A reader's name for ``path`` (e.g. "Russia: stalling prior")."""
        parts = path.split(".")
        head, rest = parts[0], parts[1:]
        if head == "actors" and rest:
            who = self.actors.get(rest[0], _words(rest[0]))
            return f"{who}: {self._phrase(rest[1:], rest[0])}" if rest[1:] else who
        if head == "pressures" and rest:
            section = _words(rest[0]).capitalize()
            if len(rest) > 2 and rest[1] in self.actors:  # pressures.domestic.<actor>.field
                section += f", {self.actors[rest[1]]}"
                rest = [rest[0], *rest[2:]]
            return f"{section}: {self._phrase(rest[1:], None)}".rstrip(": ")
        if head in SECTIONS and rest:
            return f"{SECTIONS[head]}: {self._phrase(rest, None)}"
        return self._phrase(parts, None)

    def unit(self, path: str) -> str:
        """The unit of the number at ``path`` where it can be told ("" otherwise)."""
        parts = [p for p in path.split(".") if not p.isdigit() and p not in DIST_PARAMS]
        last = parts[-1] if parts else ""
        if last in self.issues and len(parts) >= 2 and parts[-2] in ("ideal", "reference", "shift"):
            return str(self.issues[last].get("unit") or "")
        if path.startswith("pressures.battlefield.control") and self.front_line:
            return str((self.issues.get(self.front_line) or {}).get("unit") or "")
        if last in UNIT_BY_FIELD:
            return UNIT_BY_FIELD[last]
        if last in PROBABILITY_FIELDS:
            return "probability"
        return ""

    def axis_label(self, path: str) -> str:
        """Label and unit, for an axis."""
        u = self.unit(path)
        return f"{self.label(path)} ({u})" if u else self.label(path)

    def _phrase(self, parts: list[str], actor: str | None) -> str:
        words: list[str] = []
        i = 0
        while i < len(parts):
            p = parts[i]
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            if p == "red_lines" and nxt is not None and nxt.isdigit():
                lines = self.red_lines.get(actor or "", [])
                k = int(nxt)
                words.append(f"red line '{lines[k]}'" if k < len(lines) else f"red line {k + 1}")
                i += 2
                continue
            if p == "threats" and nxt is not None and nxt.isdigit():
                names = self.threats.get(actor or "", [])
                k = int(nxt)
                words.append(f"threat '{names[k]}'" if k < len(names) else f"threat {k + 1}")
                i += 2
                continue
            if p in DIST_PARAMS and nxt is not None and nxt.isdigit():
                names_ = DIST_PARAMS[p]
                k = int(nxt)
                words.append(f"({names_[k] if k < len(names_) else f'parameter {k + 1}'})")
                i += 2
                continue
            if nxt is not None and nxt.isdigit():
                singular = re.sub(r"s$", "", _words(p))
                words.append(f"{singular} {int(nxt) + 1}")
                i += 2
                continue
            if p in self.actors and p != actor:
                words.append(f"of {self.actors[p]}")
            elif p in self.issues and words:
                words.append(f"of {_words(p)}")
            else:
                words.append(_field(p))
            i += 1
        return " ".join(words)


def _scenario_actors(meta: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The actors of a run's resolved scenario YAML (meta ``scenario_yaml``), {} if absent."""
    text = meta.get("scenario_yaml")
    return _actors_of(str(text)) if text else {}


@functools.lru_cache(maxsize=4)
def _actors_of(text: str) -> dict[str, dict[str, Any]]:
    """Parsed once per text: a report labels dozens of inputs from the same scenario (read only)."""
    import yaml

    try:
        tree = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    actors = tree.get("actors") if isinstance(tree, dict) else None
    return {str(k): a for k, a in (actors or {}).items() if isinstance(a, dict)}


def _red_line(r: Mapping[str, Any]) -> str:
    """A red line in a few words: "territory below 22.5", "territory above front + 0.3"."""
    way = "above" if r.get("above") is not None else "below"
    try:
        at = float(r.get(way) or 0.0)
    except (TypeError, ValueError):
        return f"{_words(str(r.get('issue', '')))} {way}"
    where = f"front {'+' if at >= 0 else '−'} {abs(at):g}" if r.get("from_front") else f"{at:g}"
    return f"{_words(str(r.get('issue', '')))} {way} {where}"


def input_label(path: str, meta: Mapping[str, Any]) -> str:
    """A human name for an outcome column of a sampled input: 'param.actors.russia.optimism'
    -> 'Russia: optimism' (with its unit), latent types 'stalling.<actor>' -> '<Actor>:
    stalling type'."""
    vocab = Vocabulary.from_meta(meta)
    if path.startswith("stalling."):
        who = path.split(".", 1)[1]
        return f"{vocab.label('actors.' + who)}: stalling type"
    return vocab.axis_label(path.removeprefix("param."))
