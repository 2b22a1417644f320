"""A resolved scenario written back out: plain tree, canonical SHA-256, commented YAML."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml

from .distributions import is_distribution_tree
from .schema import Scenario, distributions_by_path

__all__ = ["dump_yaml", "scenario_sha256", "scenario_to_tree"]


def scenario_to_tree(s: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON/YAML data that loads back to an equal Scenario."""
    tree = s.model_dump(mode="json", by_alias=True, exclude_none=True)
    tree.pop("extends", None)
    return tree


def scenario_sha256(s: Scenario) -> str:
    """SHA-256 of the canonical JSON (sorted keys) of the resolved scenario."""
    text = json.dumps(
        scenario_to_tree(s), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_yaml(s: Scenario, summarise: bool = False) -> str:
    """The fully resolved scenario as YAML; ``summarise`` comments each distribution."""
    dists = distributions_by_path(s) if summarise else {}
    lines: list[str] = []
    _emit(scenario_to_tree(s), 0, "", dists, lines)
    return "\n".join(lines) + "\n"


def _emit(v: Any, indent: int, path: str, dists: dict[str, Any], out: list[str]) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            sub = f"{path}.{k}" if path else str(k)
            if _flowable(x):
                out.append(f"{pad}{_scalar(k)}: {_flow(x)}{_comment(sub, dists)}")
            else:
                out.append(f"{pad}{_scalar(k)}:")
                _emit(x, indent + 2, sub, dists, out)
    else:
        for i, x in enumerate(v):
            sub = f"{path}.{i}"
            if _flowable(x):
                out.append(f"{pad}- {_flow(x)}{_comment(sub, dists)}")
            else:
                start = len(out)
                _emit(x, indent + 2, sub, dists, out)
                out[start] = f"{pad}- {out[start][indent + 2 :]}"


# A list of scalars longer than this (as flow text) is written one item a line.
FLOW_WIDTH = 100


def _flowable(x: Any) -> bool:
    if isinstance(x, (dict, list)):
        if not x:
            return True
        if isinstance(x, list):
            scalars = all(not isinstance(i, (dict, list)) for i in x)
            return scalars and len(_flow(x)) <= FLOW_WIDTH
        return is_distribution_tree(x)
    return True


# libyaml's emitter when PyYAML was built with it (same output, about ten times faster).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _flow(x: Any) -> str:
    text: str = yaml.dump(
        x,
        Dumper=_DUMPER,
        default_flow_style=True,
        width=1 << 30,
        allow_unicode=True,
        sort_keys=False,
    )
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    elif text.endswith("..."):
        text = text[:-3].rstrip()
    return text


def _scalar(k: Any) -> str:
    return _flow(k)


def _comment(path: str, dists: dict[str, Any]) -> str:
    d = dists.get(path)
    if d is None:
        return ""
    text: str = d.summary()
    return "  # " + (text.split("~ ", 1)[1] if "~ " in text else text)
