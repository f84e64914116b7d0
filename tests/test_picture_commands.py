"""``/carry markets``, ``size``, ``whatif`` and ``hikes`` through the command layer on the real files.

Values are checked against the raw files themselves on named dates (read here with a plain CSV
reader, not the project's parsers), in every language, and with stale and missing data: a day
after every risk asset stopped, the bundled seed (which never carries risk assets), no data.
"""

from __future__ import annotations

import csv
import functools
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.seed import open_seeded_store
from analytics.narrative.snapshot import build_snapshot
from analytics.signal import pipeline
from analytics.signal.panel import last_market_day
from analytics.storage.database import open_database
from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.dispatch import make_services as store_services
from commands.handlers.charts import make_chart
from commands.presentation.render import render_text
from commands.reply import Reply
from commands.services import Services, SnapshotProvider
from commands.settings.store import SettingsStore
from tests.support import realdata
from tests.support.chat import NOW
from tests.support.paths import raw_path
from tests.test_replies_localised import assert_no_english

LOCALES = ("en", "ja", "zh")


def raw_close(name: str, day: str) -> float:
    """A FRED file's value on ``day`` (ISO), read straight from the raw CSV."""
    with raw_path(name).open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if row and row[0] == day:
                return float(row[1])
    raise LookupError(f"{name} has no {day}")


def pct(value: float) -> str:
    """A signed percent change as the replies write it (a true minus sign)."""
    return f"{value:+.2f}%".replace("-", "\u2212")


def mof_yield(day: str, tenor: str) -> float:
    """A JGB yield of MoF's history file on ``day`` (``2026/4/30``)."""
    with raw_path("jgbcme_all.csv").open(encoding="ascii") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    row = next(r for r in rows if r and r[0] == day)
    return float(row[header.index(tenor)])


@functools.cache
def _services(day: str, settings: str) -> Services:
    obs = realdata.observations()
    today = date.fromisoformat(day)

    def build():  # type: ignore[no-untyped-def]
        computation = pipeline.compute(obs, end=last_market_day(obs, pd.Timestamp(today)))
        return build_snapshot(obs, today, computation=computation), computation.daily(), computation

    return Services(SettingsStore(open_database(settings)), SnapshotProvider(build, make_chart))


@pytest.fixture(scope="module")
def settings_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('picture') / 'settings.sqlite3'}"


def ask(services: Services, command: str, locale: str = "en") -> Reply:
    ctx = CommandContext("telegram", "-1001", "42", "Aiko", True, locale=locale, now=NOW)
    return dispatch(command, ctx, services)


def text_of(services: Services, command: str, locale: str = "en") -> str:
    reply = ask(services, command, locale)
    assert reply.ok, render_text(reply)
    return render_text(reply)


@pytest.fixture(scope="module")
def black_monday(settings_url: str) -> Services:
    return _services("2024-08-05", settings_url)


@pytest.fixture(scope="module")
def april(settings_url: str) -> Services:
    return _services("2026-04-30", settings_url)


# --- /carry markets -------------------------------------------------------------------------


def test_markets_on_black_monday_match_the_files(black_monday: Services) -> None:
    text = text_of(black_monday, "/carry markets")
    sp, sp_before = raw_close("SP500.csv", "2024-08-05"), raw_close("SP500.csv", "2024-08-02")
    btc, btc_before = (
        raw_close("CBBTCUSD.csv", "2024-08-05"),
        raw_close("CBBTCUSD.csv", "2024-08-04"),
    )
    assert f"{sp:,.2f} on 5 Aug 2024 (FRED): {pct((sp / sp_before - 1) * 100)} 1d" in text
    assert "(from 2 Aug 2024)" in text
    assert (
        f"{btc:,.2f} on 5 Aug 2024 (FRED): {(btc / btc_before - 1) * 100:+.2f}% 1d".replace(
            "-", "−"
        )
        in text
    )
    assert "(from 4 Aug 2024)" in text  # Bitcoin trades on Sundays
    # The Nikkei of 5 Aug 2024 comes from the test-only yfinance capture (FRED's copies lack it).
    assert "31,458.42 on 5 Aug 2024" in text and "−12.40% 1d (from 2 Aug 2024)" in text
    assert f"The VIX closed at {raw_close('VIXCLS_1990-2026.csv', '2024-08-05'):.2f}" in text
    assert "It tends to rise as the yen weakens" in text or "It moves closely with USD/JPY" in text
    assert "Correlation of its daily returns with USD/JPY over 60 common days" in text


