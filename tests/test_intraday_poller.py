"""The intraday poller: pace and quota, weekends, backoff, restarts, one poller per deployment."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine

from analytics.ingest.intraday import IntradayPoller, WatchConfig, watch_status
from analytics.ingest.intraday_schedule import Pace, fx_open, is_moving, next_poll, session
from analytics.ingest.intraday_store import IntradayStore
from analytics.storage.database import open_database
from tests.support.http_server import LocalServer, Reply
from tests.support.intraday_replay import (
    FAKE_KEY,
    BinanceFake,
    KrakenFake,
    ReplayClock,
    TwelveDataFake,
    start_of,
)

MONDAY = datetime(2024, 8, 19, 0, 0, tzinfo=UTC)


def _week(moving: bool) -> Counter[object]:
    used: Counter[object] = Counter()
    at = MONDAY - timedelta(hours=6)
    while at < MONDAY + timedelta(days=7):
        if fx_open(at):
            used[at.date()] += 1
        at = next_poll(at, used[at.date()], moving)
    return used


def test_fx_is_closed_from_friday_to_sunday_evening_new_york() -> None:
    assert fx_open(datetime(2024, 8, 2, 20, 59, tzinfo=UTC))  # Fri 16:59 New York (EDT)
    assert not fx_open(datetime(2024, 8, 2, 21, 0, tzinfo=UTC))
    assert not fx_open(datetime(2024, 8, 3, 12, 0, tzinfo=UTC))
    assert not fx_open(datetime(2024, 8, 4, 20, 59, tzinfo=UTC))
    assert fx_open(datetime(2024, 8, 4, 21, 0, tzinfo=UTC))  # Sun 17:00 New York
    assert fx_open(datetime(2024, 1, 7, 22, 0, tzinfo=UTC))  # winter: Sun 17:00 EST
    assert not fx_open(datetime(2024, 1, 7, 21, 30, tzinfo=UTC))


def test_the_pace_follows_the_sessions() -> None:
    assert session(datetime(2024, 8, 5, 2, 0, tzinfo=UTC)) == "busy"  # Tokyo 11:00
    assert session(datetime(2024, 8, 5, 18, 0, tzinfo=UTC)) == "afternoon"  # New York 14:00
    assert session(datetime(2024, 8, 5, 22, 0, tzinfo=UTC)) == "quiet"
    assert session(datetime(2024, 8, 3, 10, 0, tzinfo=UTC)) == "closed"


def test_a_week_stays_well_within_the_free_plan_however_much_it_moves() -> None:
    calm, moving = _week(False), _week(True)
    assert max(calm.values()) < 250
    assert max(moving.values()) <= Pace().daily_cap <= 400
    assert sum(moving.values()) > sum(calm.values())  # movement does poll faster
    assert {d.weekday() for d in calm} == {0, 1, 2, 3, 4, 6}  # Sunday evening, never Saturday


def test_moving_means_a_large_hour_or_a_fall_from_the_six_hour_high() -> None:
    now = datetime(2024, 8, 5, 5, 0, tzinfo=UTC)
    index = pd.date_range(now - timedelta(hours=6), now, freq="1h")
    flat = pd.Series([146.0] * len(index), index=index)
    assert not is_moving(flat, now, Pace())
    falling = pd.Series([146.0, 146.0, 145.8, 145.5, 145.0, 144.9, 144.5], index=index)
    assert is_moving(falling, now, Pace())


@pytest.fixture
def replay_env(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> tuple[Engine, LocalServer, ReplayClock, TwelveDataFake]:
    clock = ReplayClock(start_of("2024-08-05", 1))
    server = LocalServer().start()
    fake = TwelveDataFake(clock)
    fake.install(server)
    KrakenFake(clock).install(server)
    monkeypatch.setenv("CARRYBOT_TWELVEDATA_URL", server.url)
    monkeypatch.setenv("CARRYBOT_KRAKEN_URL", server.url)
    monkeypatch.setenv("CARRYBOT_COINBASE_URL", server.url)
    monkeypatch.setenv("CARRYBOT_BINANCE_URL", server.url)
    yield engine, server, clock, fake
    server.stop()


def _poller(engine: Engine, **kw: object) -> IntradayPoller:
    return IntradayPoller(engine, WatchConfig(key=FAKE_KEY, fx_interval="1h", **kw))  # type: ignore[arg-type]


def test_a_restart_asks_only_for_what_is_new(replay_env) -> None:  # type: ignore[no-untyped-def]
    engine, server, clock, _ = replay_env
    first = _poller(engine).poll(clock.now())
    assert (
        first.new_fx_bars and first.fx is not None and first.fx.stored == 50
    )  # two days back, the weekend skipped
    assert server.hits("/time_series")[0].query["outputsize"] == "50"
    clock.set(start_of("2024-08-05", 3))
    restarted = _poller(engine)  # a new process: everything it knows is in the database
    result = restarted.poll(clock.now())
    assert result.fx is not None and result.fx.stored == 2
    assert server.hits("/time_series")[-1].query["outputsize"] == "5"
    assert IntradayStore(engine).requests_on("twelvedata", clock.now().date()) == 2


def test_a_poll_is_not_repeated_before_it_is_due(replay_env) -> None:  # type: ignore[no-untyped-def]
    engine, server, clock, _ = replay_env
    result = _poller(engine).poll(clock.now())
    again = _poller(engine).poll(clock.now() + timedelta(seconds=30))
    assert result.polled and not again.polled
    assert again.next_at == result.next_at
    assert len(server.hits("/time_series")) == 1


def test_nothing_is_polled_on_a_weekend(replay_env) -> None:  # type: ignore[no-untyped-def]
    engine, server, _clock, _ = replay_env
    saturday = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
    result = _poller(engine).poll(saturday)
    assert not result.polled and server.hits() == []
    assert result.next_at == datetime(2024, 8, 4, 21, 0, tzinfo=UTC)


def test_a_rate_limit_backs_off_until_the_minute_turns_and_stores_nothing(replay_env) -> None:  # type: ignore[no-untyped-def]
    engine, server, _clock, _ = replay_env
    server.route(
        "/time_series",
        Reply(
            200,
            b'{"code":429,"message":"You have run out of API credits for the current minute.","status":"error"}',
        ),
    )
    now = datetime(2024, 8, 5, 1, 0, 30, tzinfo=UTC)
    result = _poller(engine).poll(now)
    assert result.fx is not None and result.fx.kind == "rate_limited"
    assert result.fx.retry_at == datetime(2024, 8, 5, 1, 1, 1, tzinfo=UTC)
    assert IntradayStore(engine).bars("usdjpy").empty
    assert result.next_at is not None and result.next_at >= result.fx.retry_at


def test_an_html_answer_is_rejected_with_backoff_and_the_key_never_shows(
    replay_env, caplog
) -> None:  # type: ignore[no-untyped-def]
    engine, server, clock, _ = replay_env
    server.html_error_page("/time_series", title="Bad Gateway " + FAKE_KEY)
    result = _poller(engine).poll(clock.now())
    assert result.fx is not None and result.fx.kind == "failed"
    assert "HTML page" in result.fx.problem and FAKE_KEY not in result.fx.problem
    assert FAKE_KEY not in caplog.text
    state = IntradayStore(engine).state("twelvedata")
    assert state.failures == 1 and state.retry_at == clock.now() + timedelta(minutes=1)


def test_bitcoin_falls_back_when_kraken_fails_and_binance_451_is_unavailable(replay_env) -> None:  # type: ignore[no-untyped-def]
    engine, server, clock, _ = replay_env
    server.route("/0/public/OHLC", Reply(503, b"down"))
    BinanceFake(clock, refuse=True).install(server)
    poller = _poller(engine, bitcoin_sources=("kraken", "binance"))
    result = poller.poll(clock.now())
    assert result.bitcoin is not None and result.bitcoin.kind == "failed"
    store = IntradayStore(engine)
    assert store.state("binance").last_error.startswith("unavailable here")
    assert store.state("binance").retry_at == clock.now() + timedelta(days=1)
    BinanceFake(clock).install(server)
    clock.set(clock.now() + timedelta(minutes=5))
    later = poller.poll(clock.now())  # Kraken is asked again; Binance is left alone for a day
    assert later.bitcoin is not None and later.bitcoin.provider == "kraken"
    assert len(server.hits("/0/public/OHLC")) == 2
    assert len(server.hits("/api/v3/klines")) == 1


@pytest.mark.postgres
def test_on_postgresql_one_process_polls_at_a_time(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from analytics.ingest.intraday import POLL_LOCK

    engine = open_database(postgres_url)
    other = open_database(postgres_url)
    try:
        with other.connect() as holder:
            assert holder.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": POLL_LOCK}
            ).scalar()
            result = _poller(engine).poll(start_of("2024-08-05", 1))
            assert result.ran is False and not result.polled
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": POLL_LOCK})
    finally:
        engine.dispose()
        other.dispose()


def test_the_watch_is_off_without_a_key_and_says_how_to_turn_it_on() -> None:
    off = watch_status({})
    assert not off.on and "TWELVEDATA_API_KEY" in off.line()
    assert watch_status({"TWELVEDATA_API_KEY": "abc"}).on
