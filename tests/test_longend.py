"""Japan's long end on the real MoF history: yields with dates, calendar changes, records, slope."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.catalogue import horizons
from analytics.picture import longend
from analytics.sources import mof
from tests.support.paths import raw_path


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    parsed = mof.parse(raw_path("jgbcme_all.csv").read_bytes()).assign(source="mof")
    return parsed.sort_values(["series", "date"], ignore_index=True)


def test_thirty_year_on_30_april_2026_with_calendar_changes(obs: pd.DataFrame) -> None:
    block = longend.block(obs, date(2026, 4, 30))
    thirty = block.headline
    assert thirty.series == "jp.30y" and thirty.status == "ok"
    assert (thirty.yield_pct, thirty.as_of, thirty.source) == (3.721, date(2026, 4, 30), "mof")
    month = thirty.change("1m")
    assert month is not None
    assert (month.base_day, month.from_date, month.from_pct) == (
        date(2026, 3, 30),
        date(2026, 3, 30),
        3.698,
    )
    assert month.change_bp == pytest.approx(2.3)
    year = thirty.change("12m")
    assert year is not None and year.from_date == date(2025, 4, 30)
    assert year.change_bp == pytest.approx(107.6)
    assert [t.yield_pct for t in block.tenors] == [3.402, 3.721, 3.743]


def test_records_are_computed_from_the_history(obs: pd.DataFrame) -> None:
    block = longend.block(obs, date(2026, 4, 30))
    thirty = block.headline.record
    assert thirty is not None
    # 3.721% is short of the 3.765% of 20 Jan 2026, the highest since the series began in 1999.
    assert (thirty.kind, thirty.since, thirty.since_pct) == ("high_since", date(2026, 1, 20), 3.765)
    assert (thirty.high_pct, thirty.high_date) == (3.765, date(2026, 1, 20))
    assert thirty.series_start == date(1999, 9, 2) and not thirty.notable
    twenty = block.tenor("jp.20y").record
    assert twenty is not None and twenty.notable
    assert (twenty.kind, twenty.since, twenty.since_pct) == ("high_since", date(1997, 5, 28), 3.434)


def test_a_new_high_is_a_series_record_with_the_start_of_the_series(obs: pd.DataFrame) -> None:
    record = longend.block(obs, date(2026, 1, 20)).headline.record
    assert record is not None
    assert (record.kind, record.since, record.notable) == ("series_high", date(1999, 9, 2), True)
    assert record.high_date == date(2026, 1, 20)


def test_ten_thirty_slope_on_the_same_mof_date(obs: pd.DataFrame) -> None:
    slope = longend.block(obs, date(2026, 4, 30)).slope_10s30s
    assert slope is not None and slope.as_of == date(2026, 4, 30)
    assert slope.level_bp == pytest.approx((3.721 - 2.52) * 100)
    assert slope.change_12m_from == date(2025, 4, 30)


def test_stale_long_end_keeps_its_date_and_gives_no_changes(obs: pd.DataFrame) -> None:
    block = longend.block(obs, date(2026, 5, 20))  # no MoF close since 30 Apr
    thirty = block.headline
    assert thirty.status == "stale" and thirty.as_of == date(2026, 4, 30)
    assert thirty.changes == () and thirty.record is None
    assert block.slope_10s30s is None


def test_a_long_weekend_is_not_stale(obs: pd.DataFrame) -> None:
    thirty = longend.block(obs, date(2026, 5, 4)).headline  # Golden Week, last close 30 Apr
    assert thirty.status == "ok" and thirty.change("1m") is not None


def test_before_the_forty_year_existed_it_is_missing(obs: pd.DataFrame) -> None:
    block = longend.block(obs, date(2005, 6, 1))
    assert block.tenor("jp.40y").status == "missing"
    assert block.headline.status == "ok"


def test_block_uses_only_what_is_dated_on_or_before_the_day(obs: pd.DataFrame) -> None:
    thirty = longend.block(obs, date(2024, 8, 5)).headline
    assert thirty.as_of == date(2024, 8, 5) and thirty.yield_pct == pytest.approx(1.956)
    year = thirty.change("12m")
    assert year is not None and year.base_day == date(2023, 8, 5)
    assert year.from_date == date(2023, 8, 4)  # a Saturday base falls back to Friday


def test_calendar_month_and_year_clamp_to_the_month_end() -> None:
    assert horizons.base_day(date(2026, 3, 31), "1m") == date(2026, 2, 28)
    assert horizons.base_day(date(2024, 2, 29), "12m") == date(2023, 2, 28)
    assert horizons.base_day(date(2024, 5, 31), "3m") == date(2024, 2, 29)
    assert horizons.base_day(date(2024, 8, 5), "1w") == date(2024, 7, 29)
    with pytest.raises(ValueError, match="unknown horizon '2w'"):
        horizons.base_day(date(2024, 8, 5), "2w")


def test_a_hole_in_the_data_is_no_base() -> None:
    dates = pd.to_datetime(["2020-03-27", "2025-12-01", "2025-12-15"]).to_numpy("datetime64[ns]")
    points = horizons.Points("x", dates, np.array([1.0, 2.0, 3.0]), np.array(["", "", ""]))
    assert horizons.base(points, "1m", max_gap_days=8) is None  # 15 Nov → only 27 Mar 2020
    week = horizons.base(points, "1w", max_gap_days=8)
    assert week is not None and week.date == date(2025, 12, 1)
