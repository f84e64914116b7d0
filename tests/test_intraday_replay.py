"""Replays of real intraday history through local fakes of Twelve Data and Kraken, on a clock
the test moves: the 5 Aug 2024 unwind alerts before 07:00 UTC, a calm week alerts nobody, the
29 Apr 2024 intervention alerts as a move (not as a carry unwind), and the quota stays within
the free plan every simulated day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import Engine

from analytics.storage.database import open_database
from commands.settings.model import ChatKey
from tests.support import realdata
from tests.support.http_server import LocalServer
from tests.support.intraday_replay import (
    FREE_PER_DAY,
    KrakenFake,
    ReplayClock,
    ReplayResult,
    TwelveDataFake,
    replay,
    start_of,
)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Chat:
    """A chat's alert settings (the fields the intraday alert reads)."""

    timezone: str = "Asia/Tokyo"
    language: str = "en"
    alerts: bool = True
    intraday_alerts: bool = True
    pressure_threshold: int = 65
    move_threshold: float = 2.0


class Chats:
    def __init__(self, *chats: tuple[ChatKey, Chat]) -> None:
        self.chats = list(chats)

    def alerting(self) -> list[tuple[ChatKey, Chat]]:
        return self.chats


GROUP = ChatKey("telegram", "-1001")
CHANNEL = ChatKey("discord", "guild-1", "chan-1")


@pytest.fixture
def engine(tmp_path: object) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path}/replay.sqlite3")
    yield engine
    engine.dispose()


def _replay(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    start: datetime,
    end: datetime,
    close_day: str,
    chats: Chats,
) -> ReplayResult:
    clock = ReplayClock(start)
    with LocalServer() as server:
        TwelveDataFake(clock).install(server)
        KrakenFake(clock).install(server)
        monkeypatch.setenv("CARRYBOT_TWELVEDATA_URL", server.url)
        monkeypatch.setenv("CARRYBOT_KRAKEN_URL", server.url)
        return replay(
            engine,
            server,
            clock,
            end,
            computation=realdata.computation(close_day),
            chats=chats,
        )


def test_5_aug_2024_alerts_each_chat_once_before_0700_utc(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = Chats((GROUP, Chat()), (CHANNEL, Chat(timezone="Europe/London", language="ja")))
    result = _replay(
        engine,
        monkeypatch,
        start_of("2024-08-02", 18),
        start_of("2024-08-05", 12),
        "2024-08-02",
        chats,
    )
    assert len(result.alerts) == 2  # one per chat, none repeated while the fall went on
    for posted_at, facts in result.alerts:
        assert posted_at < start_of("2024-08-05", 7)
        assert facts["fall_pct"] <= -2.0
        assert facts["unwind"] is True  # pressure was already above 65 at the 2 Aug close
        assert facts["bitcoin_pct"] < -5  # Bitcoin fell with it
    for day, count in result.requests_by_day.items():
        print(f"quota {day}: {count} Twelve Data requests")
        assert count <= 400 < FREE_PER_DAY


def test_a_calm_week_alerts_nobody(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _replay(
        engine,
        monkeypatch,
        start_of("2024-08-18", 20),
        start_of("2024-08-24", 0),
        "2024-08-16",
        Chats((GROUP, Chat())),
    )
    assert result.alerts == []
    assert set(result.requests_by_day) >= {
        datetime(2024, 8, d).date() for d in (19, 20, 21, 22, 23)
    }
    for day, count in result.requests_by_day.items():
        print(f"quota {day}: {count} Twelve Data requests")
        assert count <= 400


def test_29_apr_2024_intervention_alerts_as_a_move_not_an_unwind(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _replay(
        engine,
        monkeypatch,
        start_of("2024-04-28", 20),
        start_of("2024-04-29", 12),
        "2024-04-26",
        Chats((GROUP, Chat())),
    )
    assert len(result.alerts) == 1
    posted_at, facts = result.alerts[0]
    assert facts["trigger"] == "move"
    assert facts["unwind"] is False
    assert facts["c"] < 65
    assert facts["fall_high"] > 160
    assert posted_at < start_of("2024-04-29", 6)
