"""``/carry intraday``, ``/carry`` between two closes, ``/carry sources`` and the moderators'
intraday settings, on real 5 Aug 2024 bars stored as the poller stores them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.intraday_clock import WatchClock
from analytics.ingest.intraday_store import IntradayStore
from analytics.narrative.snapshot import build_snapshot
from analytics.sources import bars as bar_frames
from analytics.storage.database import open_database
from commands.dispatch import dispatch
from commands.intraday import IntradayProvider
from commands.presentation.render import render, render_text
from commands.services import Services, SnapshotProvider
from commands.settings.model import ChatKey
from commands.settings.store import SettingsStore
from tests.support import realdata
from tests.support.chat import MakeContext
from tests.support.intraday_replay import bitcoin_5m, usdjpy_hourly

NOW = datetime(2024, 8, 5, 5, 10, tzinfo=UTC)
KEY = ChatKey("telegram", "-1001")


def _store_bars(store: IntradayStore, frame: pd.DataFrame, instrument: str, seconds: int) -> None:
    window = frame[(frame["start"] >= NOW - pd.Timedelta(days=3)) & (frame["start"] < NOW)]
    window = window[window["start"] + pd.Timedelta(seconds=seconds) <= NOW]
    found = bar_frames.frame(
        list(window["start"]), window["open"], window["high"], window["low"], window["close"],
        [True] * len(window),
    )  # fmt: skip
    source = "twelvedata" if instrument == "usdjpy" else "kraken"
    store.upsert_bars(instrument, source, seconds, found, NOW)


def _services(tmp_path: Path, on: bool, with_bars: bool = True) -> Services:
    engine = open_database(f"sqlite:///{tmp_path}/c.sqlite3")
    computation = realdata.computation("2024-08-02")
    obs = realdata.observations()

    def build() -> tuple[object, pd.DataFrame, object]:
        snap = build_snapshot(obs, date(2024, 8, 5), computation=computation)
        return snap, computation.daily(), computation

    snapshots = SnapshotProvider(build, lambda *_: b"png")  # type: ignore[arg-type]
    store = IntradayStore(engine)
    if with_bars:
        _store_bars(store, usdjpy_hourly(), "usdjpy", 3600)
        _store_bars(store, bitcoin_5m(), "btcusd", 300)
    clock = WatchClock(NOW, 1.0, time.monotonic())
    watch = IntradayProvider(store, snapshots, on=on, clock=clock)
    return Services(SettingsStore(engine), snapshots, watch)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    yield _services(tmp_path, on=True)


def test_intraday_shows_the_provisional_reading_and_a_chart(
    services: Services, context: MakeContext
) -> None:
    reply = dispatch("/carry intraday", context(now=NOW), services)
    assert reply.ok and reply.image is not None and reply.image.startswith(b"\x89PNG")
    text = render_text(reply)
    assert "Intraday, provisional" in text
    assert "143.16 at 5 Aug 2024, 14:00 JST" in text  # the 04:00 UTC bar, ended 05:00 UTC
    assert "since the last close (146.98 on 2 Aug 2024" in text
    assert "Unwind pressure with this level: 89/100" in text
    assert "Data provided by Twelve Data" in text


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_intraday_speaks_the_chats_language(
    services: Services, context: MakeContext, language: str
) -> None:
    reply = dispatch("/carry intraday", context(now=NOW, locale=language), services)
    text = render_text(reply)
    assert ("日中" if language == "ja" else "日内") in text
    for fmt in ("telegram_html", "discord"):
        assert render(reply, fmt)


def test_carry_between_closes_shows_the_reading_beside_the_daily_figures(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry", context(now=NOW), services))
    assert "Rate gaps, US minus Japan" in text and "Intraday, provisional" in text


def test_without_a_key_intraday_and_sources_say_the_watch_is_off(
    tmp_path: Path, context: MakeContext
) -> None:
    services = _services(tmp_path, on=False)
    text = render_text(dispatch("/carry intraday", context(now=NOW), services))
    assert "The intraday watch is off" in text and "TWELVEDATA_API_KEY" in text
    sources = render_text(dispatch("/carry sources", context(now=NOW), services))
    assert "Intraday watch: off" in sources and "TWELVEDATA_API_KEY" in sources
    carry = render_text(dispatch("/carry", context(now=NOW), services))
    assert "Intraday" not in carry  # the daily reply is unchanged


def test_sources_names_the_watch_and_its_latest_bar(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry sources", context(now=NOW), services))
    assert "Intraday watch: on. USD/JPY from Twelve Data, Bitcoin from Kraken" in text


def test_moderators_set_the_move_threshold_within_bounds(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry threshold move 1.5", context(), services))
    assert "fall of 1.5% within six hours (it was 2.0%)" in text
    assert services.settings.get(KEY).move_threshold == 1.5
    for bad in ("0.2", "11", "abc"):
        refused = render_text(dispatch(f"/carry threshold move {bad}", context(), services))
        assert "a percentage from 0.5 to 10" in refused
    assert services.settings.get(KEY).move_threshold == 1.5


def test_moderators_turn_intraday_alerts_off_alone(
    services: Services, context: MakeContext
) -> None:
    dispatch("/carry alerts on", context(), services)
    text = render_text(dispatch("/carry alerts intraday off", context(), services))
    assert "intraday alerts are off" in text
    stored = services.settings.get(KEY)
    assert stored.alerts is True and stored.intraday_alerts is False
    shown = render_text(dispatch("/carry settings", context(), services))
    assert "Intraday alerts: off" in shown


def test_members_cannot_change_the_intraday_settings(
    services: Services, context: MakeContext
) -> None:
    reply = dispatch("/carry alerts intraday off", context(is_moderator=False), services)
    assert not reply.ok
    assert services.settings.get(KEY).intraday_alerts is True


def test_the_chart_speaks_the_chats_language(services: Services) -> None:
    from zoneinfo import ZoneInfo

    from commands.handlers.intraday import chart_text

    assert services.intraday is not None
    found = services.intraday.reading(NOW)
    ja = chart_text("ja", None, ZoneInfo("Asia/Tokyo"), found)
    zh = chart_text("zh", None, ZoneInfo("Asia/Tokyo"), found)
    assert ja.title == "本日のドル円とビットコイン" and zh.title == "今日美元/日元与比特币"
    assert "2024/08/05 14:00 JST" in ja.subtitle


def test_without_a_cjk_font_the_chart_is_english_and_the_reply_says_so(
    services: Services, context: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analytics.charts.intraday as drawing

    monkeypatch.setattr(drawing, "cjk_font", lambda: None)
    reply = dispatch("/carry intraday", context(now=NOW, locale="ja"), services)
    assert "チャート内の文字は英語です" in render_text(reply)
