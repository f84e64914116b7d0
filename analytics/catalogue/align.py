"""Point-in-time alignment: the latest value available by each day, with its observation date."""

from __future__ import annotations

import numpy as np
import pandas as pd


def align(
    available: pd.DatetimeIndex | np.ndarray,
    observed: pd.DatetimeIndex | np.ndarray,
    values: np.ndarray,
    index: pd.DatetimeIndex,
) -> tuple[np.ndarray, np.ndarray]:
    """For each day of ``index``: the last value whose availability date is on or before it.

    ``available`` must be sorted; where several values become available on one day the last
    one wins. Returns the values (NaN before the first) and their observation dates (NaT).
    """
    avail = np.asarray(available, dtype="datetime64[ns]")
    days = np.asarray(index, dtype="datetime64[ns]")
    position = np.searchsorted(avail, days, side="right") - 1
    found = position >= 0
    safe = np.where(found, position, 0)
    out = np.where(
        found, np.asarray(values, dtype="float64")[safe] if len(avail) else np.nan, np.nan
    )
    obs = np.asarray(observed, dtype="datetime64[ns]")
    dates = np.where(found, obs[safe] if len(avail) else np.datetime64("NaT"), np.datetime64("NaT"))
    return out, dates.astype("datetime64[ns]")
