"""The regime machine on synthetic sequences: entries, dwell times, precedence, hysteresis, alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.signal.regime import (
    Regime,
    RegimeState,
    Thresholds,
    day_inputs,
    run,
    step,
)

U, E, G, R, BLD, S = (
    "UNWINDING",
    "ELEVATED",
    "UNWINDING_GRADUAL",
    "RESET",
    "BUILDING",
    "STABLE",
)


def inputs(n: int, **columns: object) -> pd.DataFrame:
    """A calm inputs frame of ``n`` business days; keyword arrays or scalars override columns."""
    index = pd.bdate_range("2024-01-01", periods=n)
    frame = pd.DataFrame(
        {
            "c": 10.0,
            "b": 40.0,
            "fuel": 40.0,
            "fx_ret_1d_pct": 0.0,
            "fx_ret_63d_pct": 1.0,
            "b_change_8w": 0.0,
            "b_change_1w": 0.0,
            "gap_2y_3m_bp": 0.0,
            "weekly": index.day_of_week == 4,
        },
        index=index,
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def labels(frame: pd.DataFrame, thresholds: Thresholds | None = None) -> list[str]:
    return list(run(frame, thresholds).frame["regime"])


def c_path(*segments: tuple[float, int]) -> np.ndarray:
    return np.concatenate([np.full(days, value) for value, days in segments])


def test_c_at_65_enters_unwinding_at_once() -> None:
    c = c_path((10, 3), (70, 1), (70, 5))
    assert labels(inputs(9, c=c))[:4] == [S, S, S, U]


def test_a_three_percent_one_day_fall_with_c_at_50_enters_unwinding() -> None:
    c = c_path((10, 3), (52, 1), (10, 1))
    fall = np.array([0, 0, 0, -3.2, 0])
    assert labels(inputs(5, c=c, fx_ret_1d_pct=fall))[3] == U
    assert labels(inputs(5, c=c, fx_ret_1d_pct=fall / 2))[3] != U


def test_elevated_needs_two_days_at_40() -> None:
    one_day = c_path((10, 3), (45, 1), (10, 3))
    two_days = c_path((10, 3), (45, 2), (10, 3))
    assert E not in labels(inputs(7, c=one_day))
    assert labels(inputs(8, c=two_days))[3:5] == [S, E]


def test_elevated_also_enters_on_crowding_70_with_c_30() -> None:
    frame = inputs(5, c=c_path((10, 2), (32, 3)), b=75.0)
    assert labels(frame)[2] == E


def test_unwinding_leaves_after_five_days_below_45_for_reset() -> None:
    c = c_path((70, 5), (30, 4), (50, 1), (30, 5), (10, 30))
    out = labels(inputs(len(c), c=c, b=50.0))
    assert out[:15] == [U] * 14 + [R]  # the 4-day run was broken by the day at 50
    assert out[14:34] == [R] * 20  # RESET lasts 20 business days while B ≥ 30
    assert out[34] == S


def test_reset_ends_early_when_crowding_falls_below_30_but_holds_three_days() -> None:
    c = c_path((70, 3), (10, 12))
    out = labels(inputs(len(c), c=c, b=20.0))
    first_reset = out.index(R)
    assert out[first_reset : first_reset + 3] == [R, R, R]
    assert out[first_reset + 3] == S


def test_a_label_holds_three_days_even_when_its_exit_rule_is_met_sooner() -> None:
    quick = Thresholds(elevated_exit_days=1)
    c = c_path((45, 2), (10, 6))
    out = labels(inputs(len(c), c=c), quick)
    assert out[:5] == [S, E, E, E, S]


def test_worse_labels_apply_at_once_even_inside_the_minimum_hold() -> None:
    c = c_path((45, 2), (70, 1))
    assert labels(inputs(3, c=c)) == [S, E, U]


def test_precedence_unwinding_over_elevated_over_gradual() -> None:
    gradual = {"b_change_8w": -20.0, "gap_2y_3m_bp": -30.0, "fx_ret_63d_pct": -2.0}
    assert labels(inputs(3, c=c_path((10, 3)), **gradual)) == [G, G, G]
    assert labels(inputs(3, c=c_path((45, 3)), **gradual)) == [G, E, E]
    assert labels(inputs(3, c=c_path((70, 3)), **gradual)) == [U, U, U]


def test_gradual_leaves_after_four_weeks_of_a_failed_condition() -> None:
    n = 40
    gap = np.where(np.arange(n) < 5, -30.0, 0.0)
    out = labels(inputs(n, b_change_8w=-20.0, gap_2y_3m_bp=gap, fx_ret_63d_pct=-2.0))
    assert out[:24] == [G] * 24  # fails from day 5; the 20th failing day is day 24
    assert out[24] == S


def test_unwinding_steps_down_to_elevated_then_to_reset() -> None:
    c = c_path((70, 3), (42, 8), (10, 10))
    out = labels(inputs(len(c), c=c, b=50.0))
    assert out[:7] == [U] * 7  # the fifth day under 45 is day 7
    assert out[7] == E  # C ≥ 40 two days running: ELEVATED, not RESET
    assert R in out[8:] and S not in out[8:]  # ELEVATED ends in RESET, not STABLE


def test_building_is_read_weekly_and_leaves_after_two_failed_readings() -> None:
    n = 30
    index = pd.bdate_range("2024-01-01", periods=n)
    fuel = np.where(np.arange(n) < 10, 60.0, 40.0)
    frame = inputs(n, fuel=fuel, b_change_8w=12.0)
    out = labels(frame)
    fridays = [i for i, day in enumerate(index) if day.day_of_week == 4]
    assert out[: fridays[0]] == [S] * fridays[0]
    assert out[fridays[0]] == BLD
    # Fuel drops after day 10: the Fridays at positions 14 and 19 fail; the second one ends it.
    assert out[fridays[2]] == BLD
    assert out[fridays[3]] == S


def test_nan_inputs_never_fire_a_rule_and_hold_the_label() -> None:
    c = np.concatenate([np.full(3, 70.0), np.full(10, np.nan)])
    assert labels(inputs(len(c), c=c)) == [U] * 13


def test_run_is_the_same_step_function_applied_day_by_day() -> None:
    rng = np.random.default_rng(7)
    frame = inputs(300, c=rng.uniform(0, 90, 300), b=rng.uniform(0, 90, 300))
    result = run(frame)
    state, t = RegimeState(), Thresholds()
    for x, label in zip(day_inputs(frame), result.frame["regime"], strict=True):
        state = step(state, x, t)
        assert state.regime.value == label
    assert state == result.state
    resumed = run(frame.iloc[150:], state=run(frame.iloc[:150]).state)
    assert list(resumed.frame["regime"]) == list(result.frame["regime"].iloc[150:])


def test_since_is_the_first_day_of_the_label() -> None:
    c = c_path((10, 3), (70, 4))
    result = run(inputs(7, c=c))
    assert result.state.regime is Regime.UNWINDING
    assert result.state.since_date == pd.bdate_range("2024-01-01", periods=7)[3].date()


def test_thresholds_outside_their_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="unwind_c"):
        Thresholds(unwind_c=99)
    with pytest.raises(ValueError, match="exit level"):
        Thresholds(unwind_c=55, unwind_exit_c=60)


# --- only current inputs --------------------------------------------------------------------


def test_a_close_without_unwind_pressure_freezes_the_machine() -> None:
    c = c_path((70, 3), (10, 5), (np.nan, 25), (10, 3))
    out = labels(inputs(len(c), c=c))
    assert out[7] == R
    # Twenty-five closes without pressure do not count as twenty days of RESET running out.
    assert out[8:33] == [R] * 25
    assert out[-1] == R


def test_a_stale_two_year_leg_cannot_enter_a_gradual_unwind() -> None:
    from analytics.signal import panel
    from analytics.signal import scores as signal
    from analytics.signal.regime import inputs_frame
    from tests.support import market

    series = market.calm(1100)
    index = series["us.2y"].index
    # Crowding falls (USD/JPY drifts down) while the US 2-year leg freezes 80 days before the
    # end at a level 60 bp above where it would otherwise be: its 3-month change looks like
    # a narrowing gap only because one leg stopped.
    series["us.2y"] = series["us.2y"].iloc[:-80] + 0.6 * (index[:-80] > index[-150])
    frame = signal.compute(
        panel.build_panel(market.long_frame(series), policy_rate=market.policy_rate)
    )
    assert (frame["A3_status"].iloc[-60:] == signal.STALE).all()
    assert frame["A3_raw"].iloc[-60:].notna().all()  # the raw change is there, but stale
    rules = inputs_frame(frame)
    assert rules["gap_2y_3m_bp"].iloc[-60:].isna().all()


def test_crowding_changes_only_between_days_with_the_same_components() -> None:
    from analytics.signal import scores as signal
    from analytics.signal.regime import inputs_frame

    index = pd.bdate_range("2024-01-01", periods=60)
    frame = pd.DataFrame(
        {
            "C": 10.0,
            "B": np.r_[np.full(45, 70.0), np.full(15, 40.0)],
            "fuel": 50.0,
            "fx_ret_1d_pct": 0.0,
            "fx_ret_63d_pct": -1.0,
            "A3_raw": -40.0,
            "A3_status": signal.OK,
            **{f"B{i}_status": signal.OK for i in range(1, 5)},
        },
        index=index,
    )
    frame.loc[index[45] :, "B1_status"] = signal.STALE  # B1 drops out: B falls 30 by renormalising
    rules = inputs_frame(frame)
    assert rules["b_change_8w"].iloc[-15:].isna().all()
    assert rules["b_change_1w"].iloc[45:50].isna().all()
    assert rules["b_change_1w"].iloc[-1] == 0.0  # same components on both days again
    assert G not in labels(rules)


@pytest.mark.slow
def test_no_gradual_unwind_on_a_frozen_us_two_year_leg_in_2026() -> None:
    from datetime import date

    from analytics.ingest import rawfiles
    from analytics.signal import backtest
    from tests.support.paths import raw_path

    obs = rawfiles.read_directory(raw_path("DGS2_1990-2025.csv").parent)
    result = backtest.run_backtest(obs, date(2025, 10, 1), date(2026, 6, 30))
    daily = result.daily.loc["2026-01-27":"2026-03-20"]
    assert (daily["A3_score"].isna()).all()  # the US 2-year leg stops on 13 Nov 2025
    assert not (daily["regime"] == G).any()
