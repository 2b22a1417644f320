"""The issues on the table: range in real units, end labels and the status quo."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .numbers import Number
from .spec import Label, Spec, Text

__all__ = ["Issue"]


class Issue(Spec):
    description: Text = ""
    unit: Label = ""
    range: tuple[Number, Number] = Field(description="[lo, hi] in real units, lo < hi")
    ends: tuple[Label, Label] | None = Field(
        default=None, description="labels of the lo and hi ends (default: the numbers)"
    )
    status_quo: Number | Literal["front_line"] | None = Field(
        default=None,
        description="current value in real units, or front_line: the battlefield moves it",
    )

    @model_validator(mode="after")
    def _check(self) -> Issue:
        lo, hi = self.range
        if not lo < hi:
            raise PydanticCustomError(
                "range", "range needs lo < hi (got [{lo}, {hi}])", {"lo": lo, "hi": hi}
            )
        if isinstance(self.status_quo, float) and not lo <= self.status_quo <= hi:
            raise PydanticCustomError(
                "range",
                "status_quo {v:g} is outside the issue's range [{lo:g}, {hi:g}]",
                {"v": self.status_quo, "lo": lo, "hi": hi},
            )
        return self

    def label(self, end: int) -> str:
        if self.ends is not None:
            return self.ends[end]
        return f"{self.range[end]:g}"
