"""Same-day pairs: every gap and every change of a gap from closes of one day, one figure for
one quantity in the brief, ``/carry``, ``/carry explain``, the regime rules, the hike study,
the day's moves and the backtest."""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.catalogue import horizons, pairs
from analytics.narrative import snapshot
from analytics.narrative.snapshot import Snapshot
from analytics.picture import daymoves, hikes, markets
from analytics.signal import backtest, gaps
from commands.handlers.views import view
from commands.presentation.render import render_text
from commands.reply import Reply
from tests.support import realdata
from tests.test_picture_commands import mof_yield, raw_close


def days(*isos: str) -> np.ndarray:
    return np.array([np.datetime64(d, "ns") for d in isos])


# --- the pairs themselves (built series) --------------------------------------------------------


def test_a_gap_exists_only_on_days_both_legs_closed() -> None:
    found = pairs.same_day(
        days("2024-05-01", "2024-05-02", "2024-05-03"),
        np.array([4.96, 4.87, 4.81]),
        days("2024-05-01", "2024-05-02", "2024-05-07"),
        np.array([0.29, 0.29, 0.282]),
        max_age_days=5,
    )
    assert list(found.dates) == list(days("2024-05-01", "2024-05-02"))
    assert found.values == pytest.approx([467.0, 458.0])
    # 3 May (a Tokyo holiday) reads the pair of 2 May, labelled 2 May, not 481 − 29.
    read = pairs.at(found, date(2024, 5, 3))
    assert read == pairs.Pair(date(2024, 5, 2), pytest.approx(458.0))


def test_a_change_runs_between_pairs_and_names_the_base_pair_day() -> None:
    us = pd.Series(
        [4.96, 4.87, 4.81, 3.89],
        pd.DatetimeIndex(["2024-05-01", "2024-05-02", "2024-05-03", "2024-08-05"]),
    )
    jp = pd.Series(
        [0.29, 0.29, 0.265], pd.DatetimeIndex(["2024-05-01", "2024-05-02", "2024-08-05"])
    )
    found = pairs.same_day(
        us.index.to_numpy(), us.to_numpy(), jp.index.to_numpy(), jp.to_numpy(), 5
    )
    three = pairs.change(found, date(2024, 8, 5), "3m")
    assert three.value == pytest.approx(362.5 - 458.0)  # −95.5, not 362.5 − (481 − 29)
    assert (three.base, three.nominal) == (date(2024, 5, 2), date(2024, 5, 5))
    assert three.dated


def test_a_stale_pair_or_a_base_too_far_back_gives_no_change() -> None:
    found = pairs.same_day(
        days("2025-01-02", "2025-11-13"),
        np.array([4.0, 3.58]),
        days("2025-01-02", "2025-11-13", "2026-04-30"),
        np.array([0.6, 0.932, 1.402]),
        max_age_days=5,
    )
    # The US leg stopped on 13 Nov 2025: the pair of that day stays, flat, and is stale later.
    assert pairs.at(found, date(2026, 4, 30)) == pairs.Pair(
        date(2025, 11, 13), pytest.approx(264.8)
    )
    assert pairs.is_stale(found, date(2026, 4, 30)) and not pairs.is_stale(
        found, date(2025, 11, 14)
    )
    assert pairs.change(found, date(2026, 4, 30), "1m").value is None
    # 1m back from 13 Nov 2025 finds only 2 Jan 2025: too old to be a base.
    assert pairs.change(found, date(2025, 11, 14), "1m").value is None


def test_vectorised_base_days_equal_the_calendar_rule() -> None:
    sample = pd.bdate_range("2023-12-25", "2024-04-05")
    for horizon in horizons.HORIZONS:
        many = horizons.base_days(sample, horizon)
        one = [np.datetime64(horizons.base_day(d.date(), horizon), "ns") for d in sample]
        assert list(many) == one, horizon


# --- one figure everywhere (the real files) ----------------------------------------------------


@functools.cache
def snap(day: str) -> Snapshot:
    return snapshot.build_snapshot(realdata.observations(), date.fromisoformat(day))


def reply(name: str, day: str, locale: str = "en") -> str:
    return render_text(Reply(name, {"v": view(snap(day))}, locale=locale))


def expected_3m_change_5_aug_2024() -> float:
    now = raw_close("DGS2_1990-2025.csv", "2024-08-05") - mof_yield("2024/8/5", "2Y")
    then = raw_close("DGS2_1990-2025.csv", "2024-05-02") - mof_yield("2024/5/2", "2Y")
    return 100 * (now - then)


