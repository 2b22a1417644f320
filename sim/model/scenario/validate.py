"""A merged scenario mapping checked in full: the models' field rules, then the cross-references."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .messages import OMIT, RawProblem, merge_union, translate
from .references import reference_problems
from .schema import Scenario

__all__ = ["validate_tree"]


def validate_tree(tree: Any) -> tuple[Scenario | None, list[RawProblem]]:
    """Validate a merged scenario mapping; return the model (or None) and every problem."""
    if not isinstance(tree, dict):
        return None, [((), "the scenario must be a mapping of keys to values", OMIT)]
    try:
        s = Scenario.model_validate(tree)
    except ValidationError as e:
        probs = []
        for err in e.errors(include_url=False):
            loc, msg, v = translate(dict(err), tree)
            probs.append((loc, msg, v, str(err["type"])))
        return None, merge_union(probs)
    problems = reference_problems(s)
    return (s if not problems else None), problems
