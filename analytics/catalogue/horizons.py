"""Calendar horizons: the day a change is measured from, and the value on or before it.

1d is the previous business day, 1w is 7 calendar days, 1m and 3m are calendar months
(31 Mar → 28/29 Feb), 12m is a calendar year (29 Feb → 28 Feb): a horizon never means "so many
rows". A change runs from the last value on or before the base day to the last value, and a
base that is too old is no base (a hole in the data is not a month's move). Two shapes of data
use the same rule:

- one series' own observations (``Points``, ``base``): the base is the last observation on or
  before the base day, none when it is more than the series' age limit before that day; ``status``
  says whether a series has a value at all and whether that value is current;
- a point-in-time panel column, forward-filled per business day (``column_changes``): the base is
  the row on or before the base day, none when that row, or the last one, was stale (a difference
  between two forward-filled copies of one old close would read as "unchanged" when nothing is
  known). ``Change.base`` is the date the base value was observed, which a reply names whenever
  it is not the calendar day itself (a weekend, a holiday, a gap in the source).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

HORIZONS = ("1d", "1w", "1m", "3m", "12m")
OK, STALE, MISSING = "ok", "stale", "missing"
_MONTHS = {"1m": 1, "3m": 3, "12m": 12}


@dataclass(frozen=True)
class Points:
    """One series' observations sorted by date: dates (datetime64[ns]), values and sources."""

    series: str
    dates: np.ndarray
    values: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.dates)

    def until(self, day: date) -> Points:
        """The observations dated on or before ``day``."""
        end = int(np.searchsorted(self.dates, np.datetime64(day, "ns"), side="right"))
        return Points(self.series, self.dates[:end], self.values[:end], self.sources[:end])

    def date_at(self, position: int) -> date:
        return pd.Timestamp(self.dates[position]).date()

    @property
    def first_date(self) -> date | None:
        return self.date_at(0) if len(self) else None

    @property
    def last_date(self) -> date | None:
        return self.date_at(-1) if len(self) else None

    @property
    def last_value(self) -> float | None:
        return float(self.values[-1]) if len(self) else None


@dataclass(frozen=True)
class Base:
    """The observation a change is measured from: the horizon's base day and what was on it."""

    horizon: str
    base_day: date
    date: date
    value: float


def by_series(obs: pd.DataFrame, wanted: Iterable[str]) -> dict[str, Points]:
    """The ``wanted`` series of a long observation frame as ``Points`` (empty when absent).

    A frame sorted by series then date (as ``ObservationStore.load`` and
    ``rawfiles.read_directory`` return it) is sliced without a copy of the rest; any other
    frame is sorted first.
    """
    if not obs["series"].is_monotonic_increasing:
        obs = obs.sort_values(["series", "date"], kind="stable", ignore_index=True)
    series = obs["series"].to_numpy()
    dates = obs["date"].to_numpy(dtype="datetime64[ns]")
    values = obs["value"].to_numpy(dtype="float64")
    sources = obs["source"].to_numpy(dtype=object) if "source" in obs else np.full(len(obs), "")
    out = {}
    for name in wanted:
        lo = int(np.searchsorted(series, name, side="left"))
        hi = int(np.searchsorted(series, name, side="right"))
        part = slice(lo, hi)
        day = dates[part]
        if len(day) > 1 and (np.diff(day) < np.timedelta64(0)).any():
            order = np.argsort(day, kind="stable")
            out[name] = Points(name, day[order], values[part][order], sources[part][order])
        else:
            out[name] = Points(name, day, values[part], sources[part])
    return out


