"""The trace of an offer for the traced replicates: what was put, each side's verdict and values."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..bargaining.offers import Offer
from ..engine.world import WorldBase


def trace_offer(w: WorldBase, neg: Any, offer: Offer, acc: NDArray[np.bool_]) -> None:
    """Log ``offer`` and both verdicts for each traced replicate it was put to."""
    tr = w.tracer
    lay = neg.spec.layout
    verdict = {True: "accepts", False: "rejects"}
    for j in np.flatnonzero(offer.rows < tr.k):
        r = int(offer.rows[j])
        who = [f"{lay.sides[s]} {verdict[bool(acc[s, j])]}" for s in (0, 1)]
        one = offer.only(np.arange(len(offer.rows)) == j)
        if offer.truce_days is not None:
            kind, what = "truce", f"{offer.name} ({offer.truce_days}-day truce)"
            vals: dict[str, object] = {
                "value": [round(float(neg.verdicts.truce_value(w, s, one)[0]), 4) for s in (0, 1)]
            }
        else:
            kind = "proposal"
            terms = lay.unscale(offer.terms[j])
            what = (
                offer.name
                + ": "
                + ", ".join(f"{k} {v:.3g}" for k, v in zip(lay.issues, terms, strict=True))
            )
            vals = {
                "value": [round(float(neg.verdicts.value(s, one)[0]), 4) for s in (0, 1)],
                "war_value": [round(float(neg.war.reject[s, r]), 4) for s in (0, 1)],
                # each side accepts iff margin > its misjudgement; the margin is the value of
                # signing (its expected life counted) less rejecting (waiting counted)
                "margin": [round(float(m), 4) for m in neg.verdicts.margins(w, one)[:, 0]],
                "misjudgement": [round(float(neg.judgement.error[s, r]), 4) for s in (0, 1)],
            }
        text = f"{what}; {'; '.join(who)}"
        if acc[0, j] and acc[1, j]:
            text += " -> " + ("truce" if offer.truce_days is not None else "ceasefire agreed")
        tr.log(w.day, kind, tr.mask(w.n, np.array([r])), text)
        tr.logs[r][-1].update(vals)
