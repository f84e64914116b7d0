"""Levels to watch: the USD/JPY level that lifts unwind pressure to ELEVATED, through the signal."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analytics.picture import levels
from analytics.signal import pipeline
from analytics.signal import scores as signal
from analytics.signal.regime import Thresholds
from tests.support import market, realdata


@pytest.fixture(scope="module")
def april() -> pipeline.Computation:
    return realdata.computation("2026-04-30")


def _c_with_last_usdjpy(computation: pipeline.Computation, level: float) -> float:
    """C recomputed the plain way: the whole panel, the last USD/JPY replaced."""
    panel = computation.panel
    values = panel.values.copy()
    values.iloc[-1, values.columns.get_loc("usdjpy")] = level
    return float(signal.compute(dataclasses.replace(panel, values=values))["C"].iloc[-1])


def test_the_level_where_pressure_reaches_elevated_on_30_april_2026(
    april: pipeline.Computation,
) -> None:
    found = levels.elevated_level(april)
    assert found.reason is None and found.threshold == Thresholds().elevated_c == 40
    assert found.usdjpy is not None
    assert found.usdjpy == pytest.approx(april.panel.values["usdjpy"].iloc[-1])
    assert found.pressure is not None and found.pressure < 40
    assert found.level is not None and found.resolution is not None
    assert found.floor is not None and found.floor < found.level < found.usdjpy
    assert found.resolution < 0.05
    assert found.change_pct == pytest.approx((found.level / found.usdjpy - 1) * 100)
    # Checked against a full recompute: at the level C is at least 40, a step above it is not.
    assert _c_with_last_usdjpy(april, found.level) >= 40
    assert _c_with_last_usdjpy(april, found.level + found.resolution) < 40


def test_the_stacked_evaluation_equals_the_signal_on_its_own(april: pipeline.Computation) -> None:
    tail = april.panel.tail(levels.C_LOOKBACK)
    current = float(april.panel.values["usdjpy"].iloc[-1])
    candidates = np.array([current, current * 0.98, current * 0.95])
    stacked = levels.pressure_at(tail, candidates)
    one_by_one = [_c_with_last_usdjpy(april, x) for x in candidates]
    np.testing.assert_allclose(stacked, one_by_one, rtol=1e-9)
    assert stacked[0] == pytest.approx(april.signal["C"].iloc[-1])
    assert stacked[0] < stacked[1] < stacked[2]


def test_no_level_when_pressure_is_already_elevated() -> None:
    found = levels.elevated_level(realdata.computation("2024-08-05"))
    assert found.reason == "already_reached" and found.level is None
    assert found.pressure is not None and found.pressure >= 40


def test_a_chat_threshold_moves_the_level(april: pipeline.Computation) -> None:
    default = levels.elevated_level(april)
    higher = levels.elevated_level(april, Thresholds(elevated_c=55, elevated_exit_c=30))
    assert default.level is not None and higher.level is not None
    assert higher.threshold == 55 and higher.level < default.level


def test_unreachable_within_the_searched_range(
    april: pipeline.Computation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(levels, "MAX_FALL_PCT", 0.2)
    found = levels.elevated_level(april)
    assert found.reason == "unreachable" and found.level is None and found.usdjpy is not None
    assert found.floor == pytest.approx(found.usdjpy * 0.998)


def test_stale_usdjpy_gives_no_level() -> None:
    series = market.calm(1100, seed=3)
    fx = series["fx.usdjpy.h10"]
    series["fx.usdjpy.h10"] = fx.iloc[:-20]  # no USD/JPY for the last four weeks
    obs = market.long_frame(series)
    computation = pipeline.compute(obs, policy_rate=market.policy_rate)
    found = levels.elevated_level(computation)
    assert found.reason == "usdjpy_stale" and found.level is None
    assert found.usdjpy_as_of == pd.Timestamp(fx.index[-21]).date()
