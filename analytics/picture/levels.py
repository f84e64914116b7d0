"""Levels to watch: the USD/JPY level at which unwind pressure (C) would reach the ELEVATED threshold.

Solved from the signal itself with every other input held: the last day's USD/JPY is replaced
by candidate levels below it and C recomputed by ``analytics.signal.scores.compute``. The candidates
are evaluated in one call: the panel's last ``C_LOOKBACK`` days are repeated once per candidate,
each copy ending on its candidate, and since no component of C looks back further than that,
each copy's last row is exactly C at that level. A coarse grid down to ``MAX_FALL_PCT`` below
the current level finds the first (highest) level where C reaches the threshold and a finer grid
between its neighbours narrows it to a few hundredths of a yen (``resolution``): the level given
is the highest candidate at which C is at or above the threshold. Only falls are searched: a
carry unwind is a rising yen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.signal import anchors
from analytics.signal import scores as signal
from analytics.signal.panel import Panel
from analytics.signal.pipeline import Computation
from analytics.signal.regime import Thresholds

MAX_FALL_PCT = 25.0
GRID = 40
ROUNDS = 2
# C's longest look-back: a 252-day median of a 20-day volatility of daily returns.
C_LOOKBACK = signal.SURPRISE_MEDIAN + signal.VOL_SHORT + 2
ALREADY, UNREACHABLE, NO_USDJPY, STALE, NO_PRESSURE = (
    "already_reached",
    "unreachable",
    "no_usdjpy",
    "usdjpy_stale",
    "no_pressure",
)


@dataclass(frozen=True)
class LevelToWatch:
    """The USD/JPY level that would lift C to ``threshold`` on ``day`` (None with ``reason``)."""

    day: date
    threshold: float
    usdjpy: float | None
    usdjpy_as_of: date | None
    pressure: float | None
    level: float | None
    change_pct: float | None
    floor: float | None
    resolution: float | None
    reason: str | None


def elevated_level(
    computation: Computation,
    thresholds: Thresholds | None = None,
    table: anchors.AnchorTable | None = None,
) -> LevelToWatch:
    """The level at which C would reach the ELEVATED entry threshold (``elevated_c``)."""
    threshold = (thresholds or Thresholds()).elevated_c
    panel = computation.panel
    day = computation.day.date()
    current = float(panel.values["usdjpy"].iloc[-1])
    seen = panel.asof["usdjpy"].iloc[-1]
    seen_day = None if pd.isna(seen) else pd.Timestamp(seen).date()
    pressure = float(computation.signal["C"].iloc[-1])

    def result(
        level: float | None, reason: str | None, floor: float | None, step: float | None = None
    ) -> LevelToWatch:
        return LevelToWatch(
            day,
            threshold,
            None if np.isnan(current) else current,
            seen_day,
            None if np.isnan(pressure) else pressure,
            level,
            None if level is None else (level / current - 1) * 100,
            floor,
            step,
            reason,
        )

    if np.isnan(current):
        return result(None, NO_USDJPY, None)
    if bool(panel.stale["usdjpy"].iloc[-1]):
        return result(None, STALE, None)
    if np.isnan(pressure):
        return result(None, NO_PRESSURE, None)
    if pressure >= threshold:
        return result(None, ALREADY, None)
    floor = current * (1 - MAX_FALL_PCT / 100)
    tail = panel.tail(C_LOOKBACK)
    high, low = current, floor
    candidates = np.linspace(high, low, GRID)
    c = pressure_at(tail, candidates, table)
    if not (c >= threshold).any():
        return result(None, UNREACHABLE, floor)
    for _ in range(ROUNDS - 1):
        first = int(np.flatnonzero(c >= threshold)[0])
        high, low = candidates[max(first - 1, 0)], candidates[first]
        candidates = np.linspace(high, low, GRID)
        c = pressure_at(tail, candidates, table)
    level = float(candidates[int(np.flatnonzero(c >= threshold)[0])])
    return result(level, None, floor, float(candidates[0] - candidates[1]))


def pressure_at(
    tail: Panel, levels: np.ndarray, table: anchors.AnchorTable | None = None
) -> np.ndarray:
    """C on the last day of ``tail`` if USD/JPY had closed at each of ``levels`` instead."""
    rows = len(tail.values)
    copies = len(levels)
    column = tail.values.columns.get_loc("usdjpy")
    values = np.tile(tail.values.to_numpy(dtype="float64"), (copies, 1))
    values[np.arange(1, copies + 1) * rows - 1, column] = levels
    index = pd.DatetimeIndex(np.tile(tail.index.to_numpy(), copies))
    stacked = Panel(
        pd.DataFrame(values, index=index, columns=tail.values.columns),
        pd.DataFrame(
            np.tile(tail.asof.to_numpy(), (copies, 1)), index=index, columns=tail.asof.columns
        ),
        pd.DataFrame(
            np.tile(tail.stale.to_numpy(), (copies, 1)), index=index, columns=tail.stale.columns
        ),
        pd.Series(np.tile(tail.fx_source.to_numpy(), copies), index=index, dtype=object),
        tail.reports,
        tail.splice,
    )
    c = signal.compute(stacked, table)["C"].to_numpy()
    return np.asarray(c[np.arange(1, copies + 1) * rows - 1])
