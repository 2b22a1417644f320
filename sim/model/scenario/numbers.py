"""A plain scenario number: finite and within ±MAX_MAGNITUDE (docs/scenario-language.md,
section 12, "Limits"), the type of the numbers that are never a distribution (issue ranges,
observed levels, terms, shifts). A distribution's parameters are checked by its family, which
says how far its draws can reach."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ...io.limits import MAX_MAGNITUDE

__all__ = ["Number"]


def _within_magnitude(v: float) -> float:
    """Every scenario number lies within ±MAX_MAGNITUDE: an issue range of ±1e308 would make
    its span (hi − lo) infinite."""
    if abs(v) > MAX_MAGNITUDE:
        raise PydanticCustomError(
            "number_range",
            "must be within ±{limit} (the largest magnitude a scenario number may take)",
            {"limit": f"{MAX_MAGNITUDE:g}"},
        )
    return v


Number = Annotated[
    float, Field(strict=True, allow_inf_nan=False), AfterValidator(_within_magnitude)
]
