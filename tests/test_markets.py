"""Risk assets on the real files: closes with dates, calendar moves, 60-day highs, correlation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import rawfiles
from analytics.picture import markets
from tests.support import realdata
from tests.support.paths import RAW_DIR


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return realdata.observations()


@pytest.fixture(scope="module")
def fx() -> pd.Series:
    return markets.observed_usdjpy(realdata.panel())


def test_black_monday_closes_and_moves(obs: pd.DataFrame, fx: pd.Series) -> None:
    block = markets.block(obs, date(2024, 8, 5), fx)
    nikkei = block.asset("eq.nikkei225")
    assert (nikkei.status, nikkei.close, nikkei.as_of) == ("ok", 31458.42, date(2024, 8, 5))
    day = nikkei.move("1d")
    assert day is not None and (day.from_date, day.from_value) == (date(2024, 8, 2), 35909.70)
    assert day.change_pct == pytest.approx(-12.40, abs=0.01)  # its worst day since 1987
    sp500 = block.asset("eq.sp500")
    assert (sp500.close, sp500.source) == (5186.33, "fred")
    week = sp500.move("1w")
    assert week is not None and week.base_day == date(2024, 7, 29)
    assert week.change_pct == pytest.approx((5186.33 / week.from_value - 1) * 100)
    btc = block.asset("crypto.btcusd")
    assert btc.close == 54025.90
    btc_day = btc.move("1d")
    # Bitcoin's previous close is Sunday's: it trades every calendar day.
    assert btc_day is not None and (btc_day.from_date, btc_day.from_value) == (
        date(2024, 8, 4),
        58181.05,
    )
    assert block.usdjpy_as_of == date(2024, 8, 5)


def test_distance_from_the_high_of_the_last_60_closes(obs: pd.DataFrame, fx: pd.Series) -> None:
    sp500 = markets.block(obs, date(2024, 8, 5), fx).asset("eq.sp500")
    closes = obs[(obs["series"] == "eq.sp500") & (obs["date"] <= "2024-08-05")].tail(60)
    top = closes.loc[closes["value"].idxmax()]
    assert (sp500.high_60, sp500.high_60_date) == (top["value"], top["date"].date())
    assert sp500.from_high_pct == pytest.approx((5186.33 / top["value"] - 1) * 100)


def _independent_correlation(obs: pd.DataFrame, series: str, fx: pd.Series, day: str) -> float:
    asset = obs[obs["series"] == series].set_index("date")["value"]
    both = pd.concat([asset.rename("a"), fx.rename("fx")], axis=1, join="inner")
    both = both[both.index <= day].tail(61)
    returns = np.log(both).diff().dropna()
    spans = both.index.to_series().diff().dt.days.dropna()
    returns = returns[spans.to_numpy() <= 7]
    return float(returns["a"].corr(returns["fx"]))


@pytest.mark.parametrize("series", markets.RISK_ASSETS)
def test_correlation_with_usdjpy_pairs_common_days_only(
    obs: pd.DataFrame, fx: pd.Series, series: str
) -> None:
    reading = markets.block(obs, date(2024, 8, 5), fx).asset(series)
    corr = reading.correlation
    assert corr is not None and corr.status == "ok" and corr.returns == 60
    assert corr.end == date(2024, 8, 5)
    assert corr.value == pytest.approx(_independent_correlation(obs, series, fx, "2024-08-05"))
    assert (
        corr.value is not None and 0 < corr.value < 1
    )  # in the 2024 unwind risk assets fell with USD/JPY


def test_a_sunday_reading_has_bitcoin_from_sunday_and_stocks_from_friday(
    obs: pd.DataFrame, fx: pd.Series
) -> None:
    block = markets.block(obs, date(2024, 8, 4), fx)
    assert block.asset("crypto.btcusd").as_of == date(2024, 8, 4)
    sp500 = block.asset("eq.sp500")
    assert (sp500.status, sp500.as_of) == ("ok", date(2024, 8, 2))


def test_a_stale_asset_keeps_its_close_and_date_and_nothing_else(
    obs: pd.DataFrame, fx: pd.Series
) -> None:
    btc = markets.block(obs, date(2026, 9, 17), fx).asset("crypto.btcusd")
    assert (btc.status, btc.close, btc.as_of) == ("stale", 77078.18, date(2026, 5, 24))
    assert btc.moves == () and btc.high_60 is None and btc.correlation is None


def test_missing_asset_is_named_missing(fx: pd.Series) -> None:
    obs = rawfiles.read_directory(RAW_DIR, names=["DGS2.csv"])
    block = markets.block(obs, date(2024, 8, 5), fx)
    assert [a.status for a in block.assets] == ["missing"] * 3
    assert all(a.close is None and a.source is None for a in block.assets)


def test_a_hole_in_the_data_gives_no_month_move_and_no_correlation(fx: pd.Series) -> None:
    # FRED's own copies skip April 2020 to November 2025 for the Nikkei.
    obs = rawfiles.read_directory(
        RAW_DIR, names=["NIKKEI225_legacy_1949-2020.csv", "NIKKEI225_2025-2026.csv"]
    )
    nikkei = markets.block(obs, date(2025, 12, 15), fx).asset("eq.nikkei225")
    assert nikkei.status == "ok" and nikkei.move("1w") is not None
    assert nikkei.move("1m") is None
    assert nikkei.high_60_date is not None and nikkei.high_60_date >= date(2025, 12, 1)
    assert nikkei.correlation is not None and nikkei.correlation.status == "short_history"


def test_observed_usdjpy_skips_carried_forward_days() -> None:
    fx = markets.observed_usdjpy(realdata.panel())
    assert fx.loc["2024-08-05"] == 143.95
    assert not (fx.index.day_of_week >= 5).any()
    assert pd.Timestamp("2024-12-25") not in fx.index  # no H.10 and no ECB fixing that day
