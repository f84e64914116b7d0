"""The day's moves judged against each series' own volatility, so a lede can name the biggest.

A series' move of the day runs from its previous observation to the one dated on the day (none
when it has no observation that day: a Tokyo holiday gives the Nikkei no move). Prices move in
percent, yields and gaps in basis points. The z-score divides the move by the standard deviation
of the series' previous ``VOL_MOVES`` moves (at least ``MIN_MOVES``; moves across a hole longer
than the series' age limit are left out). Series: the 2-year and 10-year gaps between same-day pairs
(``analytics.signal.gaps``: a gap moves on a day both legs closed, from the last earlier such
day; a Tokyo or New York holiday gives it no move), USD/JPY on the days it was observed, the
three risk assets and the 30-year JGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue import horizons, pairs
from analytics.catalogue.series import spec
from analytics.picture import markets
from analytics.signal import gaps
from analytics.signal.panel import Panel
from analytics.signal.pipeline import Computation

VOL_MOVES = 250
MIN_MOVES = 60
PCT, BP = "pct", "bp"
GAP_KEYS = {"gap_2y": "2y", "gap_10y": "10y"}
PRICE_SERIES = markets.RISK_ASSETS
YIELD_SERIES = ("jp.30y",)
USDJPY = "usdjpy"
# Gaps take the older leg's limit; USD/JPY that of the ECB cross (the freshest source).
GAP_MAX_GAP_DAYS = 5
USDJPY_MAX_GAP_DAYS = 5


@dataclass(frozen=True)
class DayMove:
    """One series' move on ``day``: level, move (``unit``), its σ over past moves and z-score."""

    key: str
    unit: str
    day: date
    from_date: date
    level: float
    move: float
    sigma: float | None
    z: float | None
    moves: int


def move_of_day(
    key: str,
    unit: str,
    dates: np.ndarray,
    values: np.ndarray,
    day: date,
    max_gap_days: int,
    scale: float = 1.0,
) -> DayMove | None:
    """The move to the observation dated ``day`` (None without one or across a hole).

    ``dates`` must be sorted; ``scale`` turns the unit of a bp move (100 for a yield in %).
    """
    end = int(np.searchsorted(dates, np.datetime64(day, "ns"), side="right"))
    if end < 2 or pd.Timestamp(dates[end - 1]).date() != day:
        return None
    tail_dates = dates[max(0, end - VOL_MOVES - 2) : end]
    tail = values[max(0, end - VOL_MOVES - 2) : end].astype("float64")
    steps = (tail[1:] / tail[:-1] - 1) * 100 if unit == PCT else np.diff(tail) * scale
    spans = np.diff(tail_dates) / np.timedelta64(1, "D")
    if spans[-1] > max_gap_days or np.isnan(steps[-1]):
        return None
    past = steps[:-1][(spans[:-1] <= max_gap_days) & ~np.isnan(steps[:-1])][-VOL_MOVES:]
    sigma = float(np.std(past, ddof=1)) if len(past) >= MIN_MOVES else None
    move = float(steps[-1])
    z = move / sigma if sigma else None
    return DayMove(
        key,
        unit,
        day,
        pd.Timestamp(tail_dates[-2]).date(),
        float(tail[-1]),
        move,
        sigma,
        z,
        len(past),
    )


def day_moves(obs: pd.DataFrame, computation: Computation, day: date) -> tuple[DayMove, ...]:
    """Every series' move of ``day`` that exists, the largest |z| first (no z last)."""
    found: list[DayMove | None] = []
    panel = _window(computation, day)
    fx = markets.observed_usdjpy(panel)
    found.append(
        move_of_day(
            USDJPY,
            PCT,
            fx.index.to_numpy(dtype="datetime64[ns]"),
            fx.to_numpy(dtype="float64"),
            day,
            USDJPY_MAX_GAP_DAYS,
        )
    )
    for key, gap_key in GAP_KEYS.items():
        gap = gap_updates(panel, gap_key)
        found.append(
            move_of_day(
                key,
                BP,
                gap.index.to_numpy(dtype="datetime64[ns]"),
                gap.to_numpy(dtype="float64"),
                day,
                GAP_MAX_GAP_DAYS,
            )
        )
    points = horizons.by_series(obs, [*PRICE_SERIES, *YIELD_SERIES])
    for name in PRICE_SERIES:
        p = points[name]
        found.append(move_of_day(name, PCT, p.dates, p.values, day, spec(name).max_age_days))
    for name in YIELD_SERIES:
        p = points[name]
        found.append(
            move_of_day(name, BP, p.dates, p.values, day, spec(name).max_age_days, scale=100.0)
        )
    moves = [m for m in found if m is not None]
    return tuple(sorted(moves, key=lambda m: -abs(m.z) if m.z is not None else np.inf))


def _window(computation: Computation, day: date) -> Panel:
    """The panel rows up to ``day`` that its moves and their σ need."""
    p = computation.panel
    end = int(p.index.searchsorted(pd.Timestamp(day), side="right"))
    rows = slice(max(0, end - 2 * VOL_MOVES - 10), end)
    return Panel(
        p.values.iloc[rows],
        p.asof.iloc[rows],
        p.stale.iloc[rows],
        p.fx_source.iloc[rows],
        p.reports,
        p.splice,
    )


def largest(moves: tuple[DayMove, ...]) -> DayMove | None:
    """The move with the largest |z| (None when no move has a z-score)."""
    scored = [m for m in moves if m.z is not None]
    return max(scored, key=lambda m: abs(m.z or 0.0)) if scored else None


def gap_updates(panel: Panel, key: str) -> pd.Series:
    """A gap (bp) on the days both legs closed (its same-day pairs), from a panel."""
    return pairs.series(gaps.gap_pairs(gaps.spec(key), panel.values, panel.asof))
