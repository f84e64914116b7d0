"""Same-day pairs: a gap between two series measured only from closes of one day.

A gap (the US 2-year yield minus the JGB 2-year, the policy rates, the 10-year yields) is a
difference of two legs that close on different calendars: a Tokyo holiday leaves the JGB leg on
its previous close while New York trades, and the other way round. Subtracting the two latest
closes would pair two different days and label the result with one of them. Here a gap exists
only on the days both legs have a close (``same_day``), and on any day the gap read is the one
of the last such day on or before it (``on_days``), labelled with that day.

A change of a gap over a horizon (``analytics.catalogue.horizons``: 1d, 1w, 1m, 3m, 12m) runs
from the pair of the last day on or before the horizon's base day, counted back from the day of
the current pair, to the current pair. A base more than ``max_age_days`` before its base day is
no base, and a current pair more than ``max_age_days`` old is stale (``stale``): a reply then
shows no change from it. Every gap the bot shows goes through this module (the snapshot's gap
blocks and thesis line, the signal's components, the day's moves, the hike study, the charts,
the backtest), so a quantity has one figure wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue.horizons import Change, Points, base_days

NAT = np.datetime64("NaT", "ns")


@dataclass(frozen=True)
class Pairs:
    """A gap on the days both legs closed: ascending dates (datetime64[ns]) and values.

    ``max_age_days`` is how old a pair may be before it is stale (the stricter leg's limit).
    """

    dates: np.ndarray
    values: np.ndarray
    max_age_days: float

    def __len__(self) -> int:
        return len(self.dates)


@dataclass(frozen=True)
class PairDays:
    """The pair read on each of some days: its day (NaT before the first), value, staleness."""

    dates: np.ndarray
    values: np.ndarray
    stale: np.ndarray


@dataclass(frozen=True)
class Pair:
    """One pair: the day both legs closed and the gap on it."""

    date: date
    value: float


def same_day(
    us_dates: np.ndarray,
    us_values: np.ndarray,
    jp_dates: np.ndarray,
    jp_values: np.ndarray,
    max_age_days: float,
    scale: float = 100.0,
) -> Pairs:
    """``scale`` × (US − Japan) on every day both legs have a value (dates sorted, unique)."""
    us_dates, us_values = _unique(us_dates, us_values)
    jp_dates, jp_values = _unique(jp_dates, jp_values)
    days, at_us, at_jp = np.intersect1d(us_dates, jp_dates, assume_unique=True, return_indices=True)
    values = scale * (us_values[at_us] - jp_values[at_jp])
    keep = ~np.isnan(values)
    return Pairs(days[keep], values[keep], max_age_days)


def from_points(us: Points, jp: Points, max_age_days: float, scale: float = 100.0) -> Pairs:
    """The pairs of two series' own observations."""
    return same_day(us.dates, us.values, jp.dates, jp.values, max_age_days, scale)


def from_columns(
    us_values: pd.Series | np.ndarray,
    us_observed: pd.Series | np.ndarray,
    jp_values: pd.Series | np.ndarray,
    jp_observed: pd.Series | np.ndarray,
    max_age_days: float,
    scale: float = 100.0,
) -> Pairs:
    """The pairs of two forward-filled panel columns, each given with its observation dates.

    A leg's close of day D is the value of the last row that holds D's observation (a value
    carried forward is the same close, so any of those rows would do; the last one is the one a
    hypothetical change of the latest close edits).
    """
    return same_day(
        *_observations(us_values, us_observed),
        *_observations(jp_values, jp_observed),
        max_age_days,
        scale,
    )


def on_days(pairs: Pairs, days: np.ndarray | pd.DatetimeIndex) -> PairDays:
    """For each day: the last pair on or before it, its value, and whether it is stale there."""
    days = np.asarray(days, dtype="datetime64[ns]")
    position = np.searchsorted(pairs.dates, days, side="right") - 1
    found = (position >= 0) & ~np.isnat(days)
    safe = np.where(found, position, 0)
    if len(pairs):
        dates = np.where(found, pairs.dates[safe], NAT)
        values = np.where(found, pairs.values[safe], np.nan)
    else:
        dates = np.full(len(days), NAT)
        values = np.full(len(days), np.nan)
    with np.errstate(invalid="ignore"):
        age = (days - dates) / np.timedelta64(1, "D")
        stale = ~found | ~(age <= pairs.max_age_days)
    return PairDays(dates.astype("datetime64[ns]"), values, stale)


@dataclass(frozen=True)
class PairChanges:
    """A change over one horizon on each of some days (NaN where there is no base).

    ``value`` is computed even where the current pair is stale (the signal marks that day
    stale itself); ``base`` is the day of the base pair, ``nominal`` the day the horizon
    points at (counted back from the current pair's day).
    """

    horizon: str
    value: np.ndarray
    base: np.ndarray
    nominal: np.ndarray
    stale: np.ndarray


def changes_on_days(pairs: Pairs, days: np.ndarray | pd.DatetimeIndex, horizon: str) -> PairChanges:
    """The change over ``horizon`` of the pair read on each day (see the module doc)."""
    now = on_days(pairs, days)
    nominal = base_days(now.dates, horizon)
    base = on_days(pairs, nominal)
    with np.errstate(invalid="ignore"):
        gap = (nominal - base.dates) / np.timedelta64(1, "D")
        ok = ~np.isnan(now.values) & ~np.isnan(base.values) & (gap <= pairs.max_age_days)
    return PairChanges(
        horizon,
        np.where(ok, now.values - base.values, np.nan),
        np.where(ok, base.dates, NAT).astype("datetime64[ns]"),
        nominal,
        now.stale,
    )


def at(pairs: Pairs, day: date) -> Pair | None:
    """The last pair on or before ``day`` (None when there is none)."""
    read = on_days(pairs, np.array([np.datetime64(day, "ns")]))
    if np.isnat(read.dates[0]):
        return None
    return Pair(pd.Timestamp(read.dates[0]).date(), float(read.values[0]))


def is_stale(pairs: Pairs, day: date) -> bool:
    """Whether the pair read on ``day`` is missing or older than the age limit."""
    return bool(on_days(pairs, np.array([np.datetime64(day, "ns")])).stale[0])


def change(pairs: Pairs, day: date, horizon: str) -> Change:
    """The change over ``horizon`` of the pair read on ``day`` (None when it is stale or has no
    base); ``base`` is the day of the base pair."""
    found = changes_on_days(pairs, np.array([np.datetime64(day, "ns")]), horizon)
    value = float(found.value[0])
    nominal = found.nominal[0]
    ok = not np.isnan(value) and not bool(found.stale[0])
    return Change(
        horizon,
        value if ok else None,
        pd.Timestamp(found.base[0]).date() if ok else None,
        pd.Timestamp(nominal).date() if not np.isnat(nominal) else day,
    )


def series(pairs: Pairs) -> pd.Series:
    """The pairs as a series indexed by their days."""
    return pd.Series(pairs.values, index=pd.DatetimeIndex(pairs.dates))


def _observations(
    values: pd.Series | np.ndarray, observed: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    dates = np.asarray(observed, dtype="datetime64[ns]")
    numbers = np.asarray(values, dtype="float64")
    keep = ~np.isnat(dates) & ~np.isnan(numbers)
    return dates[keep], numbers[keep]


def _unique(dates: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique dates, each with the value of its last occurrence."""
    dates = np.asarray(dates, dtype="datetime64[ns]")
    values = np.asarray(values, dtype="float64")
    if len(dates) == 0:
        return dates, values
    order = np.argsort(dates, kind="stable")
    dates, values = dates[order], values[order]
    last = np.append(dates[1:] != dates[:-1], True)
    return dates[last], values[last]
