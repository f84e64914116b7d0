"""Changes of a point-in-time panel column over calendar horizons, measured back from its last
day: 1d = the previous business day, 1w = 7 days, 1m = one calendar month, 3m = three months,
12m = one calendar year.

The base is the last value on or before that calendar day, so a horizon never means "so many
rows"; ``Change.base`` is the date that value was observed, which a reply names whenever it is
not the calendar day itself (a weekend, a holiday, a gap in the source). A value that is stale
today, or was stale on the base day, has no change: a difference between two forward-filled
copies of one old close would read as "unchanged" when nothing is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

OFFSETS: dict[str, pd.DateOffset] = {
    "1d": pd.offsets.BDay(1),
    "1w": pd.DateOffset(days=7),
    "1m": pd.DateOffset(months=1),
    "3m": pd.DateOffset(months=3),
    "12m": pd.DateOffset(years=1),
}


@dataclass(frozen=True)
class Change:
    """The change over one horizon (None when either end has no current value)."""

    horizon: str
    value: float | None
    base: date | None  # the observation date of the value compared against
    nominal: date  # the calendar day the horizon points at

    @property
    def dated(self) -> bool:
        """True when the base was observed on another day than the horizon points at."""
        return self.base is not None and self.base != self.nominal


def nominal_day(day: pd.Timestamp, horizon: str) -> pd.Timestamp:
    """The calendar day ``horizon`` before ``day``."""
    return pd.Timestamp(day) - OFFSETS[horizon]


def changes(
    values: pd.Series,
    observed: pd.Series,
    stale: pd.Series,
    horizons: Sequence[str],
    percent: bool = False,
) -> tuple[Change, ...]:
    """Changes of the last value of ``values`` (a daily, forward-filled panel column).

    ``observed`` holds each row's observation date and ``stale`` whether that row's value was
    too old to count; a stale last value, or a stale or missing base, gives no change.
    ``percent``: relative change in %.
    """
    index = pd.DatetimeIndex(values.index)
    day = index[-1]
    now = float("nan") if bool(stale.iloc[-1]) else float(values.iloc[-1])
    out = []
    for horizon in horizons:
        nominal = nominal_day(day, horizon)
        position = int(index.searchsorted(nominal, side="right")) - 1
        value: float | None = None
        base: date | None = None
        if position >= 0 and not np.isnan(now):
            then = float(values.iloc[position])
            seen = observed.iloc[position]
            if not np.isnan(then) and not bool(stale.iloc[position]) and not pd.isna(seen):
                base = pd.Timestamp(seen).date()
                value = 100 * (now / then - 1) if percent else now - then
        out.append(Change(horizon, value, base, nominal.date()))
    return tuple(out)
