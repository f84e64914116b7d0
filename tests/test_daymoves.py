"""The day's moves against each series' own volatility, on the real files around 5 Aug 2024."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.picture import daymoves
from tests.support import realdata


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return realdata.observations()


@pytest.fixture(scope="module")
def moves(obs: pd.DataFrame) -> dict[str, daymoves.DayMove]:
    found = daymoves.day_moves(obs, realdata.computation("2024-08-16"), date(2024, 8, 5))
    return {m.key: m for m in found}


def test_black_monday_the_nikkei_moved_most_against_its_own_volatility(
    obs: pd.DataFrame, moves: dict[str, daymoves.DayMove]
) -> None:
    ranked = daymoves.day_moves(obs, realdata.computation("2024-08-16"), date(2024, 8, 5))
    biggest = daymoves.largest(ranked)
    assert biggest is not None and biggest.key == "eq.nikkei225" == ranked[0].key
    assert biggest.move == pytest.approx(-12.40, abs=0.01)
    assert biggest.z is not None and biggest.z < -8
    assert [abs(m.z or 0) for m in ranked] == sorted((abs(m.z or 0) for m in ranked), reverse=True)
    assert set(moves) == {
        "usdjpy",
        "gap_2y",
        "gap_10y",
        "eq.nikkei225",
        "eq.sp500",
        "crypto.btcusd",
        "jp.30y",
    }


def test_usdjpy_move_is_from_the_previous_observed_close(
    moves: dict[str, daymoves.DayMove],
) -> None:
    fx = moves["usdjpy"]
    assert (fx.from_date, fx.level, fx.unit) == (date(2024, 8, 2), 143.95, "pct")
    assert fx.move == pytest.approx((143.95 / 146.98 - 1) * 100)


def test_sigma_is_the_spread_of_the_previous_250_moves(
    obs: pd.DataFrame, moves: dict[str, daymoves.DayMove]
) -> None:
    sp500 = obs[obs["series"] == "eq.sp500"].set_index("date")["value"]
    sp500 = sp500[sp500.index <= "2024-08-05"]
    past = (sp500.pct_change() * 100).iloc[-251:-1]
    assert moves["eq.sp500"].sigma == pytest.approx(float(np.std(past, ddof=1)))
    assert moves["eq.sp500"].moves == 250


def test_the_long_end_moves_in_basis_points(moves: dict[str, daymoves.DayMove]) -> None:
    thirty = moves["jp.30y"]
    assert thirty.unit == "bp" and thirty.level == pytest.approx(1.956)
    assert thirty.move == pytest.approx((1.956 - 2.098) * 100)


def test_a_tokyo_holiday_gives_the_nikkei_no_move(obs: pd.DataFrame) -> None:
    # 12 Aug 2024 was Mountain Day (observed): Tokyo closed, New York open.
    found = {
        m.key
        for m in daymoves.day_moves(obs, realdata.computation("2024-08-16"), date(2024, 8, 12))
    }
    assert "eq.nikkei225" not in found and "jp.30y" not in found
    assert {"eq.sp500", "usdjpy", "crypto.btcusd"} <= found


def test_on_a_sunday_only_bitcoin_moves(obs: pd.DataFrame) -> None:
    found = daymoves.day_moves(obs, realdata.computation("2024-08-16"), date(2024, 8, 4))
    assert [m.key for m in found] == ["crypto.btcusd"]


def test_without_enough_history_there_is_no_z_and_no_largest() -> None:
    dates = pd.bdate_range("2024-01-01", periods=30).to_numpy("datetime64[ns]")
    values = np.linspace(100, 110, 30)
    move = daymoves.move_of_day("x", "pct", dates, values, date(2024, 2, 9), 5)
    assert move is not None and move.z is None and move.moves == 28
    assert daymoves.largest((move,)) is None