def test_markets_show_the_long_end_with_its_record(april: Services) -> None:
    text = text_of(april, "/carry markets")
    thirty, year_ago = mof_yield("2026/4/30", "30Y"), mof_yield("2025/4/30", "30Y")
    record = mof_yield("2026/1/20", "30Y")
    assert f"30-year JGB: {thirty:.3f}% on 30 Apr 2026 (Japan MoF)" in text
    assert f"+{round((thirty - year_ago) * 100)} bp 12m" in text
    assert f"{round((record - thirty) * 100)} bp below its series high of {record:.3f}%" in text
    assert f"20-year JGB: {mof_yield('2026/4/30', '20Y'):.3f}%" in text
    assert f"40-year JGB: {mof_yield('2026/4/30', '40Y'):.3f}%" in text
    assert "The 10s30s slope (30-year minus 10-year) is" in text
    assert "A rising long end is where the market prices Japan's fiscal strain" in text


def test_a_new_long_end_high_is_a_record_since_the_series_began(settings_url: str) -> None:
    text = text_of(_services("2026-01-20", settings_url), "/carry markets")
    assert "30-year JGB: 3.765% on 20 Jan 2026" in text
    assert "the highest since the series began on 2 Sept 1999" in text


def test_stale_risk_assets_and_long_end_keep_their_dates_and_nothing_else(
    settings_url: str,
) -> None:
    text = text_of(_services("2026-12-01", settings_url), "/carry markets")
    nikkei = raw_close("NIKKEI225_2025-2026.csv", "2026-09-17")
    assert f"{nikkei:,.2f} on 17 Sept 2026 (FRED). No new close since then" in text
    assert "77,078.18 on 24 May 2026 (FRED). No new close since then" in text
    assert "30-year JGB: 3.721% on 30 Apr 2026 (Japan MoF); no new close since then" in text
    assert "1d (from" not in text and "Correlation of" not in text and "10s30s" not in text


# --- /carry size ----------------------------------------------------------------------------


def cftc_report(day: str) -> tuple[int, int]:
    """Non-commercial long and short contracts of the legacy report of ``day``, from the file."""
    with raw_path("CFTC_legacy_FO_2025_JPY_rows.txt").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["As of Date in Form YYYY-MM-DD"] == day)
    return (
        int(row["Noncommercial Positions-Long (All)"]),
        int(row["Noncommercial Positions-Short (All)"]),
    )


def test_size_leads_with_the_bis_reference_and_measures_the_cftc_position(
    settings_url: str,
) -> None:
    text = text_of(_services("2025-03-25", settings_url), "/carry size")
    lines = text.splitlines()
    assert lines[2].startswith(
        "The reference estimate, BIS Bulletin No 90 (27 Aug 2024): ¥40 tn ≈ $250 bn of FX carry "
        "trades going into August 2024"
    )
    assert (
        "Deutsche Bank, G. Saravelos (Dec 2023): about $20 tn of “Japan Inc.” balance-sheet" in text
    )
    assert "China Merchants Bank research, as attributed (date unknown): about $9 tn" in text
    assert "the primary report was not found, so the figure is unverified" in text
    long_, short = cftc_report("2025-03-18")
    net = long_ - short
    side = "long" if net > 0 else "short"
    assert "In the CFTC report of 18 Mar 2025, released on 21 Mar 2025" in text
    assert f"were net {side} {abs(net):,} yen futures contracts" in text
    fx = raw_close("DEXJPUS_2021-2026.csv", "2025-03-18")
    usd_bn = abs(net) * 12_500_000 / fx / 1e9
    assert f"at USD/JPY {fx:.2f} on 18 Mar 2025" in text and f"${usd_bn:.3g} bn" in text
    assert "It covers CME yen futures only" in text
    # A size never appears without its definition: every amount line says what it counts.
    for line in lines:
        if "tn" in line or " bn" in line:
            assert " of " in line, line


