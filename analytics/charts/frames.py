"""What the charts draw, as data: the daily frame with the risk assets, rebasing, aggregation.

The risk assets are not panel columns (the signal does not read them), so they are joined here
from the observations: per business day of the frame, the last close observed on or before it,
and a ``*_stale`` flag when that close is older than its series' age limit (a Tokyo holiday
carries the Nikkei a day or two; a hole in the data is stale). Each close sits on its own
observation date: Bitcoin's weekend values fall between business days and are not drawn.

``rebase_point`` finds the close a rebased line starts from; ``pressure_points`` turns a long
pressure history into weekly or monthly highs with each period's most severe regime.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.catalogue.align import align
from analytics.catalogue.series import spec
from analytics.signal.pipeline import Computation
from analytics.signal.regime import SEVERITY

# Chart column → catalogue series.
RISK_COLUMNS = {"nikkei225": "eq.nikkei225", "btcusd": "crypto.btcusd"}
# Pressure over a long window: beyond these spans (days) draw weekly, then monthly, highs.
DAILY_UP_TO_DAYS, WEEKLY_UP_TO_DAYS = 2 * 366, 10 * 366


def chart_frame(computation: Computation, obs: pd.DataFrame) -> pd.DataFrame:
    """``computation.daily()`` with the risk-asset columns of ``with_risk_assets``."""
    return with_risk_assets(computation.daily(), obs)


def with_risk_assets(daily: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """``daily`` plus, per risk asset, its close, that close's date and whether it is stale.

    Columns ``nikkei225``, ``nikkei225_asof``, ``nikkei225_stale`` (and the same for ``btcusd``);
    all NaN / NaT / False when the store holds none of the series (offline: never in the seed).
    """
    index = pd.DatetimeIndex(daily.index)
    days = index.to_numpy(dtype="datetime64[ns]")
    columns: dict[str, np.ndarray] = {}
    for column, series in RISK_COLUMNS.items():
        rows = obs[obs["series"] == series].sort_values("date", kind="stable")
        dates = rows["date"].to_numpy(dtype="datetime64[ns]")
        values, asof = align(dates, dates, rows["value"].to_numpy(dtype="float64"), index)
        with np.errstate(invalid="ignore"):
            age = (days - asof) / np.timedelta64(1, "D")
            stale = age > spec(series).max_age_days
        columns[column] = values
        columns[f"{column}_asof"] = asof
        columns[f"{column}_stale"] = stale
    return daily.assign(**columns)


def rebase_point(daily: pd.DataFrame, column: str) -> tuple[pd.Timestamp, float] | None:
    """The first current close of a column in the frame: its observation date and value.

    None when the frame has no current value of it (missing, or stale all through the window).
    """
    if column not in daily.columns:
        return None
    values = daily[column].to_numpy(dtype="float64")
    current = ~np.isnan(values)
    if f"{column}_stale" in daily.columns:
        current &= ~daily[f"{column}_stale"].to_numpy(dtype=bool)
    if not current.any():
        return None
    position = int(current.argmax())
    day = daily.index[position]
    if f"{column}_asof" in daily.columns:
        day = daily[f"{column}_asof"].iloc[position]
    return pd.Timestamp(day), float(values[position])


def pressure_step(index: pd.Index) -> str:
    """How a pressure chart over these days is drawn: ``day``, ``week`` or ``month``."""
    if len(index) == 0:
        return "day"
    span = (pd.Timestamp(index[-1]) - pd.Timestamp(index[0])).days
    if span <= DAILY_UP_TO_DAYS:
        return "day"
    return "week" if span <= WEEKLY_UP_TO_DAYS else "month"


def pressure_points(daily: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The pressure frame to draw and its step (``day``, ``week`` or ``month``).

    Up to two years: every day. Longer: per week (up to ten years) or month, the highest
    pressure of the period and its most severe regime (``analytics.signal.regime.SEVERITY``), indexed by
    the period's first day, so even 40 years stay within about 500 points.
    """
    frame = daily[["unwind_pressure", "regime"]]
    step = pressure_step(frame.index)
    if step == "day":
        return frame, step
    freq = "W-SUN" if step == "week" else "M"
    periods = pd.DatetimeIndex(frame.index).to_period(freq)
    rank = frame["regime"].map({r.value: level for r, level in SEVERITY.items()}).fillna(-1)
    grouped = frame.assign(rank=rank).groupby(periods)
    worst = grouped["rank"].idxmax()
    points = pd.DataFrame(
        {
            "unwind_pressure": grouped["unwind_pressure"].max(),
            "regime": frame.loc[worst.to_numpy(), "regime"].to_numpy(),
        }
    )
    points.index = pd.DatetimeIndex(
        [max(p.start_time, frame.index[0]) for p in points.index], name=frame.index.name
    )
    return points, step
