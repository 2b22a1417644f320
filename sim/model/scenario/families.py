"""The distribution families a scenario number may be given as: one frozen model each, sampled by inverse CDF.

Every family is a pydantic model with one key (its name), e.g. ``{normal: [mean, sd]}``,
whose constructor checks its parameters. numpy and scipy are imported by the methods
that sample: validating a scenario needs neither.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ...io.limits import MAX_MAGNITUDE

__all__ = [
    "Beta",
    "Choice",
    "ChoiceSpec",
    "Dist",
    "Finite",
    "LogNormal",
    "Normal",
    "Pert",
    "Triangular",
    "TruncNormal",
    "Uniform",
    "number_text",
]

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]

Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]

# Sampling clips the copula's uniforms to [1e-12, 1 - 1e-12]: no draw lies beyond the
# quantiles of those levels, which for a normal are TAIL_Z standard deviations out.
TAIL_Z = 7.0345
# A truncnormal whose [lo, hi] keeps less of the normal's mass than this pins its draws
# to a bound: the distribution says something other than what was meant.
MIN_TRUNCNORMAL_MASS = 1e-4


class Dist(BaseModel):
    """Base of the distribution models: one key, a list of parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    name: ClassVar[str] = ""

    def params(self) -> tuple[float, ...]:
        return tuple(getattr(self, self.name))

    def sane(self, lo: float, hi: float) -> None:
        """Refuse parameters, or draws from ``lo`` to ``hi``, beyond ±MAX_MAGNITUDE (or not
        finite): they overflow the engine's arithmetic long after validation."""
        big = [p for p in (*self.params(), lo, hi) if not abs(p) <= MAX_MAGNITUDE]
        if big:
            raise _bad(
                f"{self.name} draws or parameters reach {number_text(big[0])}, beyond "
                f"±{MAX_MAGNITUDE:g}, the largest magnitude a scenario number may take; "
                "use smaller parameters"
            )

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

        args = ", ".join(number_text(p) for p in self.params())
        lo, hi = (float(v) for v in self.ppf(np.array([0.05, 0.95])))
        mean, p5, p95 = (number_text(x) for x in (self.mean(), lo, hi))
        return f"{self.name}({args}) ~ mean {mean} [p5 {p5}, p95 {p95}]"


def number_text(x: float) -> str:
    """A number as the summaries write it: four significant figures."""
    return f"{x:.4g}"


def _scipy_ppf(family: str, u: FloatArray, *args: float, **kwargs: float) -> FloatArray:
    """``scipy.stats.<family>.ppf(u, ...)`` as a float array (scipy imported on first use)."""
    import numpy as np
    from scipy import stats

    return np.asarray(getattr(stats, family).ppf(u, *args, **kwargs), dtype=float)


def _bad(rule: str) -> PydanticCustomError:
    return PydanticCustomError("distribution", rule)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


class Normal(Dist):
    name: ClassVar[str] = "normal"
    normal: tuple[Finite, Finite] = Field(description="[mean, sd], sd > 0")

    @model_validator(mode="after")
    def _check(self) -> Normal:
        m, sd = self.normal
        if sd <= 0:
            raise _bad(f"normal sd must be > 0 (got {sd})")
        self.sane(m - TAIL_Z * sd, m + TAIL_Z * sd)
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        m, s = self.normal
        return _scipy_ppf("norm", u, loc=m, scale=s)

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
        self.sane(lo, hi)
        a, b = (lo - _m) / s, (hi - _m) / s
        mass = _normal_cdf(b) - _normal_cdf(a)
        if not mass >= MIN_TRUNCNORMAL_MASS:
            away = min(abs(a), abs(b))
            raise _bad(
                f"truncnormal [lo, hi] = [{lo:g}, {hi:g}] keeps only {mass:.2g} of the normal's "
                f"mass (the mean is {away:.3g} sd outside it), so every draw sits at a bound; "
                "move the mean or widen sd, or use uniform or pert"
            )
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        m, s, lo, hi = self.truncnormal
        a, b = (lo - m) / s, (hi - m) / s
        return _scipy_ppf("truncnorm", u, a, b, loc=m, scale=s)

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
        self.sane(lo, hi)
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
        self.sane(lo, hi)
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        lo, mode, hi = self.triangular
        c = (mode - lo) / (hi - lo)
        return _scipy_ppf("triang", u, c, loc=lo, scale=hi - lo)

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
        self.sane(0.0, 1.0)
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        return _scipy_ppf("beta", u, *self.beta)

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
        mu, sigma = self.lognormal
        if sigma <= 0:
            raise _bad(f"lognormal sigma must be > 0 (got {sigma})")
        self.sane(0.0, 0.0)
        top = mu + TAIL_Z * sigma  # log of the largest draw, and of the mean below it
        if not max(top, mu + sigma**2 / 2) <= math.log(MAX_MAGNITUDE):
            raise _bad(
                f"lognormal [{mu:g}, {sigma:g}] draws values up to about e^{top:.4g} (or has a "
                f"mean beyond that), beyond {MAX_MAGNITUDE:g}, the largest magnitude a scenario "
                "number may take; mu and sigma are on the log scale: use smaller ones"
            )
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        mu, sigma = self.lognormal
        return _scipy_ppf("lognorm", u, sigma, scale=math.exp(mu))

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
        self.sane(lo, hi)
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

    @model_validator(mode="after")
    def _check(self) -> Choice:
        self.sane(0.0, 0.0)
        return self

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
        vals = ", ".join(number_text(v) for v in self.choice.values)
        ps = ", ".join(number_text(q) for q in self._p())
        return f"choice([{vals}], p=[{ps}]) ~ mean {number_text(self.mean())}"
