"""Risk assets on one day: Nikkei 225, S&P 500 and Bitcoin against USD/JPY, as codes and numbers.

Per asset: the last close with its date and source; 1d (from the previous close), 1w and 1m moves
(calendar horizons of ``analytics.catalogue.horizons``, measured to the last close); the distance from the
high of its last 60 closes (its own sessions: 60 Tokyo days for the Nikkei, 60 calendar days for
Bitcoin) with the high's date; and the correlation of daily log returns with USD/JPY over the last
60 common days. A stale asset keeps its last close and date and gets nothing computed from it.

Alignment for the correlation: only dates on which both the asset and USD/JPY have an observation
are paired, and each return runs between consecutive such dates, so both legs of a pair cover the
same calendar interval (a Bitcoin Friday→Monday return includes its weekend, as USD/JPY's does;
a Tokyo or New York holiday merges two days for both). Returns spanning more than a week (a hole
in the data) are dropped. Same-date pairing: Tokyo closes about ten hours before the New York
noon USD/JPY rate, so a Nikkei day overlaps its USD/JPY day for about 14 of 24 hours. A positive
correlation means the asset rises when the yen weakens (USD/JPY up), so it moves with the carry
trade and a yen rally tends to weigh on it; ``Correlation.reading`` puts the value in one of
four bands (``reading``) for the one-line interpretation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue import horizons
from analytics.catalogue.horizons import Points
from analytics.catalogue.series import spec
from analytics.signal.panel import Panel
from analytics.signal.usdjpy import ECB, H10, splice

RISK_ASSETS = ("eq.nikkei225", "eq.sp500", "crypto.btcusd")
# The first day each asset existed: the Nikkei 225 was first published on 7 Sep 1950, the
# S&P 500 on 4 Mar 1957, and Bitcoin's first block was mined on 3 Jan 2009.
INCEPTION = {
    "eq.nikkei225": date(1950, 9, 7),
    "eq.sp500": date(1957, 3, 4),
    "crypto.btcusd": date(2009, 1, 3),
}
# Why a risk asset has no close on a day (``AssetReading.absence``): none is stored at all, the
# asset did not exist yet, it existed but the stored copy starts later (FRED's S&P 500 holds
# ten years, Coinbase's Bitcoin starts in Dec 2014), or none is stored and the day lies beyond
# what the source keeps (FRED serves only the last ten years of the S&P 500: a refresh would not
# bring that day either).
NONE_STORED, BEFORE_INCEPTION, BEFORE_COPY = "none_stored", "before_inception", "before_copy"
BEYOND_SOURCE = "beyond_source"
SOURCE_YEARS = {"eq.sp500": 10}
MOVE_HORIZONS = ("1w", "1m")
HIGH_CLOSES = 60
CORR_RETURNS = 60
CORR_MIN_RETURNS = 40
MAX_RETURN_SPAN_DAYS = 7
# The 60 common days must lie within this many calendar days, or the data has holes.
CORR_MAX_SPAN_DAYS = 120
CORR_OK, CORR_SHORT, CORR_NO_FX = "ok", "short_history", "no_usdjpy"
# Bands of the correlation for its reading: at least STRONG, at least WITH, within ±WITH, below.
CORR_STRONG, CORR_WITH = 0.5, 0.2
WITH_CARRY_STRONG, WITH_CARRY, UNRELATED, AGAINST_CARRY = (
    "with_carry_strong",
    "with_carry",
    "unrelated",
    "against_carry",
)


@dataclass(frozen=True)
class Move:
    """A percent move to the last close: ``1d`` from the previous close, else a calendar horizon."""

    horizon: str
    base_day: date
    from_date: date
    from_value: float
    change_pct: float


@dataclass(frozen=True)
class Correlation:
    """Correlation of daily log returns with USD/JPY over common days ``start``..``end``."""

    status: str
    value: float | None
    returns: int
    start: date | None
    end: date | None

    @property
    def reading(self) -> str | None:
        """What the value says about the carry link (None without a value): see ``reading``."""
        return None if self.value is None else reading(self.value)


def reading(value: float) -> str:
    """``with_carry_strong`` (≥ 0.5), ``with_carry`` (≥ 0.2), ``against_carry`` (≤ −0.2), else
    ``unrelated``: a positive correlation is an asset that rises as the yen weakens."""
    if value >= CORR_STRONG:
        return WITH_CARRY_STRONG
    if value >= CORR_WITH:
        return WITH_CARRY
    if value <= -CORR_WITH:
        return AGAINST_CARRY
    return UNRELATED


@dataclass(frozen=True)
class AssetReading:
    """One risk asset on the block's day (``status``: ok, stale or missing).

    A missing asset says why (``absence``): ``none_stored``, ``before_inception`` (``since`` is
    the day it began) or ``before_copy`` (``since`` is the first stored close, after the day).
    """

    series: str
    status: str
    close: float | None
    as_of: date | None
    source: str | None
    moves: tuple[Move, ...]
    high_60: float | None
    high_60_date: date | None
    from_high_pct: float | None
    correlation: Correlation | None
    absence: str | None = None
    since: date | None = None

    def move(self, horizon: str) -> Move | None:
        return next((m for m in self.moves if m.horizon == horizon), None)


@dataclass(frozen=True)
class MarketsBlock:
    """Every risk asset as of ``day``, and the last USD/JPY date the correlations could use."""

    day: date
    assets: tuple[AssetReading, ...]
    usdjpy_as_of: date | None

    def asset(self, series: str) -> AssetReading:
        return next(a for a in self.assets if a.series == series)


def observed_usdjpy(panel: Panel) -> pd.Series:
    """USD/JPY on the panel days it was observed (not carried forward), indexed by that day."""
    values = panel.values["usdjpy"]
    seen = panel.asof["usdjpy"].to_numpy(dtype="datetime64[ns]") == panel.index.to_numpy()
    return values[seen & ~np.isnan(values.to_numpy())]


def usdjpy_observations(obs: pd.DataFrame, end: date) -> pd.Series:
    """Observed USD/JPY to ``end`` spliced from the stored H.10 and ECB series as the panel does."""
    rows = horizons.series_rows(obs, [H10, ECB])
    rows = rows[rows["date"] <= pd.Timestamp(end)]
    if rows.empty:
        return pd.Series(dtype="float64", name="usdjpy")

    def one(series_id: str) -> pd.Series:
        part = rows[rows["series"] == series_id]
        return pd.Series(part["value"].to_numpy(), index=pd.DatetimeIndex(part["date"]))

    index = pd.bdate_range(rows["date"].min(), end)
    spliced = splice(one(H10), one(ECB), index)
    seen = spliced.as_of.to_numpy(dtype="datetime64[ns]") == index.to_numpy()
    return spliced.values[seen & ~np.isnan(spliced.values.to_numpy())]


def block(obs: pd.DataFrame, day: date, usdjpy: pd.Series) -> MarketsBlock:
    """The markets block from a long observation frame and observed USD/JPY (``observed_usdjpy``)."""
    fx = usdjpy[usdjpy.index <= pd.Timestamp(day)].dropna()
    points = horizons.by_series(obs, RISK_ASSETS)
    newest = pd.Timestamp(obs["date"].max()).date() if len(obs) else None
    assets = tuple(
        _reading(points[name].until(day), day, fx, points[name].first_date, newest)
        for name in RISK_ASSETS
    )
    fx_last = pd.Timestamp(fx.index[-1]).date() if len(fx) else None
    return MarketsBlock(day, assets, fx_last)


def previous_close(points: Points, max_gap_days: int) -> Move | None:
    """The 1d move: last close against the one before it (None across a hole in the data)."""
    if len(points) < 2:
        return None
    before, last = points.date_at(-2), points.date_at(-1)
    if (last - before).days > max_gap_days:
        return None
    start = float(points.values[-2])
    return Move("1d", before, before, start, (float(points.values[-1]) / start - 1) * 100)


def correlation(points: Points, fx: pd.Series) -> Correlation:
    """The 60-common-day correlation of daily log returns with USD/JPY (see the module doc)."""
    if not len(fx):
        return Correlation(CORR_NO_FX, None, 0, None, None)
    # Three times the window of the asset's own closes holds 60 common days unless data is missing.
    recent = points.dates[-3 * CORR_RETURNS - 1 :]
    fx_dates = fx.index.to_numpy(dtype="datetime64[ns]")
    fx_from = int(np.searchsorted(fx_dates, recent[0])) if len(recent) else len(fx_dates)
    fx_dates, fx_values = fx_dates[fx_from:], fx.to_numpy(dtype="float64")[fx_from:]
    offset = len(points) - len(recent)
    common, at_asset, at_fx = np.intersect1d(recent, fx_dates, return_indices=True)
    at_asset = at_asset + offset
    common, at_asset, at_fx = (
        common[-CORR_RETURNS - 1 :],
        at_asset[-CORR_RETURNS - 1 :],
        at_fx[-CORR_RETURNS - 1 :],
    )
    if len(common) < 2:
        return Correlation(CORR_SHORT, None, 0, None, None)
    asset_r = np.diff(np.log(points.values[at_asset]))
    fx_r = np.diff(np.log(fx_values[at_fx]))
    spans = np.diff(common) / np.timedelta64(1, "D")
    keep = spans <= MAX_RETURN_SPAN_DAYS
    start = pd.Timestamp(common[0]).date()
    end = pd.Timestamp(common[-1]).date()
    count = int(keep.sum())
    if count < CORR_MIN_RETURNS or (end - start).days > CORR_MAX_SPAN_DAYS:
        return Correlation(CORR_SHORT, None, count, start, end)
    value = float(np.corrcoef(asset_r[keep], fx_r[keep])[0, 1])
    return Correlation(CORR_OK, value, count, start, end)


def day_before(points: Points, days: int) -> date:
    """The day ``days`` calendar days before the last observation."""
    last = points.last_date
    assert last is not None
    return date.fromordinal(last.toordinal() - days)


def absence(
    series: str, day: date, first_stored: date | None, newest: date | None = None
) -> tuple[str, date | None]:
    """Why ``series`` has no close on or before ``day``, given the first close stored and the
    newest day of the store (the source's window reaches back from at least that day)."""
    began = INCEPTION.get(series)
    if began is not None and day < began:
        return BEFORE_INCEPTION, began
    if first_stored is not None and first_stored > day:
        return BEFORE_COPY, first_stored
    years = SOURCE_YEARS.get(series)
    if first_stored is None and years and newest is not None and day.year + years < newest.year:
        return BEYOND_SOURCE, None
    return NONE_STORED, None


def _reading(
    points: Points,
    day: date,
    fx: pd.Series,
    first_stored: date | None = None,
    newest: date | None = None,
) -> AssetReading:
    limit = spec(points.series).max_age_days
    state = horizons.status(points, day, limit)
    if state == horizons.MISSING:
        why, since = absence(points.series, day, first_stored, newest)
        return AssetReading(
            points.series, state, None, None, None, (), None, None, None, None, why, since
        )
    if state != horizons.OK:
        return AssetReading(
            points.series,
            state,
            points.last_value,
            points.last_date,
            None if state == horizons.MISSING else str(points.sources[-1]),
            (),
            None,
            None,
            None,
            None,
        )
    close = points.last_value
    assert close is not None
    moves = [previous_close(points, limit)]
    for horizon in MOVE_HORIZONS:
        start = horizons.base(points, horizon, limit)
        if start is not None:
            moves.append(
                Move(
                    horizon,
                    start.base_day,
                    start.date,
                    start.value,
                    (close / start.value - 1) * 100,
                )
            )
    # The last 60 closes, none older than the correlation's span (a hole is not a 60-day window).
    first = max(
        len(points) - HIGH_CLOSES,
        horizons.on_or_before(points, day_before(points, CORR_MAX_SPAN_DAYS)) or 0,
    )
    window = points.values[first:]
    high = float(window.max())
    high_at = first + int(np.flatnonzero(window == high)[-1])
    return AssetReading(
        points.series,
        state,
        close,
        points.last_date,
        str(points.sources[-1]),
        tuple(m for m in moves if m is not None),
        high,
        points.date_at(high_at),
        (close / high - 1) * 100,
        correlation(points, fx),
    )