def test_size_names_an_old_report_as_too_old(settings_url: str) -> None:
    text = text_of(_services("2026-12-01", settings_url), "/carry size")
    assert "The latest CFTC report in the data, of 18 Mar 2025, is too old to be current." in text


def test_size_without_any_data_still_lists_the_published_estimates(tmp_path: Path) -> None:
    from tests.support.chat import make_services

    services = make_services(f"sqlite:///{tmp_path / 'none.sqlite3'}", "none")
    text = text_of(services, "/carry size")
    assert "¥40 tn ≈ $250 bn" in text
    assert "No CFTC report is stored, so the one size carrybot measures itself" in text


# --- /carry whatif --------------------------------------------------------------------------


def test_whatif_on_black_monday_moves_the_gaps_by_the_step(black_monday: Services) -> None:
    text = text_of(black_monday, "/carry whatif boj +25")
    us2, jp2 = raw_close("DGS2_1990-2025.csv", "2024-08-05"), mof_yield("2024/8/5", "2Y")
    gap = (us2 - jp2) * 100
    assert text.startswith("What if: the BoJ raises its rate by 25 bp (hypothetical)")
    assert "A hypothetical, not a forecast" in text
    assert "BoJ: 0.25% → 0.50%." in text
    assert "Policy-rate gap: 512.5 → 487.5 bp (−25.0 bp)" in text  # Fed 5.25–5.50%, BoJ 0.25%
    assert f"2-year gap: {gap:.1f} → {gap - 25:.1f} bp (−25.0 bp)" in text
    both = text_of(black_monday, "/carry whatif boj +25 fed -50")
    assert "the BoJ raises its rate by 25 bp and the Fed cuts its rate by 50 bp" in both
    assert "Fed: 5.25–5.50% → 4.75–5.00%." in both
    assert "Policy-rate gap: 512.5 → 437.5 bp (−75.0 bp)" in both


def carry_incentive(text: str) -> tuple[int, int]:
    line = next(x for x in text.splitlines() if x.startswith("Carry incentive (A):"))
    before, after = line.split(": ")[1].split("/")[0].split(" → ")
    return int(before), int(after)


def test_a_boj_hike_lowers_carry_incentive_and_a_fed_hike_raises_it(april: Services) -> None:
    hike = carry_incentive(text_of(april, "/carry whatif boj +50"))
    fed = carry_incentive(text_of(april, "/carry whatif fed +50"))
    assert hike[1] < hike[0] and fed[1] >= fed[0]


@pytest.mark.parametrize(
    ("command", "first_line"),
    [
        ("/carry whatif boj +7", "“+7” is not a step of 5 bp."),
        ("/carry whatif boj 105", "“105” is more than 100 bp."),
        ("/carry whatif fed 0", "“0” is no move."),
        ("/carry whatif boj 25bps", "“25bps” is not a move in basis points."),
        ("/carry whatif boj +25 boj -5", "boj is given twice: give each bank one move."),
        ("/carry whatif boj +25 fed", "fed needs a move after it."),
        ("/carry whatif boj +25 -25", "“-25” needs a bank before it: boj or fed."),
        ("/carry whatif ecb +25", "“ecb” is not one of boj|fed."),
    ],
)
def test_a_bad_step_is_named_with_an_example(
    black_monday: Services, command: str, first_line: str
) -> None:
    reply = ask(black_monday, command)
    assert not reply.ok
    lines = render_text(reply).splitlines()
    assert lines[0] == first_line
    assert "for example /carry whatif boj +25" in lines[1]


