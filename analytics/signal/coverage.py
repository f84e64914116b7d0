"""Which days the stored data can speak for: the first and last USD/JPY close.

A briefing or a backtest for days outside that span would be made of nothing (or of
forward-filled values), so it is refused with an error that names the span.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.errors import CarrybotError
from analytics.signal import usdjpy


class OutsideData(CarrybotError):
    """The days asked for lie outside the data (or hold no market day)."""


@dataclass(frozen=True)
class Coverage:
    """The first and last day with a USD/JPY close (the one input every reading needs)."""

    first: date
    last: date


def coverage(obs: pd.DataFrame) -> Coverage | None:
    """The span of the observations' USD/JPY closes; None when there are none."""
    dates = obs.loc[obs["series"].isin([usdjpy.H10, usdjpy.ECB]), "date"]
    if dates.empty:
        return None
    return Coverage(pd.Timestamp(dates.min()).date(), pd.Timestamp(dates.max()).date())


def require_day(obs: pd.DataFrame, day: date) -> None:
    """Refuse a reading for a day before the first USD/JPY close."""
    span = coverage(obs)
    if span is not None and day < span.first:
        raise OutsideData(
            f"no market data on or before {day:%Y-%m-%d}: the stored history starts on "
            f"{span.first:%Y-%m-%d}; choose a date from then on"
        )


def require_span(obs: pd.DataFrame, start: date, end: date) -> None:
    """Refuse a replay of ``start``–``end`` unless it holds a weekday with data."""
    span = coverage(obs)
    if span is None:
        raise OutsideData("no USD/JPY data is stored: run `carrybot refresh` first")
    if end < span.first:
        raise OutsideData(
            f"no market data from {start:%Y-%m-%d} to {end:%Y-%m-%d}: the history starts on "
            f"{span.first:%Y-%m-%d}; choose an --end after it"
        )
    if start > span.last:
        raise OutsideData(
            f"no market data from {start:%Y-%m-%d} to {end:%Y-%m-%d}: the history ends on "
            f"{span.last:%Y-%m-%d}; choose a --start before it (or run `carrybot refresh`)"
        )
    first, last = max(start, span.first), min(end, span.last)
    if len(pd.bdate_range(first, last)) == 0:
        before = (pd.Timestamp(start) - pd.offsets.BDay(1)).date()
        after = (pd.Timestamp(end) + pd.offsets.BDay(1)).date()
        raise OutsideData(
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d} holds no market day (a weekend); widen the "
            f"range, e.g. --start {before:%Y-%m-%d} --end {after:%Y-%m-%d}"
        )
