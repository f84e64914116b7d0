"""The backtest: the vectorised pass equals day-by-day replay, no look-ahead, CSV, false alarms."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import rawfiles
from analytics.signal import backtest, panel, pipeline
from tests.support import market
from tests.support.paths import RAW_DIR

REGIMES = {"UNWINDING", "UNWINDING_GRADUAL", "ELEVATED", "BUILDING", "RESET", "STABLE"}
REQUIRED = [
    "date",
    "regime",
    "unwind_pressure",
    "carry_fuel",
    "carry_incentive",
    "crowding",
    "usdjpy",
    "gap_2y_bp",
    "gap_policy_bp",
]


def synthetic_obs() -> pd.DataFrame:
    """Calm markets with two crashes, an ECB tail after H.10 ends, and weekly CFTC reports."""
    series = market.calm(1200, seed=11)
    market.crash(series, at=1000, fall_pct=10.0, days_=8)
    vix = series["vix"].to_numpy().copy()
    vix[1003:1015] = 36.0
    series["vix"] = pd.Series(vix, series["vix"].index)
    market.crash(series, at=1120, fall_pct=4.0, days_=6)
    index = series["fx.usdjpy.h10"].index
    rng = np.random.default_rng(5)
    series["fx.usdjpy.ecb"] = series["fx.usdjpy.h10"] * (1.002 + rng.normal(0, 0.001, len(index)))
    series["fx.usdjpy.h10"] = series["fx.usdjpy.h10"].iloc[:-30].drop(index[1050])
    tuesdays = pd.date_range(index[0], index[-1], freq="W-TUE")
    lev_short = 40_000 + 20_000 * np.sin(np.arange(len(tuesdays)) / 9)
    legacy = tuesdays[-70:]
    positions = {
        "cftc.jpy.lev_long": pd.Series(20_000.0, tuesdays),
        "cftc.jpy.lev_short": pd.Series(lev_short, tuesdays),
        "cftc.jpy.tff_oi": pd.Series(180_000.0, tuesdays),
        "cftc.jpy.noncomm_long": pd.Series(30_000.0, legacy),
        "cftc.jpy.noncomm_short": pd.Series(np.linspace(90_000, 40_000, len(legacy)), legacy),
        "cftc.jpy.oi": pd.Series(200_000.0, legacy),
    }
    released = {
        name: pd.Series(s.index + pd.Timedelta(days=3), s.index) for name, s in positions.items()
    }
    return market.long_frame({**series, **positions}, released)


def replay(obs: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pipeline.Computation:
    """Advance one business day at a time from ``first`` with what each day made available."""
    avail = panel.availability(obs)
    run = pipeline.compute(obs[avail <= first], end=first, policy_rate=market.policy_rate)
    for day in pd.bdate_range(first + pd.offsets.BDay(1), last):
        new = obs[(avail > run.day) & (avail <= day)]
        run = pipeline.advance(run, new, day, policy_rate=market.policy_rate)
    return run


def assert_same_days(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index)
    assert list(a["regime"]) == list(b["regime"])
    assert list(a["dropped"]) == list(b["dropped"])
    numbers = [c for c in a.columns if a[c].dtype.kind == "f"]
    np.testing.assert_allclose(
        a[numbers].to_numpy(dtype=float), b[numbers].to_numpy(dtype=float), rtol=1e-9, atol=1e-9
    )


def test_day_by_day_replay_equals_the_vectorised_pass() -> None:
    obs = synthetic_obs()
    full = pipeline.compute(obs, policy_rate=market.policy_rate).daily()
    first, last = full.index[990], full.index[-1]
    replayed = replay(obs, first, last).daily()
    days = full.index[991:]
    assert_same_days(replayed.loc[days], full.loc[days])
    assert {"UNWINDING", "ELEVATED"} <= set(full.loc[days, "regime"])
    assert set(full.loc[days, "usdjpy_source"]) == {"h10", "ecb"}


def test_each_day_sees_only_what_was_available_then() -> None:
    obs = synthetic_obs()
    full = pipeline.compute(obs, policy_rate=market.policy_rate).daily()
    for position in (900, 1005, 1100, 1180):
        day = full.index[position]
        truncated = pipeline.compute(
            panel.available_by(obs, day), end=day, policy_rate=market.policy_rate
        ).daily()
        assert_same_days(truncated.iloc[[-1]], full.loc[[day]])


def test_advance_refuses_observations_from_before_its_last_day() -> None:
    obs = synthetic_obs()
    avail = panel.availability(obs)
    day = pd.Timestamp(obs["date"].iloc[5000])
    run = pipeline.compute(obs[avail <= day], end=day, policy_rate=market.policy_rate)
    late = obs[(avail > day - pd.Timedelta(days=7)) & (avail <= day + pd.offsets.BDay(1))]
    with pytest.raises(panel.NeedsFullRecompute):
        pipeline.advance(run, late, day + pd.offsets.BDay(1), policy_rate=market.policy_rate)


def test_csv_has_one_row_per_business_day_and_the_required_columns(tmp_path: Path) -> None:
    obs = synthetic_obs()
    days = pd.bdate_range(market.START, periods=1200)
    start, end = days[1000].date(), days[-1].date()
    result = backtest.run_backtest(obs, start, end, policy_rate=market.policy_rate)
    path = tmp_path / "backtest.csv"
    backtest.write_csv(result, path)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[: len(REQUIRED)] == REQUIRED
    assert [r["date"] for r in rows] == [d.strftime("%Y-%m-%d") for d in days[1000:]]
    assert {r["regime"] for r in rows} <= REGIMES
    assert float(rows[10]["usdjpy"]) == pytest.approx(result.daily["usdjpy"].iloc[10], rel=1e-6)


def test_an_unwinding_without_a_five_percent_fall_is_a_false_alarm() -> None:
    index = pd.bdate_range("2020-01-01", periods=160)
    fx = np.full(160, 100.0)
    fx[70:80] = np.linspace(100, 93, 10)  # a 7% fall around the second alarm
    regimes = np.array(["STABLE"] * 160, dtype=object)
    regimes[30:35] = "UNWINDING"
    regimes[75:80] = "UNWINDING"
    regimes[120:140] = "UNWINDING_GRADUAL"  # no fall at all: a false gradual alarm
    daily = pd.DataFrame({"regime": regimes, "usdjpy": fx, "unwind_pressure": 70.0}, index=index)
    alarms = backtest.entry_alarms(daily)
    assert list(alarms.index) == [index[30], index[75], index[120]]
    assert list(alarms["regime"]) == ["UNWINDING", "UNWINDING", "UNWINDING_GRADUAL"]
    assert list(alarms["false_alarm"]) == [True, False, True]
    assert alarms["drawdown_pct"].iloc[1] == pytest.approx(7.0)
    stats = backtest._stats(daily, alarms, index[0].date(), index[-1].date())
    assert (stats.alarm("UNWINDING").entries, stats.alarm("UNWINDING").false_alarms) == (2, 1)
    gradual = stats.alarm("UNWINDING_GRADUAL")
    assert (gradual.entries, gradual.false_alarms) == (1, 1)


def test_the_report_counts_false_gradual_alarms_on_the_real_history() -> None:
    """On main the report counted only UNWINDING; 2019's gradual unwind had no 5% fall."""
    if not RAW_DIR.exists():
        pytest.skip(f"real data not found under {RAW_DIR}")
    obs = rawfiles.read_directory(RAW_DIR)
    result = backtest.run_backtest(obs, date(2018, 1, 1), date(2019, 12, 31))
    gradual = result.stats.alarm("UNWINDING_GRADUAL")
    assert gradual.entries >= 1 and gradual.false_alarms >= 1
    report = backtest.format_report(result)
    assert (
        f"UNWINDING_GRADUAL entries: {gradual.entries}; false alarms: {gradual.false_alarms}"
        in (report)
    )
    assert "UNWINDING_GRADUAL entries" in report.split("False alarms per year")[1]


