"""The BoJ hike event study, derived from the decision table and measured on the real files."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.picture import hikes, markets
from tests.support import realdata

HIKE_DATES = [
    date(2000, 8, 11),
    date(2006, 7, 14),
    date(2007, 2, 21),
    date(2024, 3, 19),
    date(2024, 7, 31),
    date(2025, 1, 24),
    date(2025, 12, 19),
    date(2026, 6, 16),  # secondary evidence (policy-rates.md 3.3), used
]


@pytest.fixture(scope="module")
def study() -> hikes.HikeStudy:
    obs = realdata.observations()
    return hikes.study(obs, date(2026, 9, 17), markets.usdjpy_observations(obs, date(2026, 9, 17)))


def test_hikes_are_derived_from_the_decision_table() -> None:
    found = hikes.hikes(date(2026, 9, 17))
    assert [h.decision_date for h in found] == HIKE_DATES
    negative_exit = found[3]
    assert (negative_exit.from_pct, negative_exit.to_pct) == (-0.1, 0.05)
    # The June 2026 hike rests on secondary evidence citing the BoJ's document: it is used.
    assert (found[-1].from_pct, found[-1].to_pct) == (0.75, 1.0)
    assert hikes.hikes(date(2026, 9, 18))[-1].decision_date == date(2026, 9, 18)


def test_july_2024_hike_into_the_august_unwind(study: hikes.HikeStudy) -> None:
    july = next(e for e in study.events if e.hike.decision_date == date(2024, 7, 31))
    fx = july.reaction("usdjpy", 5)
    assert fx is not None
    assert (fx.base_date, fx.base_value) == (date(2024, 7, 31), 150.38)
    assert (fx.target_day, fx.end_date, fx.end_value) == (
        date(2024, 8, 7),
        date(2024, 8, 7),
        147.42,
    )
    assert fx.change == pytest.approx((147.42 / 150.38 - 1) * 100)
    nikkei = july.reaction("eq.nikkei225", 5)
    assert nikkei is not None and nikkei.change < -10
    gap = july.reaction("gap_2y", 20)
    assert gap is not None and gap.unit == "bp" and gap.change < 0


def test_the_latest_hike_is_marked_and_medians_span_the_hikes(study: hikes.HikeStudy) -> None:
    assert [e.hike.decision_date for e in study.events] == HIKE_DATES
    assert [e.latest for e in study.events] == [False] * 7 + [True]
    moves = [r.change for e in study.events if (r := e.reaction("usdjpy", 5)) is not None]
    median = study.median("usdjpy", 5)
    assert median is not None and median.count == len(moves) == 8
    assert median.median == pytest.approx(float(np.median(moves)))


def test_missing_data_and_holidays_give_no_reaction(study: hikes.HikeStudy) -> None:
    by_day = {e.hike.decision_date: e for e in study.events}
    assert by_day[date(2000, 8, 11)].reaction("crypto.btcusd", 1) is None  # no Bitcoin yet
    assert by_day[date(2007, 2, 21)].reaction("eq.sp500", 5) is None  # FRED keeps ten years
    # 20 Mar 2024 was a Tokyo holiday: no new Nikkei close and no new JGB a day after.
    march = by_day[date(2024, 3, 19)]
    assert march.reaction("eq.nikkei225", 1) is None and march.reaction("gap_2y", 1) is None
    assert march.reaction("eq.nikkei225", 5) is not None
    bitcoin = study.median("crypto.btcusd", 20)
    assert bitcoin is not None and bitcoin.count == 4


def test_a_study_on_a_past_day_sees_only_what_had_happened() -> None:
    obs = realdata.observations()
    early = hikes.study(obs, date(2024, 8, 7))
    july = early.events[-1]
    assert july.latest and july.hike.decision_date == date(2024, 7, 31)
    assert july.reaction("usdjpy", 5) is not None
    assert july.reaction("usdjpy", 20) is None  # not yet


def test_spliced_usdjpy_matches_the_panel_on_common_days() -> None:
    obs = realdata.observations()
    fx = markets.usdjpy_observations(obs, date(2026, 9, 17))
    panel_fx = markets.observed_usdjpy(realdata.panel())
    common = panel_fx.index.intersection(fx.index)
    assert len(common) > 10_000
    pd.testing.assert_series_equal(
        fx.loc[common], panel_fx.loc[common], check_names=False, check_freq=False
    )


def test_business_days_after_skips_weekends_only() -> None:
    assert hikes.business_days_after(date(2024, 7, 31), 5) == date(2024, 8, 7)
    assert hikes.business_days_after(date(2025, 12, 19), 1) == date(2025, 12, 22)
