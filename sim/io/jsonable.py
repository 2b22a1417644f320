"""Plain JSON values from numpy, pandas and date objects (NaN and infinities become None)."""

from __future__ import annotations

import datetime as dt
import math
import sys
from typing import Any

import numpy as np

__all__ = ["jsonable"]


def jsonable(x: Any) -> Any:
    """Plain JSON types from numpy/pandas/dates; NaN and infinities become None."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    # pandas is not imported for this: an object of pandas exists only once it has been
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(x, pd.Timestamp):
        return x.isoformat()
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if x is None or isinstance(x, str):
        return x
    if pd is not None and x is pd.NaT:
        return None
    return str(x)
