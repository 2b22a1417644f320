"""Distributions a scenario number may be given as: the families by name, the number type, sampling.

A scenario number is a finite float or a one-key mapping naming a family of
``families`` (e.g. ``{normal: [mean, sd]}``). Sampling goes through each family's
``ppf(u)`` on uniforms, so one Gaussian copula serves every family (see
:func:`sample_correlated`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag
from pydantic_core import PydanticCustomError

from ...io.limits import MAX_MAGNITUDE
from .families import (
    Beta,
    Choice,
    Dist,
    Finite,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    TruncNormal,
    Uniform,
    number_text,
)

if TYPE_CHECKING:
    from .families import FloatArray

__all__ = [
    "DISTRIBUTIONS",
    "Dist",
    "Finite",
    "describe",
    "is_distribution_tree",
    "mean_of",
    "num_union",
    "rank_to_pearson",
    "sample_correlated",
    "support_of",
]


DISTRIBUTIONS: dict[str, type[Dist]] = {
    c.name: c for c in (Normal, TruncNormal, Uniform, Triangular, Beta, LogNormal, Pert, Choice)
}


def is_distribution_tree(v: Any) -> bool:
    """True for a one-key mapping named after a distribution, as written in a scenario file."""
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in DISTRIBUTIONS


def _num_tag(v: Any) -> str | None:
    if isinstance(v, dict) and len(v) == 1:
        key = next(iter(v))
        return key if key in DISTRIBUTIONS else None
    if isinstance(v, Dist):
        return v.name
    return "number"


def _check_shape(v: Any) -> Any:
    """Reject anything that is neither a number nor a one-key distribution, with a clear rule."""
    import difflib

    if isinstance(v, bool):
        raise PydanticCustomError(
            "number_type", "expected a number or a distribution, not a boolean"
        )
    if isinstance(v, dict):
        if len(v) != 1:
            raise PydanticCustomError(
                "distribution",
                "a distribution is a mapping with exactly one key, its name ({names})",
                {"names": ", ".join(DISTRIBUTIONS)},
            )
        key = next(iter(v))
        if key not in DISTRIBUTIONS:
            close = difflib.get_close_matches(str(key), list(DISTRIBUTIONS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise PydanticCustomError(
                "distribution",
                "unknown distribution '{key}'{hint}; known: {names}",
                {"key": str(key), "hint": hint, "names": ", ".join(DISTRIBUTIONS)},
            )
    elif not isinstance(v, (int, float, Dist)):
        raise PydanticCustomError(
            "number_type", "expected a number or a distribution such as {{normal: [mean, sd]}}"
        )
    elif isinstance(v, (int, float)) and abs(v) > MAX_MAGNITUDE and math.isfinite(v):
        raise PydanticCustomError(
            "number_range",
            "must be within ±{limit} (the largest magnitude a scenario number may take)",
            {"limit": f"{MAX_MAGNITUDE:g}"},
        )
    return v


def num_union() -> Any:
    """The type of a scenario number: a finite float or one of the distributions."""
    from pydantic import BeforeValidator

    members: list[Any] = [Annotated[Finite, Tag("number")]]
    members += [Annotated[cls, Tag(name)] for name, cls in DISTRIBUTIONS.items()]
    return Annotated[
        Union[tuple(members)],  # noqa: UP007 - dynamic union
        Discriminator(_num_tag),
        BeforeValidator(_check_shape),
    ]


def support_of(v: float | Dist) -> tuple[float, float]:
    return (float(v), float(v)) if not isinstance(v, Dist) else v.support()


def mean_of(v: float | Dist) -> float:
    return float(v) if not isinstance(v, Dist) else v.mean()


def describe(v: float | Dist) -> str:
    return number_text(float(v)) if not isinstance(v, Dist) else v.summary()


def rank_to_pearson(rho_s: float) -> float:
    """Spearman rank correlation -> Pearson correlation of the Gaussian copula."""
    return 2.0 * math.sin(math.pi * rho_s / 6.0)


def sample_correlated(
    dists: Sequence[Dist],
    z: FloatArray,
    corr: FloatArray | None = None,
) -> FloatArray:
    """Turn independent standard normals ``z`` (k, n) into samples (k, n) of ``dists``.

    ``corr`` is the (k, k) Pearson correlation of the Gaussian copula; None means
    independent. The Cholesky factor mixes the normals, Phi maps them to uniforms
    and each distribution's ppf gives the value: ranks follow the copula.
    """
    import numpy as np
    from scipy import stats

    if corr is not None:
        z = np.linalg.cholesky(corr) @ z
    u = stats.norm.cdf(z)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.vstack([d.ppf(u[i]) for i, d in enumerate(dists)]) if dists else z