def series_rows(obs: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """The rows of ``names`` in a long observation frame (sliced when it is sorted by series)."""
    names = list(names)
    if not obs["series"].is_monotonic_increasing:
        return obs[obs["series"].isin(names)]
    series = obs["series"].to_numpy()
    parts = [
        obs.iloc[int(np.searchsorted(series, n, "left")) : int(np.searchsorted(series, n, "right"))]
        for n in sorted(names)
    ]
    return pd.concat(parts) if parts else obs.iloc[:0]


def last_rows(obs: pd.DataFrame) -> pd.DataFrame:
    """Each series' latest observation: one row of ``obs`` per series, in series order."""
    if obs.empty:
        return obs
    series = obs["series"].to_numpy()
    dates = obs["date"].to_numpy(dtype="datetime64[ns]")
    same = series[1:] == series[:-1]
    ordered = obs["series"].is_monotonic_increasing and bool((dates[1:] >= dates[:-1])[same].all())
    if not ordered:
        obs = obs.sort_values(["series", "date"], kind="stable", ignore_index=True)
        series = obs["series"].to_numpy()
        same = series[1:] == series[:-1]
    return obs.iloc[np.flatnonzero(np.append(~same, True))]


def base_day(day: date, horizon: str) -> date:
    """``day`` minus the horizon on the calendar (1d = the previous business day, 1w = 7 days,
    months clamp to month end)."""
    if horizon == "1d":
        return (pd.Timestamp(day) - pd.offsets.BDay(1)).date()
    if horizon == "1w":
        return day - timedelta(days=7)
    if horizon not in _MONTHS:
        raise ValueError(f"unknown horizon {horizon!r}; expected one of {', '.join(HORIZONS)}")
    moved = pd.Timestamp(day) - pd.DateOffset(months=_MONTHS[horizon])
    return moved.date()


def base_days(days: np.ndarray | pd.DatetimeIndex, horizon: str) -> np.ndarray:
    """``base_day`` of every day of an array (datetime64[ns]; NaT stays NaT)."""
    days = np.asarray(days, dtype="datetime64[ns]")
    present = ~np.isnat(days)
    out = np.full(len(days), np.datetime64("NaT", "ns"))
    if not present.any():
        return out
    known = days[present]
    if horizon == "1d":
        moved = np.busday_offset(known.astype("datetime64[D]"), -1, roll="forward")
        out[present] = moved.astype("datetime64[ns]")
    elif horizon == "1w":
        out[present] = known - np.timedelta64(7, "D")
    elif horizon in _MONTHS:
        shifted = pd.DatetimeIndex(known) - pd.DateOffset(months=_MONTHS[horizon])
        out[present] = shifted.to_numpy(dtype="datetime64[ns]")
    else:
        raise ValueError(f"unknown horizon {horizon!r}; expected one of {', '.join(HORIZONS)}")
    return out


def on_or_before(points: Points, day: date) -> int | None:
    """The position of the last observation dated on or before ``day`` (None if there is none)."""
    position = int(np.searchsorted(points.dates, np.datetime64(day, "ns"), side="right")) - 1
    return position if position >= 0 else None


def base(points: Points, horizon: str, max_gap_days: int) -> Base | None:
    """The base of a change over ``horizon`` to the last observation of ``points``.

    None when the series is empty, or the last value on or before the base day is more than
    ``max_gap_days`` older than that day (or there is none).
    """
    last = points.last_date
    if last is None:
        return None
    day = base_day(last, horizon)
    position = on_or_before(points, day)
    if position is None:
        return None
    seen = points.date_at(position)
    if (day - seen).days > max_gap_days:
        return None
    return Base(horizon, day, seen, float(points.values[position]))


def status(points: Points, day: date, max_age_days: int) -> str:
    """``missing`` without observations, ``stale`` when the last is older than allowed, else ``ok``."""
    last = points.last_date
    if last is None:
        return MISSING
    return STALE if (day - last).days > max_age_days else OK


# --- panel columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A panel column's change over one horizon (None when either end has no current value)."""

    horizon: str
    value: float | None
    base: date | None  # the observation date of the value compared against
    nominal: date  # the calendar day the horizon points at

    @property
    def dated(self) -> bool:
        """True when the base was observed on another day than the horizon points at."""
        return self.base is not None and self.base != self.nominal


def column_changes(
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
        nominal = pd.Timestamp(base_day(day.date(), horizon))
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
