"""The synthetic Results of conftest.make_results keeps the contract of a real engine run:
the same columns (up to actor and issue names), dtypes, meta keys and trace shape."""

from __future__ import annotations

import re

from conftest import make_results
from scenario_files import MINIMAL

import sim

# Columns named after an actor, an issue or a scenario path: compared by their prefix.
NAMED = re.compile(r"^(final_support|stalling|support_mean|terms|param|fired)\.(.+)$")


def _shape(frame) -> dict[str, str]:
    """Column -> dtype kind, with named columns collapsed to 'prefix.*'."""
    out: dict[str, str] = {}
    for col, dtype in frame.dtypes.items():
        m = NAMED.match(str(col))
        key = f"{m.group(1)}.*" if m else str(col)
        kind = "f" if dtype.kind in "fi" and m and m.group(1) == "param" else str(dtype)
        assert out.setdefault(key, kind) == kind, (col, dtype, out[key])
    return out


def test_the_synthetic_results_have_the_columns_dtypes_and_meta_of_a_real_run():
    real = sim.run(sim.load_scenario(MINIMAL), replicates=200, seed=1, trace=3)
    fake = make_results()
    real_cols, fake_cols = _shape(real.outcomes), _shape(fake.outcomes)
    # The minimal scenario has no threats; per-threat columns are the only ones it may lack.
    fake_cols.pop("fired.*", None)
    real_cols.pop("fired.*", None)
    assert fake_cols == real_cols
    assert _shape(fake.series) == _shape(real.series)
    assert set(fake.meta) == set(real.meta)
    for key in ("diagnostics", "issues", "actors"):
        assert type(fake.meta[key]) is type(real.meta[key]), key
    assert set(fake.meta["diagnostics"]) == set(real.meta["diagnostics"])
    assert real.traces and fake.traces
    assert set(fake.traces[0]) == set(real.traces[0])
    assert set(fake.traces[0]["outcome"]) <= set(real.traces[0]["outcome"])
    real_event_keys = {k for t in real.traces for e in t["events"] for k in e}
    assert {"day", "date", "kind", "text"} <= real_event_keys
    assert all({"day", "date", "kind", "text"} <= set(e) for t in fake.traces for e in t["events"])
