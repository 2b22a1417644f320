"""Distributions a scenario number may be given as, and their sampling by inverse CDF.

Every distribution is a frozen pydantic model with one key (its name), e.g.
``{normal: [mean, sd]}``. Sampling goes through ``ppf(u)`` on uniforms, so one
Gaussian copula serves every family (see :func:`sample_correlated`). numpy and
scipy are imported by the methods that sample: validating a scenario needs neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]

Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Dist(BaseModel):
    """Base of the distribution models: one key, a list of parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    name: ClassVar[str] = ""

    def params(self) -> tuple[float, ...]:
        return tuple(getattr(self, self.name))

    def ppf(self, u: FloatArray) -> FloatArray:  # pragma: no cover - abstract
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent draws (a fast direct sampler where numpy has one)."""
        return self.ppf(rng.random(n))

    def mean(self) -> float:
        import numpy as np

        return float(self.ppf(np.linspace(0.0005, 0.9995, 1000)).mean())

    def summary(self) -> str:
        """Short human text: ``normal(0.5, 0.1) ~ mean 0.5 [p5 0.34, p95 0.66]``."""
        import numpy as np

        args = ", ".join(_fmt(p) for p in self.params())
        lo, hi = (float(v) for v in self.ppf(np.array([0.05, 0.95])))
        return f"{self.name}({args}) ~ mean {_fmt(self.mean())} [p5 {_fmt(lo)}, p95 {_fmt(hi)}]"


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _bad(rule: str) -> PydanticCustomError:
    return PydanticCustomError("distribution", rule)


class Normal(Dist):
    name: ClassVar[str] = "normal"
    normal: tuple[Finite, Finite] = Field(description="[mean, sd], sd > 0")

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if self.normal[1] <= 0:
            raise _bad(f"normal sd must be > 0 (got {self.normal[1]})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        m, s = self.normal
        return np.asarray(stats.norm.ppf(u, loc=m, scale=s), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.normal(*self.normal, size=n)

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def mean(self) -> float:
        return self.normal[0]


class TruncNormal(Dist):
    name: ClassVar[str] = "truncnormal"
    truncnormal: tuple[Finite, Finite, Finite, Finite] = Field(
        description="[mean, sd, lo, hi]: a normal cut to [lo, hi], sd > 0, lo < hi"
    )

    @model_validator(mode="after")
    def _check(self) -> TruncNormal:
        _m, s, lo, hi = self.truncnormal
        if s <= 0:
            raise _bad(f"truncnormal sd must be > 0 (got {s})")
        if not lo < hi:
            raise _bad(f"truncnormal needs lo < hi (got lo={lo}, hi={hi})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        m, s, lo, hi = self.truncnormal
        a, b = (lo - m) / s, (hi - m) / s
        return np.asarray(stats.truncnorm.ppf(u, a, b, loc=m, scale=s), dtype=float)

    def support(self) -> tuple[float, float]:
        return (self.truncnormal[2], self.truncnormal[3])

    def mean(self) -> float:
        from scipy import stats

        m, s, lo, hi = self.truncnormal
        return float(stats.truncnorm.mean((lo - m) / s, (hi - m) / s, loc=m, scale=s))


class Uniform(Dist):
    name: ClassVar[str] = "uniform"
    uniform: tuple[Finite, Finite] = Field(description="[lo, hi], lo < hi")

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        lo, hi = self.uniform
        if not lo < hi:
            raise _bad(f"uniform needs lo < hi (got lo={lo}, hi={hi})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np

        lo, hi = self.uniform
        return lo + (hi - lo) * np.asarray(u, dtype=float)

    def support(self) -> tuple[float, float]:
        return self.uniform

    def mean(self) -> float:
        return 0.5 * (self.uniform[0] + self.uniform[1])


class Triangular(Dist):
    name: ClassVar[str] = "triangular"
    triangular: tuple[Finite, Finite, Finite] = Field(
        description="[lo, mode, hi], lo <= mode <= hi, lo < hi"
    )

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        lo, mode, hi = self.triangular
        if not (lo <= mode <= hi and lo < hi):
            raise _bad(
                f"triangular needs lo <= mode <= hi and lo < hi (got {list(self.triangular)})"
            )
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        lo, mode, hi = self.triangular
        c = (mode - lo) / (hi - lo)
        return np.asarray(stats.triang.ppf(u, c, loc=lo, scale=hi - lo), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        return (
            rng.triangular(*self.triangular, size=n)
            if self.triangular[0] < self.triangular[2]
            else self.ppf(rng.random(n))
        )

    def support(self) -> tuple[float, float]:
        return (self.triangular[0], self.triangular[2])

    def mean(self) -> float:
        return sum(self.triangular) / 3.0


class Beta(Dist):
    name: ClassVar[str] = "beta"
    beta: tuple[Finite, Finite] = Field(description="[a, b], both > 0; values in [0, 1]")

    @model_validator(mode="after")
    def _check(self) -> Beta:
        a, b = self.beta
        if a <= 0 or b <= 0:
            raise _bad(f"beta parameters must be > 0 (got a={a}, b={b})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        return np.asarray(stats.beta.ppf(u, *self.beta), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.beta(*self.beta, size=n)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def mean(self) -> float:
        a, b = self.beta
        return a / (a + b)


class LogNormal(Dist):
    name: ClassVar[str] = "lognormal"
    lognormal: tuple[Finite, Finite] = Field(
        description="[mu, sigma] of the underlying normal (log scale), sigma > 0"
    )

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if self.lognormal[1] <= 0:
            raise _bad(f"lognormal sigma must be > 0 (got {self.lognormal[1]})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        mu, sigma = self.lognormal
        return np.asarray(stats.lognorm.ppf(u, sigma, scale=math.exp(mu)), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.lognormal(*self.lognormal, size=n)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        mu, sigma = self.lognormal
        return math.exp(mu + sigma**2 / 2)


class Pert(Dist):
    name: ClassVar[str] = "pert"
    pert: tuple[Finite, Finite, Finite] = Field(
        description="[min, mode, max] expert estimate (beta-PERT), min <= mode <= max, min < max"
    )

    @model_validator(mode="after")
    def _check(self) -> Pert:
        lo, mode, hi = self.pert
        if not (lo <= mode <= hi and lo < hi):
            raise _bad(f"pert needs min <= mode <= max and min < max (got {list(self.pert)})")
        return self

    def _ab(self) -> tuple[float, float]:
        lo, mode, hi = self.pert
        return 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np
        from scipy import stats

        lo, _, hi = self.pert
        a, b = self._ab()
        return np.asarray(lo + (hi - lo) * stats.beta.ppf(u, a, b), dtype=float)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        lo, _, hi = self.pert
        return lo + (hi - lo) * rng.beta(*self._ab(), size=n)

    def support(self) -> tuple[float, float]:
        return (self.pert[0], self.pert[2])

    def mean(self) -> float:
        lo, mode, hi = self.pert
        return (lo + 4 * mode + hi) / 6


class ChoiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    values: tuple[Finite, ...] = Field(min_length=1, description="the possible values")
    p: tuple[Finite, ...] | None = Field(
        default=None, description="their probabilities (default: equal); each in [0, 1], sum 1"
    )

    @model_validator(mode="after")
    def _check(self) -> ChoiceSpec:
        if self.p is None:
            return self
        if len(self.p) != len(self.values):
            raise _bad(f"choice needs one p per value ({len(self.values)} values, {len(self.p)} p)")
        if any(not 0 <= q <= 1 for q in self.p):
            raise _bad(f"choice probabilities must be in [0, 1] (got {list(self.p)})")
        if abs(sum(self.p) - 1) > 1e-6:
            raise _bad(f"choice probabilities must sum to 1 (got {sum(self.p):.6g})")
        return self


class Choice(Dist):
    name: ClassVar[str] = "choice"
    choice: ChoiceSpec

    def params(self) -> tuple[float, ...]:
        return self.choice.values

    def _p(self) -> NDArray[np.float64]:
        import numpy as np

        n = len(self.choice.values)
        return np.asarray(self.choice.p if self.choice.p is not None else [1 / n] * n)

    def ppf(self, u: FloatArray) -> FloatArray:
        import numpy as np

        cum = np.cumsum(self._p())
        cum[-1] = 1.0
        idx = np.searchsorted(cum, np.asarray(u, dtype=float), side="right")
        return np.asarray(self.choice.values, dtype=float)[np.minimum(idx, len(cum) - 1)]

    def support(self) -> tuple[float, float]:
        return (min(self.choice.values), max(self.choice.values))

    def mean(self) -> float:
        import numpy as np

        return float(np.dot(self._p(), self.choice.values))

    def summary(self) -> str:
        vals = ", ".join(_fmt(v) for v in self.choice.values)
        ps = ", ".join(_fmt(q) for q in self._p())
        return f"choice([{vals}], p=[{ps}]) ~ mean {_fmt(self.mean())}"


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
    return _fmt(float(v)) if not isinstance(v, Dist) else v.summary()


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
