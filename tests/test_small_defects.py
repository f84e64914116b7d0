"""The small defects of issue 17 that the first pass left: a change or distance that is not zero
never reads "0", a level at its high says so, every risk-asset change names its horizon, a share
of days reads 0% or 100% only when it is, and an S&P 500 before the stored copy is not "missing".

Values come from the raw files (read here with a plain CSV reader) on named dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from analytics.ingest import rawfiles
from analytics.picture import markets
from analytics.signal import backtest
from bot.cli import main
from commands.presentation.formatting import formatter
from tests.support.paths import RAW_DIR
from tests.test_picture_commands import _services, mof_yield, raw_close, text_of
from tests.test_small_numbers import reply


@pytest.fixture(scope="module")
def settings_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('defects') / 'settings.sqlite3'}"


def minus(text: str) -> str:
    return text.replace("-", "\u2212")


# --- a change that is not zero never reads 0 ---------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja", "zh"])
def test_a_change_that_rounds_to_zero_shows_its_size(language: str) -> None:
    f = formatter(language)
    assert f.signed(0.3) == "+0.3"  # a 0.3 bp move is not "0 bp"
    assert f.signed(-0.041, 1) == minus("-0.04")
    assert f.signed_percent(-0.009, 1) == minus("-0.01%")
    assert f.signed(0.0) == "0" and f.signed(1e-12) == "0"  # zero, and float noise, read 0
    assert f.signed(12.4) == "+12" and f.signed(-0.6) == minus("-1")  # others keep their digits


def test_usdjpy_just_below_its_60_day_high_is_not_at_zero(settings_url: str) -> None:
    # 4 Apr 2013: H.10 96.12 against the 60-day high of 96.16 on 14 Mar 2013, −0.04%.
    level, high = raw_close("DEXJPUS.csv", "2013-04-04"), raw_close("DEXJPUS.csv", "2013-03-14")
    shown = minus(f"{(level / high - 1) * 100:.2f}%")
    assert shown == "\u22120.04%"
    services = _services("2013-04-04", settings_url)
    assert f"{shown} from its 60-day high of {high:.2f} on 14 Mar 2013." in text_of(
        services, "/carry"
    )
    explain = text_of(services, "/carry explain")
    assert f"C1 Drawdown: USD/JPY is {shown} from its 60-day high" in explain
    assert "0.0% from" not in explain


def test_a_risk_asset_just_below_its_high_is_not_at_zero(settings_url: str) -> None:
    # 4 Apr 2013: the Nikkei closed 12,634.54, 1.15 under its 60-close high of 21 Mar 2013.
    close = raw_close("NIKKEI225_legacy_1949-2020.csv", "2013-04-04")
    high = raw_close("NIKKEI225_legacy_1949-2020.csv", "2013-03-21")
    shown = minus(f"{(close / high - 1) * 100:.2f}%")
    text = text_of(_services("2013-04-04", settings_url), "/carry markets")
    assert f"{shown} from its high of the last 60 closes, {high:,.2f} on 21 Mar 2013." in text
    assert "0.0% from its high" not in text and "At its high" not in text


def test_usdjpy_at_its_60_day_high_says_so(settings_url: str) -> None:
    # 19 Dec 2025: H.10 157.43, the highest of the last 60 days.
    level = raw_close("DEXJPUS_2025-2026.csv", "2025-12-19")
    services = _services("2025-12-19", settings_url)
    assert f"At its 60-day high of {level:.2f}." in text_of(services, "/carry")
    assert "C1 Drawdown: USD/JPY is at its 60-day high" in text_of(services, "/carry explain")
    assert "0.0%" not in text_of(services, "/carry")


def test_a_gap_change_under_half_a_basis_point_is_not_zero(settings_url: str) -> None:
    # 14 Jul 2006: 2-year gap 5.08% − 0.780% = 430.0 bp; 13 Apr 2006: 4.96% − 0.664% = 429.6 bp.
    now = raw_close("DGS2.csv", "2006-07-14") * 100 - mof_yield("2006/7/14", "2Y") * 100
    then = raw_close("DGS2.csv", "2006-04-13") * 100 - mof_yield("2006/4/13", "2Y") * 100
    change = f"{now - then:+.1f}"
    assert change == "+0.4"
    services = _services("2006-07-14", settings_url)
    carry = text_of(services, "/carry")
    assert f"2-year yields: {now:.0f} bp (" in carry
    assert f"{change} bp 3m (from 13 Apr 2006)" in carry
    assert f"the 2-year gap moved {change} bp in 3 months" in text_of(services, "/carry explain")
    assert " 0 bp 3m" not in carry


# --- a share of days ---------------------------------------------------------------------------


def test_a_regime_held_on_a_few_days_is_not_zero_percent_of_them(settings_url: str) -> None:
    text = text_of(_services("2006-07-14", settings_url), "/carry history 5y")
    shares = re.findall(r"^(.+): ([\d,]+) business days? \(([\d.]+)%\) in", text, re.M)
    assert shares, text
    for _regime, days, share in shares:
        assert float(share) > 0 if int(days.replace(",", "")) else float(share) == 0
    assert not re.search(r"\b1 business days\b", text)
    assert re.search(r"^RESET: 1 business day \(0\.\d%\) in 1 period$", text, re.M), text


def test_the_backtest_notes_read_100_percent_only_when_every_day_lacks_it() -> None:
    assert backtest.share(1.0) == "100%" and backtest.share(0.0) == "0%"
    assert backtest.share(0.996) == "99.6%"  # printed "100%" before
    assert backtest.share(1 / 8174) == "0.01%"
    assert backtest.share(0.5) == "50%"


# --- every risk-asset change names its horizon -------------------------------------------------


@pytest.mark.parametrize("day", ["2006-07-14", "2013-04-04", "2024-03-19"])
def test_the_briefings_risk_asset_changes_name_their_horizon(day: str) -> None:
    brief = reply("brief", day)
    section = brief.split("Risk assets\n", 1)[1].split("\n\n", 1)[0]
    assert not re.search(r"[+−][\d.,]+%\)", section), section  # a change closing its bracket
    nikkei = "NIKKEI225_legacy_1949-2020.csv" if day < "2020" else "N225_yahoo_2006-2026.csv"
    if day == "2013-04-04":
        close = raw_close(nikkei, day)
        change = (close / raw_close(nikkei, "2013-04-03") - 1) * 100
        assert f"Nikkei 225 {close:,.2f} (4 Apr 2013, {change:+.2f}% 1d)" in section


@pytest.mark.parametrize("locale", ["ja", "zh"])
def test_the_horizon_is_translated(locale: str) -> None:
    section = reply("brief", "2013-04-04", locale)
    assert re.search(r"（[^）]*1日 \+2\.20%）", section), section


# --- a risk asset beyond what its source keeps -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "nikkei", "sp500"),
    [
        (
            "en",
            "no close stored for Nikkei 225 and the VIX",
            "FRED keeps only the last ten years of S&P 500 closes",
        ),
        ("ja", "日経平均株価、VIX の終値は保存されていません", "S&P500の終値は直近10年分だけ"),
        ("zh", "日经225指数", "只提供最近十年的标普500指数收盘价"),
    ],
)
def test_an_offline_briefing_of_2005_says_why_each_risk_asset_is_absent(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
    nikkei: str,
    sp500: str,
) -> None:
    # The seed never holds risk assets; FRED's S&P 500 reaches back ten years from the store's
    # newest day (2026), so no refresh brings 1 Jun 2005; the Nikkei's FRED copy does. With no
    # close at all the risk-asset section goes and the footnote says why, asset by asset:
    # Bitcoin, which did not exist, is not "missing".
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    assert main(["brief", "--offline", "--date", "2005-06-01", "--lang", language]) == 0
    footnote = capsys.readouterr().out.strip().split("\n\n")[-2]
    assert nikkei in footnote and sp500 in footnote, footnote
    assert "Bitcoin" not in footnote and "ビットコイン" not in footnote and "比特币" not in footnote
    assert "S&P 500 and" not in footnote and "Nikkei 225, S&P 500" not in footnote


def test_the_window_is_judged_from_the_newest_stored_day() -> None:
    sp = "eq.sp500"
    assert markets.absence(sp, date(2005, 6, 1), None, date(2026, 10, 30))[0] == "beyond_source"
    assert markets.absence(sp, date(2020, 6, 1), None, date(2026, 10, 30))[0] == "none_stored"
    assert markets.absence(sp, date(2005, 6, 1), None, None)[0] == "none_stored"
    assert markets.absence("eq.nikkei225", date(2005, 6, 1), None, date(2026, 10, 30)) == (
        "none_stored",
        None,
    )


# --- the backtest report ------------------------------------------------------------------------


def test_an_episodes_fall_has_the_entries_digits_and_one_day_reads_day() -> None:
    obs = rawfiles.read_directory(RAW_DIR)
    result = backtest.run_backtest(obs, date(1995, 1, 2), date(1995, 7, 31))
    report = backtest.format_report(result)
    # 6 Mar 1995 was ELEVATED for one day only.
    assert re.search(r"1995-03-06 → 1995-03-06  ELEVATED +1 day$", report, re.M), report
    assert " 1 days" not in report
    ltcm = backtest.run_backtest(obs, date(1998, 8, 3), date(1998, 12, 31))
    falls = [e.usdjpy_drawdown_pct for e in ltcm.episodes if e.usdjpy_drawdown_pct is not None]
    assert falls  # Oct 1998 (LTCM)
    report = backtest.format_report(ltcm)
    for fall in falls:
        assert f"  {fall:.2f}%" in report  # as the entries print theirs