def test_the_3_month_change_of_5_aug_2024_is_one_figure_everywhere() -> None:
    expected = expected_3m_change_5_aug_2024()
    assert expected == pytest.approx(-95.5)
    s = snap("2024-08-05")
    gap = s.gap("2y")
    change = next(c for c in gap.changes if c.horizon == "3m")
    a3 = next(c for p in s.pillars for c in p.components if c.key == "A3")
    figures = {
        "/carry gap block": change.value,
        "brief thesis line": s.thesis.change_bp,
        "/carry explain (A3)": a3.raw,
        "regime rules": s.regime.inputs.gap_2y_3m_bp,
    }
    assert figures == {k: pytest.approx(expected) for k in figures}
    assert change.base == s.thesis.base == date(2024, 5, 2)
    assert "−96 bp 3m (from 2 May 2024)" in reply("carry", "2024-08-05")
    assert "the 2-year gap moved −96 bp in 3 months" in reply("explain", "2024-08-05")
    assert "The 2-year gap has narrowed 96 bp in three months" in reply("brief", "2024-08-05")


def test_a_tokyo_holiday_shows_the_gap_of_the_last_day_both_legs_closed() -> None:
    # 21 Mar 2007: New York traded, Tokyo did not (Vernal Equinox Day).
    s = snap("2007-03-21")
    gap = s.gap("2y")
    expected = 100 * (raw_close("DGS2_1990-2025.csv", "2007-03-20") - mof_yield("2007/3/20", "2Y"))
    assert gap.as_of == date(2007, 3, 20) and gap.level_bp == pytest.approx(expected)
    assert gap.us.as_of == date(2007, 3, 21)  # the leg keeps its own latest close
    assert "2-year yields: 381 bp" in reply("carry", "2007-03-21")
    assert ", as of 20 Mar 2007" in reply("carry", "2007-03-21")
    # No pair is dated 21 Mar 2007, so the gap has no move that day (the US leg alone moved).
    assert all(m.key != "gap_2y" for m in s.day_moves)


def test_the_hike_study_pairs_the_20_day_gap_on_one_day() -> None:
    obs = realdata.observations()
    study = hikes.study(obs, date(2026, 9, 17), markets.usdjpy_observations(obs, date(2026, 9, 17)))
    event = next(e for e in study.events if e.hike.decision_date == date(2007, 2, 21))
    reaction = event.reaction("gap_2y", 20)
    assert reaction is not None
    start = raw_close("DGS2_1990-2025.csv", "2007-02-21") - mof_yield("2007/2/21", "2Y")
    end = raw_close("DGS2_1990-2025.csv", "2007-03-20") - mof_yield("2007/3/20", "2Y")
    assert (reaction.base_date, reaction.target_day, reaction.end_date) == (
        date(2007, 2, 21),
        date(2007, 3, 21),
        date(2007, 3, 20),
    )
    assert reaction.change == pytest.approx(100 * (end - start))  # −20.8, not −29.8


def test_the_backtest_and_the_day_moves_read_the_same_pairs() -> None:
    obs = realdata.observations()
    result = backtest.run_backtest(obs, date(2024, 4, 1), date(2024, 8, 5))
    daily = result.daily
    pair_2_may = 100 * (raw_close("DGS2_1990-2025.csv", "2024-05-02") - mof_yield("2024/5/2", "2Y"))
    # 3 May 2024 (a Tokyo holiday) carries the pair of 2 May in the CSV, dated 2 May.
    assert daily.loc["2024-05-03", "gap_2y_bp"] == pytest.approx(pair_2_may)
    assert daily.loc["2024-05-03", "gap_2y_asof"] == pd.Timestamp("2024-05-02")
    s = snap("2024-08-05")
    assert daily.loc["2024-08-05", "gap_2y_bp"] == pytest.approx(s.gap("2y").level_bp)
    move = next(m for m in s.day_moves if m.key == "gap_2y")
    pair_2_aug = 100 * (raw_close("DGS2_1990-2025.csv", "2024-08-02") - mof_yield("2024/8/2", "2Y"))
    assert move.from_date == date(2024, 8, 2)
    assert move.move == pytest.approx(s.gap("2y").level_bp - pair_2_aug)


def test_the_signal_reads_the_gap_pairs_of_the_panel() -> None:
    computation = realdata.computation("2024-08-05")
    read = gaps.daily(computation.panel.values, computation.panel.asof)
    signal = computation.signal
    for key in gaps.KEYS:
        assert np.array_equal(
            signal[gaps.column(key)].to_numpy(), read[gaps.column(key)], equal_nan=True
        ), key
    assert daymoves.gap_updates(computation.panel, "2y").index[-1] == pd.Timestamp("2024-08-05")


def test_a_what_if_moves_the_pair_the_gap_reads_on_a_tokyo_holiday() -> None:
    # 21 Mar 2007: the gap reads the closes of 20 Mar; a Fed move must move that pair too.
    from analytics.picture import whatif

    result = whatif.what_if(realdata.computation("2007-03-21"), fed_bp=25)
    pair = 100 * (raw_close("DGS2_1990-2025.csv", "2007-03-20") - mof_yield("2007/3/20", "2Y"))
    assert result.before.gap_2y_bp == pytest.approx(pair)
    assert result.after.gap_2y_bp == pytest.approx(pair + 25)