@pytest.mark.parametrize("step", ["+5", "-100", "100", "−25", "+0.25%", "25bp", "-0.5%"])
def test_steps_of_five_to_a_hundred_in_any_spelling_are_accepted(
    black_monday: Services, step: str
) -> None:
    assert ask(black_monday, f"/carry whatif fed {step}").ok


# --- /carry hikes ---------------------------------------------------------------------------


def test_hikes_measure_each_decision_from_the_files(settings_url: str) -> None:
    text = text_of(_services("2026-09-17", settings_url), "/carry hikes")
    before, after = (
        raw_close("DEXJPUS_2021-2026.csv", "2024-07-31"),
        raw_close("DEXJPUS_2021-2026.csv", "2024-08-07"),
    )
    july = text.split("31 Jul 2024: 0.00–0.10% → 0.25%")[1].split("\n\n")[0]
    fx_line = next(line for line in july.splitlines() if line.startswith("USD/JPY:"))
    assert pct((after / before - 1) * 100) in fx_line.split(" · ")[1]
    for heading in (
        "11 Aug 2000: 0.00–0.15% → 0.25%",
        "14 Jul 2006: 0.00% → 0.25%",
        "21 Feb 2007: 0.25% → 0.50%",
        "19 Mar 2024: −0.10% → 0.00–0.10%",
        "24 Jan 2025: 0.25% → 0.50%",
        "19 Dec 2025: 0.50% → 0.75%",
        "16 Jun 2026: 0.75% → 1.00% (latest)",  # secondary evidence (policy-rates.md 3.3)
    ):
        assert heading in text
    first = text.split("11 Aug 2000")[1].split("\n\n")[0]
    assert "Bitcoin: — · — · —" in first  # no Bitcoin in 2000
    assert "Median across hikes" in text and "(8 hikes)" in text


def test_the_latest_hike_shows_what_has_not_happened_yet(settings_url: str) -> None:
    text = text_of(_services("2025-12-24", settings_url), "/carry hikes")
    latest = text.split("19 Dec 2025: 0.50% → 0.75% (latest)")[1].split("\n\n")[0]
    fx_line = next(line for line in latest.splitlines() if line.startswith("USD/JPY:"))
    assert fx_line.endswith("· … · …")  # 5 and 20 business days are still to come


# --- every language, offline --------------------------------------------------------------


@pytest.mark.parametrize("locale", ["ja", "zh"])
@pytest.mark.parametrize(
    "command", ["/carry markets", "/carry size", "/carry whatif boj +25 fed -25", "/carry hikes"]
)
def test_every_new_command_answers_in_the_chats_language(
    black_monday: Services, command: str, locale: str
) -> None:
    reply = ask(black_monday, command, locale)
    assert reply.ok
    assert_no_english(reply, locale, f"{command} on 5 Aug 2024")
    text = render_text(reply, locale)
    assert ("2024/08/05" if locale == "ja" else "2024年8月5日") in text or command.endswith("hikes")


@pytest.fixture(scope="module")
def seed_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.sqlite3'}"
    return store_services(open_seeded_store(url), today=lambda: date(2024, 8, 5))


@pytest.mark.parametrize("locale", LOCALES)
def test_offline_each_command_says_what_it_lacks(seed_services: Services, locale: str) -> None:
    markets = text_of(seed_services, "/carry markets", locale)
    hikes = text_of(seed_services, "/carry hikes", locale)
    size = text_of(seed_services, "/carry size", locale)
    whatif = text_of(seed_services, "/carry whatif boj +25", locale)
    if locale == "en":
        assert "No Nikkei 225, S&P 500 or Bitcoin close is stored. Their owners forbid" in markets
        assert "30-year JGB: 1.956% on 5 Aug 2024 (Japan MoF)" in markets  # MoF is in the seed
        assert "No Nikkei 225, S&P 500 or Bitcoin closes are stored" in hikes
        assert "No CFTC report released by 5 Aug 2024 is stored" in size
        assert "BoJ: 0.25% → 0.50%." in whatif
    else:
        for text in (markets, hikes, size, whatif):
            assert "FRED" in text or "CFTC" in text or "→" in text
