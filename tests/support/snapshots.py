"""Deterministic snapshots for command and template tests: synthetic observations, fixed day.

The observations are smooth functions of time (no randomness) in the store's long format, so
a snapshot built from them is the same on every machine. ``stressed`` ends with a yen rally
(an interesting regime); ``sparse`` lacks CFTC, VIX and 10-year data (unavailable blocks).
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from analytics.charts.frames import chart_frame
from analytics.narrative.snapshot import Snapshot, build_snapshot
from analytics.signal import pipeline
from commands.handlers.charts import make_chart
from commands.services import NoData, SnapshotProvider

TODAY = date(2026, 6, 12)  # a Friday: CFTC releases, weekly regime readings
YEARS = 4


def _frame(
    series: str,
    days: pd.DatetimeIndex,
    values: np.ndarray,
    source: str,
    released: pd.DatetimeIndex | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": series,
            "date": days.astype("datetime64[ns]"),
            "value": np.round(values.astype("float64"), 4),
            "released": (released if released is not None else pd.NaT),
            "source": source,
        }
    )


def observations(kind: str = "stressed", end: date = TODAY) -> pd.DataFrame:
    """Synthetic observations in the store's long format (series, date, value, released, source)."""
    days = pd.bdate_range(pd.Timestamp(end) - pd.DateOffset(years=YEARS), pd.Timestamp(end))
    n = len(days)
    t = np.arange(n, dtype="float64")
    trend = 138 + 20 * t / n + 4 * np.sin(t / 45)
    if kind == "stressed":
        # A yen rally over the last 25 business days: USD/JPY falls about 7%.
        fall = np.clip(t - (n - 25), 0, None) / 25
        fx = trend * (1 - 0.07 * fall)
    else:
        fx = trend
    frames = [
        _frame("fx.usdjpy.h10", days[:-6], fx[:-6], "fred"),
        # The ECB fixes at the same level here: the path has no daily noise, so any fixing-time
        # offset at the switch from H.10 would dominate its volatility (C3).
        _frame("fx.usdjpy.ecb", days, fx, "ecb"),
        _frame("us.2y", days, 4.6 - 0.9 * t / n + 0.1 * np.sin(t / 30), "fred"),
        _frame("jp.2y", days, 0.05 + 1.2 * t / n, "mof"),
    ]
    if kind == "stressed":
        vix = 15 + 2 * np.sin(t / 20) + 14 * np.clip(t - (n - 8), 0, None) / 8
        # Deterministic day-to-day wiggles (no randomness), so each series has a volatility.
        wiggle = np.sin(t * 2.3) + 0.5 * np.sin(t * 5.1)
        rally = np.clip(t - (n - 25), 0, None) / 25
        frames += [
            _frame("us.10y", days, 4.2 - 0.3 * t / n, "fred"),
            _frame("jp.10y", days, 0.5 + 1.5 * t / n + 0.01 * wiggle, "mof"),
            _frame("vix", days, vix, "fred"),
            # The long end climbs to a new high on the last day.
            _frame("jp.20y", days, 1.0 + 1.9 * t / n + 0.01 * wiggle, "mof"),
            _frame("jp.30y", days, 1.4 + 2.0 * t / n + 0.01 * wiggle, "mof"),
            _frame("jp.40y", days, 1.6 + 2.0 * t / n + 0.012 * wiggle, "mof"),
            # Stocks fall with the yen rally; Bitcoin trades every calendar day.
            _frame(
                "eq.nikkei225",
                days,
                30_000 * (1 + 0.5 * t / n) * (1 - 0.12 * rally) * (1 + 0.004 * wiggle),
                "fred",
            ),
            _frame(
                "eq.sp500",
                days[:-1],  # New York has not closed the last day yet
                (4_000 * (1 + 0.4 * t / n) * (1 - 0.05 * rally) * (1 + 0.003 * wiggle))[:-1],
                "fred",
            ),
        ]
        calendar = pd.date_range(days[0], days[-1], freq="D")
        c = np.arange(len(calendar), dtype="float64")
        coin_rally = np.clip(c - (len(c) - 35), 0, None) / 35
        coin = 30_000 * (1 + c / len(c)) * (1 - 0.2 * coin_rally) * (1 + 0.01 * np.sin(c * 1.9))
        frames.append(_frame("crypto.btcusd", calendar, coin, "fred"))
        tuesdays = pd.date_range(days[0], pd.Timestamp(end), freq="W-TUE")
        k = np.arange(len(tuesdays), dtype="float64")
        m = len(tuesdays)
        released = tuesdays + pd.Timedelta(days=3)
        short = 60_000 + 90_000 * k / m - 40_000 * np.clip(k - (m - 3), 0, None) / 3
        frames += [
            _frame("cftc.jpy.noncomm_long", tuesdays, 40_000 + 0 * k, "cftc", released),
            _frame("cftc.jpy.noncomm_short", tuesdays, short, "cftc", released),
            _frame("cftc.jpy.oi", tuesdays, 250_000 + 0 * k, "cftc", released),
            _frame("cftc.jpy.lev_long", tuesdays, 20_000 + 5_000 * np.sin(k / 7), "cftc", released),
            _frame("cftc.jpy.lev_short", tuesdays, 30_000 + 40_000 * k / m, "cftc", released),
            _frame("cftc.jpy.tff_oi", tuesdays, 200_000 + 0 * k, "cftc", released),
        ]
    obs = pd.concat(frames, ignore_index=True)
    obs["released"] = pd.to_datetime(obs["released"]).astype("datetime64[ns]")
    return obs.sort_values(["series", "date"], ignore_index=True)


@cache
def computed(
    kind: str = "stressed", today: date = TODAY
) -> tuple[Snapshot, pd.DataFrame, pipeline.Computation]:
    """(snapshot, daily frame, computation) of the synthetic observations, once per kind."""
    obs = observations(kind, today)
    result = pipeline.compute(obs, end=pd.Timestamp(today))
    return build_snapshot(obs, today, computation=result), chart_frame(result, obs), result


def provider(kind: str = "stressed") -> SnapshotProvider:
    """A snapshot provider serving the synthetic snapshot (``none``: no data at all)."""

    def build() -> tuple[Snapshot, pd.DataFrame, pipeline.Computation]:
        if kind == "none":
            raise NoData("no observations")
        return computed(kind)

    return SnapshotProvider(build, make_chart)
