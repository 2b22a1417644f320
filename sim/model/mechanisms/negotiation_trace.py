"""The trace of an offer for the traced replicates: what was put, each side's verdict and values."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..bargaining.offers import Offer
from ..engine.world import WorldBase


def trace_offer(
    w: WorldBase, neg: Any, offer: Offer, acc: NDArray[np.bool_], margins: NDArray[np.float64]
) -> None:
    """Log ``offer`` and both verdicts for each traced replicate it was put to, with the
    ``margins`` (2, r) the verdicts were made on, complete in the traced rows (the values of
    all of them in one pass: each row's are its own, whatever rows are computed with it)."""
    tr = w.tracer
    lay = neg.spec.layout
    verdict = {True: "accepts", False: "rejects"}
    traced = np.flatnonzero(offer.rows < tr.k)
    if not traced.size:
        return
    sub = offer.only(offer.rows < tr.k)
    vals = _values(w, neg, sub, margins[:, traced])
    for i, j in enumerate(traced):
        r = int(offer.rows[j])
        who = [f"{lay.sides[s]} {verdict[bool(acc[s, j])]}" for s in (0, 1)]
        if offer.truce_days is not None:
            what = f"{offer.name} ({offer.truce_days}-day truce)"
        else:
            terms = lay.unscale(offer.terms[j])
            what = (
                offer.name
                + ": "
                + ", ".join(f"{k} {v:.3g}" for k, v in zip(lay.issues, terms, strict=True))
            )
        text = f"{what}; {'; '.join(who)}"
        if acc[0, j] and acc[1, j]:
            text += " -> " + ("truce" if offer.truce_days is not None else "ceasefire agreed")
        kind = "truce" if offer.truce_days is not None else "proposal"
        tr.log(w.day, kind, tr.mask(w.n, np.array([r])), text)
        tr.logs[r][-1].update({k: [round(float(x), 4) for x in v[:, i]] for k, v in vals.items()})


def _values(
    w: WorldBase, neg: Any, sub: Offer, margins: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """(2, rows) arrays of what the trace shows for each side, in the traced rows ``sub``
    (``margins``: theirs, complete)."""
    if sub.truce_days is not None:
        return {"value": np.array([neg.verdicts.truce_value(w, s, sub) for s in (0, 1)])}
    rows = sub.rows
    return {
        "value": np.array([neg.verdicts.value(s, sub) for s in (0, 1)]),
        "war_value": neg.war.reject[:, rows],
        # each side accepts iff margin > its misjudgement; the margin is the value of
        # signing (its expected life counted) less rejecting (waiting counted)
        "margin": margins,
        "misjudgement": neg.judgement.error[:, rows],
    }
