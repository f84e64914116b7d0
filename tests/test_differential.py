"""US–Japan gaps in bp, their changes and 3-year peak, legs' dates, and the USD/JPY splice."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.catalogue import horizons
from analytics.picture import differential
from analytics.signal import panel, usdjpy
from tests.support import market


def build(series: dict[str, pd.Series], end: str | None = None) -> panel.Panel:
    return panel.build_panel(
        market.long_frame(series),
        end=pd.Timestamp(end) if end else None,
        policy_rate=market.policy_rate,
    )


def test_gaps_are_us_minus_japan_in_basis_points() -> None:
    series = market.calm(300)
    p = build(series)
    gaps = differential.gaps(p.values, p.asof)
    day = p.index[-1]
    assert gaps.loc[day, "gap_policy_bp"] == pytest.approx(490.0)
    assert gaps.loc[day, "gap_2y_bp"] == pytest.approx(
        100 * (p.values.loc[day, "us_2y"] - p.values.loc[day, "jp_2y"])
    )
    assert gaps.loc[day, "gap_10y_bp"] == pytest.approx(
        100 * (p.values.loc[day, "us_10y"] - p.values.loc[day, "jp_10y"])
    )


def test_changes_run_over_calendar_horizons_and_the_peak_over_three_years() -> None:
    index = market.days(900)
    rise, fall = np.linspace(3.0, 5.0, 600), np.linspace(5.0, 4.0, 301)[1:]
    us = pd.Series(np.concatenate([rise, fall]), index)  # peak at position 599
    series = market.calm(900)
    series["us.2y"] = us
    series["jp.2y"] = pd.Series(0.0, index)
    block = differential.block(differential.GAPS[1], *_frames(build(series, str(index[-1].date()))))
    values = 100 * us
    day = index[-1]
    for horizon, offset in (
        ("1w", pd.DateOffset(days=7)),
        ("1m", pd.DateOffset(months=1)),
        ("3m", pd.DateOffset(months=3)),
        ("12m", pd.DateOffset(years=1)),
    ):
        base = values[values.index <= day - offset]
        assert block.change(horizon) == pytest.approx(values.iloc[-1] - base.iloc[-1]), horizon
    assert block.peak_3y_bp == pytest.approx(500.0)
    assert block.peak_3y_date == index[599].date()
    assert block.from_peak_bp == pytest.approx(values.iloc[-1] - 500.0)


def test_a_year_is_a_calendar_year_not_252_weekdays() -> None:
    from analytics.ingest import rawfiles
    from tests.support.paths import raw_path

    obs = rawfiles.read_directory(raw_path("DGS2_1990-2025.csv").parent)
    p = panel.build_panel(obs, start=pd.Timestamp("2024-01-01"), end=pd.Timestamp("2026-12-01"))
    block = differential.block(differential.GAPS[0], *_frames(p))
    year = next(c for c in block.changes if c.horizon == "12m")
    # 1 Dec 2025: Fed 3.75-4.00%, BoJ 0.50% (337.5 bp); 1 Dec 2026: 3.75-4.00%, 1.25%.
    assert year.nominal == date(2025, 12, 1) and year.base == date(2025, 12, 1)
    assert year.value == pytest.approx(-75.0)  # 252 weekdays back (15 Dec 2025) gave -50


def test_a_base_on_a_weekend_names_the_day_it_was_observed() -> None:
    series = market.calm(300)
    p = build(series)  # ends on a weekday; a month before it may be a weekend
    day = p.index[-1]
    block = differential.block(differential.GAPS[1], *_frames(p))
    for change in block.changes:
        nominal = horizons.base_day(day.date(), change.horizon)
        assert change.nominal == nominal
        observed = series["us.2y"].index[series["us.2y"].index <= pd.Timestamp(nominal)][-1]
        assert change.base == observed.date()
        assert change.dated == (observed.date() != nominal)


def test_a_gap_pairs_the_closes_of_the_same_day() -> None:
    series = market.calm(300)
    p = build(series)
    block = differential.block(differential.GAPS[1], *_frames(p))
    last = series["jp.2y"].index[-1]
    assert p.index[-1] == last  # the JGB close counts on its own day, like the US close
    assert block.jp.as_of == block.us.as_of == last.date()
    us, jp = series["us.2y"].iloc[-1], series["jp.2y"].iloc[-1]
    assert block.level_bp == pytest.approx(100 * (us - jp))


def test_a_leg_not_yet_published_keeps_its_own_date() -> None:
    series = market.calm(300)
    series["jp.2y"] = series["jp.2y"].iloc[:-1]  # MoF has not published the last day yet
    block = differential.block(differential.GAPS[1], *_frames(build(series)))
    assert block.us.as_of != block.jp.as_of
    assert block.as_of == block.jp.as_of == series["jp.2y"].index[-1].date()


def test_5_august_2024_pairs_the_us_and_jgb_closes_of_that_day() -> None:
    from analytics.ingest import rawfiles
    from analytics.narrative import snapshot
    from analytics.signal import backtest
    from tests.support.paths import raw_path

    obs = rawfiles.read_directory(raw_path("jgbcme_all.csv").parent)
    snap = snapshot.build_snapshot(obs, date(2024, 8, 5))
    ten = snap.gap("10y")
    assert ten.us.as_of == ten.jp.as_of == date(2024, 8, 5)
    assert (ten.us.value_pct, ten.jp.value_pct) == (3.78, 0.781)
    assert ten.level_bp == pytest.approx(299.9)  # not 281: the JGB close of 2 Aug
    two = snap.gap("2y")
    assert two.jp.as_of == date(2024, 8, 5) and two.level_bp == pytest.approx(389 - 26.5)
    daily = backtest.run_backtest(obs, date(2024, 7, 1), date(2024, 8, 9)).daily
    assert daily.loc["2024-08-05", "gap_10y_bp"] == pytest.approx(299.9)


def test_policy_gap_legs_share_the_day() -> None:
    block = differential.block(differential.GAPS[0], *_frames(build(market.calm(300))))
    assert block.us.as_of == block.jp.as_of


def test_a_missing_leg_is_stated_plainly() -> None:
    series = market.calm(300)
    del series["jp.10y"]
    block = differential.block(differential.GAPS[2], *_frames(build(series)))
    assert block.level_bp is None
    assert block.jp.as_of is None and block.us.as_of is not None


def test_splice_uses_h10_then_the_ecb_cross_as_published() -> None:
    index = pd.bdate_range("2025-01-01", periods=80)
    true = pd.Series(150 * np.exp(np.linspace(0, 0.05, 80)), index)
    h10 = true.iloc[:50].drop(index[20])  # a US holiday inside the H.10 range
    ecb = true * 1.004  # a different fixing time: the cross differs from the noon rate
    spliced = usdjpy.splice(h10, ecb, index)
    assert spliced.source.iloc[49] == "h10"
    assert (spliced.source.iloc[50:] == "ecb").all()
    assert spliced.source.iloc[20] == "ecb"
    expected = true.copy()
    expected.iloc[50:] = ecb.iloc[50:]
    expected.iloc[20] = ecb.iloc[20]
    np.testing.assert_allclose(spliced.values.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert spliced.info.h10_last == index[49]
    assert spliced.as_of.iloc[-1] == index[-1]


def test_the_ecb_cross_is_not_rescaled_on_real_data() -> None:
    from analytics.ingest import rawfiles
    from tests.support.paths import raw_path

    obs = rawfiles.read_directory(raw_path("eurofxref-hist.csv").parent)
    p = panel.build_panel(obs, start=pd.Timestamp("2026-09-01"), end=pd.Timestamp("2026-10-30"))
    assert p.fx_source.iloc[-1] == "ecb"  # H.10 (DEXJPUS) ends on 11 Sep 2026
    ecb = obs[(obs["series"] == usdjpy.ECB) & (obs["date"] == "2026-10-30")]["value"].iloc[0]
    assert p.values["usdjpy"].iloc[-1] == ecb


def test_splice_is_point_in_time() -> None:
    index = pd.bdate_range("2025-01-01", periods=60)
    rng = np.random.default_rng(3)
    h10 = pd.Series(150 + rng.normal(0, 1, 60), index).iloc[:40]
    ecb = pd.Series(150 + rng.normal(0, 1, 60), index)
    full = usdjpy.splice(h10, ecb, index)
    for cut in (index[30], index[45], index[59]):
        part = usdjpy.splice(h10.loc[:cut], ecb.loc[:cut], index[index <= cut])
        assert part.values.iloc[-1] == pytest.approx(full.values.loc[cut])
        assert part.source.iloc[-1] == full.source.loc[cut]


def test_cftc_positions_count_from_their_release_date() -> None:
    series = market.calm(300)
    report = pd.Timestamp("2016-02-02")  # a Tuesday
    frame = market.long_frame(
        {
            **series,
            "cftc.jpy.noncomm_long": pd.Series([10_000.0], [report]),
            "cftc.jpy.noncomm_short": pd.Series([40_000.0], [report]),
            "cftc.jpy.oi": pd.Series([200_000.0], [report]),
        },
        released={
            name: pd.Series([pd.Timestamp("2016-02-05")], [report])
            for name in ("cftc.jpy.noncomm_long", "cftc.jpy.noncomm_short", "cftc.jpy.oi")
        },
    )
    p = panel.build_panel(frame, policy_rate=market.policy_rate)
    net = p.values["cftc_net_pct_oi"]
    assert np.isnan(net.loc["2016-02-04"])
    assert net.loc["2016-02-05"] == pytest.approx(-15.0)
    assert p.asof.loc["2016-02-05", "cftc_net_pct_oi"] == report
    assert bool(p.stale.loc["2016-02-12", "cftc_net_pct_oi"]) is False
    assert bool(p.stale.loc["2016-02-16", "cftc_net_pct_oi"]) is True


def _frames(p: panel.Panel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return p.values, p.asof, p.stale


def test_block_dates_are_dates() -> None:
    block = differential.block(differential.GAPS[1], *_frames(build(market.calm(300))))
    assert isinstance(block.as_of, date)
