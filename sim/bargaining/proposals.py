"""Offers from the scenario: named packages (terms or truces) and the live status quo."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..engine.context import Ctx
from ..engine.state import State
from .agents import Offer, offer_for_terms

IntArray = NDArray[np.intp]


def package_terms(ctx: Ctx, st: State, name: str, rows: IntArray) -> NDArray[np.float64]:
    pkg = ctx.compiled.packages[name]
    terms = np.broadcast_to(pkg.fixed, (len(rows), ctx.compiled.k)).copy()
    if pkg.live.any():
        terms[:, pkg.live] = st.control[rows, None]
    return terms


def package_offers(ctx: Ctx, st: State, rows: IntArray) -> list[Offer]:
    """Every named package, plus the status quo when every issue has one: candidates for a mediator."""
    c = ctx.compiled
    out = [
        offer_for_terms(ctx, name, rows, package_terms(ctx, st, name, rows)) for name in c.packages
    ]
    sq_known = ~np.isnan(c.sq_fixed)
    if c.front is not None:
        sq_known[c.front] = True
    if sq_known.all():
        terms = np.broadcast_to(np.nan_to_num(c.sq_fixed), (len(rows), c.k)).copy()
        if c.front is not None:
            terms[:, c.front] = st.control[rows]
        out.append(offer_for_terms(ctx, "status quo", rows, terms))
    return out


def scheduled_offer(ctx: Ctx, st: State, index: int, rows: IntArray) -> Offer:
    """The scenario's proposal ``index`` as an offer to ``rows``."""
    c = ctx.compiled
    prop = c.scenario.proposals[index]
    by = c.side_ids.index(prop.by) if prop.by in c.side_ids else None
    if prop.truce_days is not None:
        empty = np.zeros((2, len(rows)))
        return Offer(
            prop.name,
            rows,
            np.zeros((len(rows), c.k)),
            empty,
            empty,
            by=by,
            truce_days=prop.truce_days,
            key=f"proposal.{index}",
            index=index,
        )
    terms = package_terms(ctx, st, prop.name, rows)
    return offer_for_terms(ctx, prop.name, rows, terms, by=by, index=index, key=f"proposal.{index}")
