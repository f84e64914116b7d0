"""The briefing as a commentary on the real files: its lede, thesis line, levels to watch, the
risk-asset and long-end sections, its length in every language, and stale days."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from analytics.narrative import lede, snapshot
from analytics.narrative.snapshot import Snapshot
from commands.handlers.views import view
from commands.presentation.render import render_text
from commands.reply import Reply
from tests.support import realdata
from tests.support.snapshots import computed
from tests.test_picture_commands import mof_yield, raw_close

LOCALES = ("en", "ja", "zh")
DAYS = ("2024-08-05", "2026-04-30", "2026-12-01", "2025-06-02", "2008-10-24", "1998-10-08")


@functools.cache
def snap(day: str) -> Snapshot:
    return snapshot.build_snapshot(realdata.observations(), date.fromisoformat(day))


def brief(day: str, locale: str = "en") -> str:
    return render_text(Reply("brief", {"v": view(snap(day))}, locale=locale))


def lede_of(text: str) -> str:
    return text.split("\n\n")[1]


def test_black_monday_tells_the_story_of_the_day() -> None:
    text = brief("2024-08-05")
    first = lede_of(text)
    fx = raw_close("DEXJPUS_2021-2026.csv", "2024-08-05")
    fall = (1 - fx / raw_close("DEXJPUS_2021-2026.csv", "2024-08-02")) * 100
    assert f"With USD/JPY down {fall:.2f}% on the day, risk assets fell:" in first
    assert "Nikkei 225 −12.40%, S&P 500 −3.00% and Bitcoin −7.14%" in first
    # Judged against each series' own volatility, the Nikkei moved most.
    assert "For Nikkei 225 that was 10.5 times its usual daily move" in first
    # Same-day closes of 2 May 2024 (3 May was a Tokyo holiday): −95.5 bp, shown as 96.
    assert "The 2-year gap has narrowed 96 bp in three months, to 362 bp" in first
    assert "Carry incentive fell from 93 to 58/100." in first
    vix = raw_close("VIXCLS_1990-2026.csv", "2024-08-05")
    assert f"VIX {vix:.2f} (5 Aug 2024, Cboe" in text or f"VIX {vix:.2f} (5 Aug 2024, FRED" in text
    assert "Closes of 5 Aug 2024: Nikkei 225 31,458.42, S&P 500 5,186.33 and Bitcoin" in text
    assert "Unwind pressure is already past the ELEVATED threshold (40)." in text


def test_a_calm_day_names_no_risk_asset_moves_in_the_lede() -> None:
    s = snap("2025-06-02")
    assert lede.stress_trigger(s) is None
    first = lede_of(brief("2025-06-02"))
    assert "Risk assets" not in first and "With USD/JPY down" not in first
    # …but the section still carries every close with its date and move.
    assert "Closes: Nikkei 225" in brief("2025-06-02")


def test_a_two_percent_fall_of_usd_jpy_is_a_stress_day_even_at_low_pressure() -> None:
    s = snap("2026-04-30")
    assert s.unwind_pressure is not None and s.unwind_pressure < 65
    assert lede.stress_trigger(s) == lede.FALL
    assert "With USD/JPY down 2.23% on the day, risk assets were mixed" in lede_of(
        brief("2026-04-30")
    )


def test_the_long_end_is_shown_with_its_record_and_the_fiscal_line() -> None:
    text = brief("2026-04-30")
    thirty = mof_yield("2026/4/30", "30Y")
    month = round((thirty - mof_yield("2026/3/30", "30Y")) * 100)
    year = round((thirty - mof_yield("2025/4/30", "30Y")) * 100)
    assert f"30-year JGB {thirty:.3f}% on 30 Apr 2026: +{month} bp 1m, +{year} bp 12m;" in text
    assert "4 bp below its series high of 3.765% on 20 Jan 2026" in text
    slope = round((thirty - mof_yield("2026/4/30", "10Y")) * 100)
    assert f"10s30s slope {slope} bp." in text
    assert (
        "Up over the year and not falling back this month, the long end prices Japan's fiscal"
        in text
    )


def test_levels_to_watch_solve_the_elevated_level_and_name_the_meetings() -> None:
    text = brief("2026-04-30")
    level = snap("2026-04-30").level
    assert level.level is not None and level.level < 156.66
    change = (level.level / 156.66 - 1) * 100
    assert f"USD/JPY at {level.level:.2f} ({change:+.2f}%)".replace("-", "−") in text
    assert "Next: BoJ 16 Jun 2026 and FOMC 17 Jun 2026." in text  # the BoJ's date: k260616a


def test_a_stale_day_has_no_news_claims_and_names_what_is_old() -> None:
    text = brief("2026-12-01")
    first = lede_of(text)
    assert first.startswith("The latest close stored is 30 Oct 2026, five weeks ago: no newer")
    assert "largest move" not in first and "Risk assets" not in first
    assert "Nikkei 225 64,136.25 (17 Sept 2026, not current)" in text
    assert "The 30-year JGB yield was 3.721% on 30 Apr 2026 (Japan MoF); no new close" in text


@pytest.mark.parametrize("day", DAYS)
def test_the_briefing_stays_under_300_words_in_every_language(day: str) -> None:
    english = brief(day)
    assert len(english.split()) < 300, day
    for locale in ("ja", "zh"):
        # Japanese and Chinese write no spaces between words: the same content is never longer
        # than the English in characters.
        assert len(brief(day, locale)) <= len(english), (day, locale)


@pytest.mark.parametrize("kind", ["stressed", "sparse"])
def test_the_synthetic_briefings_stay_under_300_words(kind: str) -> None:
    text = render_text(Reply("brief", {"v": view(computed(kind)[0])}))
    assert len(text.split()) < 300


def test_explain_holds_the_detail_the_briefing_leaves_out() -> None:
    text = render_text(Reply("explain", {"v": view(snap("2024-08-05"))}))
    assert "The day's moves against their own volatility" in text
    assert "Nikkei 225 −12.40% (10.5×)" in text
    assert "the 30-year JGB yield −14 bp" in text
    assert "set on 31 Jul 2024" in text  # the BoJ's policy standing