def test_report_lists_timeline_episodes_alarms_and_changes() -> None:
    obs = synthetic_obs()
    days = pd.bdate_range(market.START, periods=1200)
    result = backtest.run_backtest(
        obs, days[900].date(), days[-1].date(), policy_rate=market.policy_rate
    )
    text = backtest.format_report(result)
    for heading in (
        "Regime timeline (periods)",
        "Known episodes",
        "UNWINDING entries",
        "False alarms per year",
        "Regime changes per quarter",
    ):
        assert heading in text
    assert result.periods["days"].sum() == len(result.daily)
    assert result.stats.changes == len(result.periods) - 1


@pytest.mark.slow
def test_day_by_day_replay_equals_the_vectorised_pass_on_real_data() -> None:
    if not RAW_DIR.exists():
        pytest.skip(f"real data not found under {RAW_DIR}")
    obs = rawfiles.read_directory(RAW_DIR)
    avail = panel.availability(obs)
    first, last = pd.Timestamp("2024-06-28"), pd.Timestamp("2024-09-30")
    run = pipeline.compute(obs[avail <= first], end=first)
    for day in pd.bdate_range(first + pd.offsets.BDay(1), last):
        run = pipeline.advance(run, obs[(avail > run.day) & (avail <= day)], day)
    full = pipeline.compute(obs, end=last).daily()
    days = pd.bdate_range("2024-07-01", last)
    assert_same_days(run.daily().loc[days], full.loc[days])
    assert backtest.run_backtest(obs, date(2024, 7, 1), date(2024, 9, 30)).stats.changes >= 1
