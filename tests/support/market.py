"""Synthetic markets in the observation store's long format, for signal and regime tests."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.catalogue import observations

START = "2015-01-05"
DAYS = 1100  # enough for the 3-year windows of the signal plus a year to look at


def policy_rate(bank: str, index: pd.DatetimeIndex) -> pd.Series:
    """A flat decision table: Fed 5.00%, BoJ 0.10%."""
    return pd.Series(5.0 if bank == "fed" else 0.1, index=index, dtype="float64")


def days(count: int = DAYS, start: str = START) -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=count)


def calm(count: int = DAYS, seed: int = 1) -> dict[str, pd.Series]:
    """Quiet markets: USD/JPY drifting up with 0.4% daily noise, steady yields, VIX at 14."""
    index = days(count)
    rng = np.random.default_rng(seed)
    fx = 110 * np.exp(np.cumsum(rng.normal(0.0002, 0.004, count)))
    return {
        "fx.usdjpy.h10": pd.Series(fx, index),
        "us.2y": pd.Series(4.0 + rng.normal(0, 0.01, count), index),
        "jp.2y": pd.Series(0.1 + rng.normal(0, 0.005, count), index),
        "us.10y": pd.Series(4.2 + rng.normal(0, 0.01, count), index),
        "jp.10y": pd.Series(0.5 + rng.normal(0, 0.005, count), index),
        "vix": pd.Series(14 + rng.normal(0, 0.3, count), index),
    }


def crash(series: dict[str, pd.Series], at: int, fall_pct: float, days_: int) -> None:
    """Make USD/JPY fall ``fall_pct`` % over ``days_`` days from position ``at`` (in place)."""
    fx = series["fx.usdjpy.h10"].to_numpy().copy()
    path = np.linspace(0, np.log(1 - fall_pct / 100), days_ + 1)[1:]
    fx[at : at + days_] = fx[at - 1] * np.exp(path)
    fx[at + days_ :] = fx[at + days_ - 1] * fx[at + days_ :] / fx[at + days_]
    series["fx.usdjpy.h10"] = pd.Series(fx, series["fx.usdjpy.h10"].index)


def long_frame(
    series: Mapping[str, pd.Series], released: Mapping[str, pd.Series] | None = None
) -> pd.DataFrame:
    """The long observation frame (with a ``source`` column) of date-indexed series."""
    parts = []
    for name, values in series.items():
        values = values.dropna()
        rel = (released or {}).get(name)
        parts.append(
            observations.frame(
                [name] * len(values),
                values.index,
                values.to_numpy(),
                None if rel is None else rel.reindex(values.index),
            )
        )
    out = observations.concat(parts)
    return out.assign(source="test").sort_values(["series", "date"], ignore_index=True)
