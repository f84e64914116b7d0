"""Japan's long end on one day: the 20-, 30- and 40-year JGB yields, their changes, records, 10s30s.

Each tenor carries its last yield and the date MoF published it for, its 1m and 12m calendar
changes in basis points (``analytics.catalogue.horizons``: from the last yield on or before the base day)
and a computed record: ``series_high`` when no earlier yield held in the data was as high (with
the first date held: 30Y from Sep 1999, 40Y from Nov 2007), else ``high_since`` with the last
date it was at least as high. A tenor with no new close for longer than its age limit is
``stale``: its yield keeps its date, and no change or record is given. The 10s30s slope is 30Y
minus 10Y on the same MoF date.

What the 30-year's changes mean for the fiscal side of the carry argument is a verdict of
``analytics.narrative.verdicts.long_end`` (the rule table every briefing sentence follows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue import horizons
from analytics.catalogue.horizons import Points
from analytics.catalogue.series import spec

TENORS = {"jp.20y": 20, "jp.30y": 30, "jp.40y": 40}
TEN_YEAR = "jp.10y"
HEADLINE = "jp.30y"
CHANGE_HORIZONS = ("1m", "12m")
SERIES_HIGH, HIGH_SINCE = "series_high", "high_since"
# A record that last held less than a year ago is not worth a headline; the block says so.
NOTABLE_RECORD_DAYS = 365


@dataclass(frozen=True)
class YieldChange:
    """A yield's change over a calendar horizon, in basis points, and what it was measured from."""

    horizon: str
    base_day: date
    from_date: date
    from_pct: float
    change_bp: float


@dataclass(frozen=True)
class Record:
    """How high a yield is in its own history held in the data.

    ``kind`` is ``series_high`` (``since`` = first date held) or ``high_since`` (``since`` = the
    last earlier date with a yield at least as high). ``notable`` when that is at least
    ``NOTABLE_RECORD_DAYS`` before the yield's date. ``high_pct``/``high_date``: the highest
    yield held (the last time it was reached), which is today's on a ``series_high``.
    """

    kind: str
    since: date
    since_pct: float | None
    series_start: date
    notable: bool
    high_pct: float
    high_date: date


@dataclass(frozen=True)
class TenorReading:
    """One long-end tenor on the block's day."""

    series: str
    years: int
    status: str
    yield_pct: float | None
    as_of: date | None
    source: str | None
    changes: tuple[YieldChange, ...]
    record: Record | None

    def change(self, horizon: str) -> YieldChange | None:
        return next((c for c in self.changes if c.horizon == horizon), None)


@dataclass(frozen=True)
class Slope:
    """30-year minus 10-year JGB yield in bp on one MoF date, with its 12m change."""

    level_bp: float
    as_of: date
    change_12m_bp: float | None
    change_12m_from: date | None


@dataclass(frozen=True)
class LongEndBlock:
    """The long end as of ``day``: every tenor, the headline (30-year) and the 10s30s slope."""

    day: date
    tenors: tuple[TenorReading, ...]
    slope_10s30s: Slope | None

    @property
    def headline(self) -> TenorReading:
        return self.tenor(HEADLINE)

    def tenor(self, series: str) -> TenorReading:
        return next(t for t in self.tenors if t.series == series)


def block(obs: pd.DataFrame, day: date) -> LongEndBlock:
    """The long-end block from a long observation frame, using what is dated on or before ``day``."""
    points = {
        name: p.until(day) for name, p in horizons.by_series(obs, [*TENORS, TEN_YEAR]).items()
    }
    readings = tuple(_reading(points[name], years, day) for name, years in TENORS.items())
    thirty = next(r for r in readings if r.series == HEADLINE)
    slope = _slope(points[HEADLINE], points[TEN_YEAR]) if thirty.status == horizons.OK else None
    return LongEndBlock(day, readings, slope)


def record(points: Points) -> Record | None:
    """The record of the last yield of ``points`` against every earlier one held."""
    if not len(points):
        return None
    last_value = points.values[-1]
    at_least = np.flatnonzero(points.values[:-1] >= last_value)
    start = points.first_date
    assert start is not None
    last_day = points.last_date
    assert last_day is not None
    top = float(points.values.max())
    top_day = points.date_at(int(np.flatnonzero(points.values == top)[-1]))
    if not len(at_least):
        notable = (last_day - start).days >= NOTABLE_RECORD_DAYS
        return Record(SERIES_HIGH, start, None, start, notable, top, top_day)
    position = int(at_least[-1])
    since = points.date_at(position)
    notable = (last_day - since).days >= NOTABLE_RECORD_DAYS
    return Record(HIGH_SINCE, since, float(points.values[position]), start, notable, top, top_day)


def _reading(points: Points, years: int, day: date) -> TenorReading:
    limit = spec(points.series).max_age_days
    state = horizons.status(points, day, limit)
    if state == horizons.MISSING:
        return TenorReading(points.series, years, state, None, None, None, (), None)
    changes: tuple[YieldChange, ...] = ()
    found = None
    if state == horizons.OK:
        changes = tuple(c for h in CHANGE_HORIZONS if (c := _change(points, h, limit)) is not None)
        found = record(points)
    return TenorReading(
        points.series,
        years,
        state,
        points.last_value,
        points.last_date,
        str(points.sources[-1]),
        changes,
        found,
    )


def _change(points: Points, horizon: str, limit: int) -> YieldChange | None:
    start = horizons.base(points, horizon, limit)
    last = points.last_value
    if start is None or last is None:
        return None
    return YieldChange(horizon, start.base_day, start.date, start.value, (last - start.value) * 100)


def _slope(thirty: Points, ten: Points) -> Slope | None:
    """30Y − 10Y on the 30-year's last date (both MoF tenors come from the same row)."""
    common, at_30, at_10 = np.intersect1d(thirty.dates, ten.dates, return_indices=True)
    if not len(common) or common[-1] != thirty.dates[-1]:
        return None
    spread = (thirty.values[at_30] - ten.values[at_10]) * 100
    curve = horizons.Points("jp.10s30s", common, spread, np.full(len(common), ""))
    year_ago = horizons.base(curve, "12m", spec(thirty.series).max_age_days)
    level = float(spread[-1])
    return Slope(
        level,
        curve.date_at(-1),
        None if year_ago is None else level - year_ago.value,
        None if year_ago is None else year_ago.date,
    )
