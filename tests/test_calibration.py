"""The calibration requirements, checked on the real history in ../shared/data/raw.

Anchors are calibrated on 1990–2012 and checked out of sample on 2013–2026: the known unwinds
must be flagged in time, calm carry-building years must stay clear of UNWINDING, false alarms
stay at most one a year and regime changes at most four a quarter on average.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import rawfiles
from analytics.signal import backtest

RAW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
IN_SAMPLE = (date(1990, 1, 1), date(2012, 12, 31))
OUT_OF_SAMPLE = (date(2013, 1, 1), date(2026, 11, 24))


@pytest.fixture(scope="module")
def result() -> backtest.BacktestResult:
    if not (RAW / "DEXJPUS.csv").exists():
        pytest.skip(f"the real data files are not in {RAW} (../shared beside the repository)")
    obs = rawfiles.read_directory(RAW)
    return backtest.run_backtest(obs, IN_SAMPLE[0], OUT_OF_SAMPLE[1])


def regimes(result: backtest.BacktestResult, start: str, end: str) -> pd.Series:
    return result.daily.loc[pd.Timestamp(start) : pd.Timestamp(end), "regime"]


def test_the_real_history_includes_the_vix(result: backtest.BacktestResult) -> None:
    assert result.daily.loc["1998-10-01":"1998-10-09", "C4_score"].notna().all()
    assert result.daily.loc["2024-08-01":"2024-08-05", "C4_score"].notna().all()


def test_october_1998_is_unwinding_by_early_october(result: backtest.BacktestResult) -> None:
    assert (regimes(result, "1998-10-01", "1998-10-09") == "UNWINDING").any()


def test_september_october_2008_is_unwinding_by_early_october(
    result: backtest.BacktestResult,
) -> None:
    assert (regimes(result, "2008-10-01", "2008-10-10") == "UNWINDING").any()


def test_july_2024_is_elevated_and_unwinding_comes_before_5_august(
    result: backtest.BacktestResult,
) -> None:
    assert (regimes(result, "2024-07-01", "2024-07-31") == "ELEVATED").any()
    assert (regimes(result, "2024-07-01", "2024-08-02") == "UNWINDING").any()


@pytest.mark.parametrize(
    ("start", "end"), [("2013-08-01", "2014-12-31"), ("2017-01-01", "2017-12-31")]
)
def test_calm_carry_building_stretches_show_no_unwinding(
    result: backtest.BacktestResult, start: str, end: str
) -> None:
    assert not (regimes(result, start, end) == "UNWINDING").any()


@pytest.mark.parametrize("span", [IN_SAMPLE, OUT_OF_SAMPLE], ids=["1990-2012", "2013-2026"])
def test_at_most_one_false_unwinding_alarm_a_year(
    result: backtest.BacktestResult, span: tuple[date, date]
) -> None:
    assert result.stats_between(*span).alarm("UNWINDING").per_year <= 1.0


@pytest.mark.parametrize("span", [IN_SAMPLE, OUT_OF_SAMPLE], ids=["1990-2012", "2013-2026"])
def test_at_most_four_regime_changes_a_quarter_on_average(
    result: backtest.BacktestResult, span: tuple[date, date]
) -> None:
    assert result.stats_between(*span).mean_changes_per_quarter <= 4.0
