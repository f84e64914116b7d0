"""The small numeric truths on the real files: what-if rows that add up after rounding, a long
end within a basis point of its high, the VIX change with its horizon, why a risk asset has no
close on a day, and the backtest judging a USD/JPY fall as it prints it."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.ingest import rawfiles
from analytics.narrative import snapshot
from analytics.narrative.snapshot import Snapshot
from analytics.picture import markets
from analytics.signal import backtest
from commands.presentation.render import render_text
from commands.reply import Reply
from commands.services import Services
from tests.support import realdata
from tests.support.paths import RAW_DIR
from tests.test_picture_commands import _services, mof_yield, raw_close, text_of


@pytest.fixture(scope="module")
def settings_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('numbers') / 'settings.sqlite3'}"


def services(day: str, settings_url: str) -> Services:
    return _services(day, settings_url)


@functools.cache
def snap(day: str) -> Snapshot:
    return snapshot.build_snapshot(realdata.observations(), date.fromisoformat(day))


def reply(name: str, day: str, locale: str = "en") -> str:
    from commands.handlers.views import view

    return render_text(Reply(name, {"v": view(snap(day))}, locale=locale))


# --- what-if: the change is that of the numbers shown -------------------------------------------


SCORE_ROW = re.compile(r"^(.+): (\d+) → (\d+)/100 \(([+−]?\d+)\)$")
BP_ROW = re.compile(r"^(.+): ([\d,.]+) → ([\d,.]+) bp \(([+−]?[\d.]+) bp\)$")


def number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


@pytest.mark.parametrize(
    ("day", "command"),
    [
        ("2024-08-05", "/carry whatif boj +50"),  # carry fuel 23.29 → 20.51: 23 → 21 (−2)
        ("2016-02-10", "/carry whatif fed +25"),  # carry incentive 23.83 → 34.40: 24 → 34 (+10)
    ],
)
def test_whatif_rows_add_up_after_rounding(settings_url: str, day: str, command: str) -> None:
    text = text_of(services(day, settings_url), command)
    rows = 0
    for line in text.splitlines():
        found = SCORE_ROW.match(line) or BP_ROW.match(line)
        if found is None:
            continue
        _name, before, after, change = found.groups()
        assert number(after) - number(before) == pytest.approx(number(change)), line
        rows += 1
    assert rows == 4  # policy-rate gap, 2-year gap, carry incentive, carry fuel


# --- the long end within a basis point of its high ---------------------------------------------


def test_half_a_basis_point_below_the_high_is_not_zero(settings_url: str) -> None:
    # 19 Dec 2025: the 30-year closed at 3.362%, 0.5 bp under the 3.367% of 3 Dec 2025.
    thirty, high = mof_yield("2025/12/19", "30Y"), 3.367
    assert round((high - thirty) * 100, 1) == 0.5
    text = text_of(services("2025-12-19", settings_url), "/carry markets")
    assert f"30-year JGB: {thirty:.3f}% on 19 Dec 2025" in text
    assert f"0.5 bp below its series high of {high:.3f}% on 3 Dec 2025" in text
    assert "0 bp below" not in text


def test_a_yield_level_with_its_high_says_so(settings_url: str) -> None:
    # 26 May 2008: the 40-year closed at 2.661%, the same as its earlier high.
    text = text_of(services("2008-05-26", settings_url), "/carry markets")
    forty = mof_yield("2008/5/26", "40Y")
    assert f"40-year JGB: {forty:.3f}% on 26 May 2008" in text
    assert f"level with its series high of {forty:.3f}%" in text
    assert "0 bp below" not in text


# --- the VIX change carries its horizon, one figure in every reply -------------------------------


def test_the_vix_change_names_its_horizon_and_agrees_across_replies() -> None:
    vix = raw_close("VIXCLS_1990-2026.csv", "2024-08-05")
    change = vix - raw_close("VIXCLS_1990-2026.csv", "2024-08-02")
    shown = f"{change:+.2f}"
    brief = reply("brief", "2024-08-05")
    assert f"{vix:.2f} (5 Aug 2024, " in brief and f", {shown} 1d)." in brief
    carry = reply("carry", "2024-08-05")
    assert f"({shown} on the day)" in carry  # the lede
    assert f"), {shown} 1d, " in carry  # the VIX line: the same figure, with its horizon


# --- why a risk asset has no close on a day ----------------------------------------------------


def test_before_bitcoin_existed_and_before_the_stored_sp500_starts() -> None:
    brief = reply("brief", "1998-10-08")
    assert "Bitcoin did not exist yet." in brief
    assert "The stored S&P 500 history starts on 23 May 2016." in brief  # SP500.csv's first
    assert "No close is stored for" not in brief


def test_bitcoin_existed_but_the_stored_copy_starts_later(settings_url: str) -> None:
    text = text_of(services("2012-06-01", settings_url), "/carry markets")
    # CBBTCUSD.csv starts on 1 Dec 2014; Bitcoin itself began on 3 Jan 2009.
    assert "No close for this day: the stored history starts on 1 Dec 2014." in text
    assert "No close is stored: it is fetched live" not in text
    reading = snap("1998-10-08").markets.asset("crypto.btcusd")
    assert (reading.absence, reading.since) == (markets.BEFORE_INCEPTION, date(2009, 1, 3))


@pytest.mark.parametrize(
    ("locale", "unborn"), [("ja", "まだ存在していませんでした"), ("zh", "当时尚不存在")]
)
def test_the_reasons_are_translated(locale: str, unborn: str) -> None:
    brief = reply("brief", "1998-10-08", locale)
    assert unborn in brief
    assert "did not exist" not in brief and "stored" not in brief


# --- the backtest judges a fall as it prints it -------------------------------------------------


def test_a_fall_of_4_96_percent_reads_4_96_and_is_a_false_alarm() -> None:
    obs = rawfiles.read_directory(RAW_DIR)
    result = backtest.run_backtest(obs, date(2001, 6, 1), date(2001, 12, 31))
    entry = result.alarms.loc[pd.Timestamp("2001-09-12")]
    assert entry["drawdown_pct"] == pytest.approx(4.96, abs=0.005)
    assert bool(entry["false_alarm"])
    report = backtest.format_report(result)
    assert "2001-09-12  UNWINDING_GRADUAL  C  37.2  fall  4.96%  FALSE ALARM" in report
    assert "fall   5.0%" not in report


def test_a_fall_that_prints_as_five_percent_is_confirmed() -> None:
    index = pd.bdate_range("2020-01-01", periods=60)
    fx = np.full(60, 100.0)
    fx[30:] = 100 * (1 - 0.04996)  # a 4.996% fall: printed 5.00%
    regimes = np.array(["STABLE"] * 60, dtype=object)
    regimes[25:30] = "UNWINDING"
    daily = pd.DataFrame({"regime": regimes, "usdjpy": fx, "unwind_pressure": 70.0}, index=index)
    alarms = backtest.entry_alarms(daily)
    assert f"{alarms['drawdown_pct'].iloc[0]:.2f}" == "5.00"
    assert not bool(alarms["false_alarm"].iloc[0])


def test_the_backtest_says_the_store_holds_vix_when_it_does(tmp_path: Path) -> None:
    def is_seed(source: str) -> bool:
        return source == "seed"

    vix = pd.DataFrame(
        {
            "series": "vix",
            "date": pd.to_datetime(["1990-01-02", "2026-10-30"]),
            "value": 20.0,
            "source": "fred",
        }
    )
    seeded = pd.DataFrame(
        {"series": "us.2y", "date": pd.to_datetime(["1990-01-02"]), "value": 8.0, "source": "seed"}
    )
    both = backtest.vix_origin(pd.concat([seeded, vix]), is_seed)
    assert "has no VIX" in both and "VIX from 1990-01-02 to 2026-10-30 (2 closes)" in both
    assert "no VIX is stored" not in both
    assert backtest.vix_origin(seeded, is_seed).endswith("no VIX is stored")


def test_a_stress_day_before_bitcoin_does_not_miss_it() -> None:
    # 24 Oct 2008: Bitcoin did not exist; the S&P 500 existed but the stored copy starts in 2016.
    brief = reply("brief", "2008-10-24")
    lede = brief.split("\n\n")[1]
    assert "With USD/JPY down" in lede
    assert "Bitcoin" not in lede
    # Not "no current close": the briefing's risk-asset section says why, once.
    assert "S&P 500" not in lede and "No current close" not in brief
    assert brief.count("The stored S&P 500 history starts on 23 May 2016.") == 1
    carry = reply("carry", "2008-10-24").split("\n\n")[1]
    assert "The stored S&P 500 history starts on 23 May 2016." in carry
    assert "No current close" not in carry
