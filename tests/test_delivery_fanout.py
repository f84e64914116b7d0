"""Fan-out end to end: the scheduler tick, the deliveries table and the worker against the fake
Telegram Bot API (the real python-telegram-bot ``Bot`` over HTTP) and the fake Discord.

Timing: Telegram allows about 30 messages a second, so 2,000 briefings take 70 s at the real
limit. The 2,000-chat tests (a, b, c) give the fake server and the worker a higher limit
(``FAST``, the fake server twice that), which tests exactly-once and crash safety without waiting on the clock; the rate
test (d) runs at the real 30 a second with 300 messages. The fake servers run in a thread of
the test process, so a worker process killed with SIGKILL does not take them down.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest
from discord.http import HTTPClient
from sqlalchemy import Engine, func, select

from analytics.storage.database import open_database
from analytics.storage.schema import deliveries_table
from bot.chat_registry import ChatRegistry
from bot.delivery.queue import DeliveryQueue, NewDelivery
from bot.delivery.rendering import DeliveryRenderer
from bot.delivery.report import deliveries_report
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.discord.adapter import use_api_base
from bot.discord.send import DiscordSender
from bot.sending.pacing import DEFAULT_LIMITS, Pacer
from bot.sending.sender import Outcome, Pacing, Target
from bot.telegram.send import TelegramSend, TelegramSender
from commands.presentation.layout import Message
from commands.services import Services
from commands.settings.store import SettingsStore
from tests.support.delivery_fakes import ChannelDiscord, LimitedBotAPI, ServerThread
from tests.support.fanout import (
    TOKEN,
    group_ids,
    run_telegram_worker,
    scheduler_for,
    spawn,
    state_counts,
    subscribe,
)
from tests.support.snapshots import provider

pytestmark = pytest.mark.slow

FAST = 300  # messages a second the worker allows itself in the 2,000-chat tests
# The fake server's limit there: pacing at the edge of a limit is test (d)'s job; with two
# processes and the fake server sharing two cores, stalls would turn 95% into the odd 429.
FAST_SERVER = 2 * FAST
CHATS = 2000
CONCURRENCY = 16
DUE = datetime(2026, 6, 11, 23, 0, 1, tzinfo=UTC)  # 08:00:01 on 12 June in Tokyo
JAPANESE = "円"


def services_on(engine: Engine) -> Services:
    return Services(SettingsStore(engine), provider("stressed"))


@pytest.fixture
def fanout_engine(database_url: str) -> Iterator[tuple[str, Engine, list[str]]]:
    """2,000 Telegram groups subscribed at 08:00 Tokyo and due now (the tick has run)."""
    engine = open_database(database_url)
    ids = group_ids(CHATS)
    subscribe(engine, ids, timezone="Asia/Tokyo")
    result = scheduler_for(engine, services_on(engine)).tick(DUE)
    assert result.briefings == CHATS
    yield database_url, engine, ids
    engine.dispose()


def sent_per_chat(api: LimitedBotAPI) -> Counter[str]:
    return Counter(str(c.chat_id()) for c in api.sent())


# --- (a) ----------------------------------------------------------------------------------------


def test_2000_chats_due_in_the_same_minute_each_get_exactly_one_briefing(
    fanout_engine: tuple[str, Engine, list[str]],
) -> None:
    _, engine, ids = fanout_engine
    services = services_on(engine)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=FAST_SERVER)) as api:
        api.add_chats(ids)
        stats, worker = asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=FAST))
        per_chat = sent_per_chat(api)
        assert set(per_chat) == set(ids)
        assert max(per_chat.values()) == 1
        assert api.floods() == []
        japanese = [c for c in api.sent() if JAPANESE in c.params["text"]]
        assert len(japanese) == CHATS // 3 + (1 if CHATS % 3 > 1 else 0)
    assert stats.sent == CHATS and stats.failed == stats.ambiguous == 0
    assert state_counts(engine) == {"sent": CHATS}
    assert worker.renderer.renders == 3  # once per language for the one snapshot
    rows = DeliveryQueue(engine).rows()
    assert all(r.message_id and r.snapshot_version for r in rows)


# --- (b) ----------------------------------------------------------------------------------------


def _sending(engine: Engine) -> int:
    t = deliveries_table
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.c.state == "sending")).scalar_one())


def test_killed_three_times_during_the_fan_out_no_chat_gets_two_and_none_is_lost_silently(
    fanout_engine: tuple[str, Engine, list[str]],
) -> None:
    """SIGKILL at three random moments (seeded), restart each time. What a kill leaves in
    ``sending`` becomes ambiguous: not resent on Telegram, reported; everything else is sent
    exactly once."""
    url, engine, ids = fanout_engine
    rng = random.Random(20260612)
    marks = sorted(rng.sample(range(100, CHATS - 300), 3))
    in_flight: list[int] = []
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=FAST_SERVER)) as api:
        api.add_chats(ids)
        for mark in marks:
            process = spawn(url, api.base_url, rate=FAST, concurrency=CONCURRENCY)
            deadline = time.monotonic() + 90
            while len(api.sent()) < mark:
                assert process.poll() is None, process.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "the worker made no progress"
                time.sleep(0.002)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
            process.communicate()
            in_flight.append(_sending(engine))
        last = spawn(url, api.base_url, rate=FAST, concurrency=CONCURRENCY)
        out, err = last.communicate(timeout=180)
        assert last.returncode == 0, err[-3000:]
        figures = json.loads(out.strip().splitlines()[-1])
        per_chat = sent_per_chat(api)
    assert max(per_chat.values()) == 1, "a chat got two briefings"
    rows = DeliveryQueue(engine).rows()
    ambiguous = {r.chat_id for r in rows if r.state == "ambiguous"}
    missing = set(ids) - set(per_chat)
    assert missing <= ambiguous, "a chat was missed without being reported"
    assert len(ambiguous) == sum(in_flight), (in_flight, len(ambiguous))
    assert all(n <= CONCURRENCY for n in in_flight)
    states = Counter(r.state for r in rows)
    assert states["sent"] + states["ambiguous"] == CHATS
    assert figures["sent"] > 0
    if ambiguous:
        assert "ambiguous" in deliveries_report(engine, date(2026, 6, 12))


# --- (c) ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_processes_on_postgresql_share_the_queue_without_duplicates(
    postgres_url: str,
) -> None:
    engine = open_database(postgres_url)
    ids = group_ids(CHATS)
    subscribe(engine, ids, timezone="Asia/Tokyo")
    scheduler_for(engine, services_on(engine)).tick(DUE)
    try:
        with ServerThread(LimitedBotAPI(token=TOKEN, limit=FAST_SERVER)) as api:
            api.add_chats(ids)
            # Each takes half the platform's rate; both also tick the same minute again.
            processes = [
                spawn(postgres_url, api.base_url, rate=FAST / 2, now=DUE.isoformat())
                for _ in range(2)
            ]
            results = [p.communicate(timeout=180) for p in processes]
            for process, (out, err) in zip(processes, results, strict=True):
                assert process.returncode == 0, (out[-1000:], err[-3000:])
            figures = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
            per_chat = sent_per_chat(api)
            assert api.floods() == []
        assert set(per_chat) == set(ids) and max(per_chat.values()) == 1
        assert sorted(f["sent"] > 0 for f in figures) == [True, True]
        assert sum(f["sent"] for f in figures) == CHATS
        assert state_counts(engine) == {"sent": CHATS}
    finally:
        engine.dispose()


# --- (d) ----------------------------------------------------------------------------------------


def test_the_fan_out_runs_at_the_telegram_limit_and_honours_retry_after(
    database_url: str,
) -> None:
    """The fake server answers 429 beyond 30 messages in any second; the first send is made to
    hit flood control (retry after 1 s) in its chat. Then: that chat waits its second, the
    others go on at once, at least 90% of the limit throughout, and no other 429."""
    n = 300
    engine = open_database(database_url)
    ids = group_ids(n)
    subscribe(engine, ids, timezone="Asia/Tokyo")
    services = services_on(engine)
    scheduler_for(engine, services).tick(DUE)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=30, window=1.0)) as api:
        api.add_chats(ids)
        api.flood(ids[0], retry_after=1)
        stats, _ = asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=30.0))
        sent = api.sent()
        [flood] = api.floods()
        per_chat = sent_per_chat(api)
    assert set(per_chat) == set(ids) and max(per_chat.values()) == 1
    assert flood.chat_id() == ids[0]
    [again] = [c for c in sent if c.chat_id() == ids[0]]
    assert again.at >= flood.at + 1.0, "the flooded chat waited its retry_after"
    others = [c for c in sent if flood.at < c.at < flood.at + 1.0]
    assert len(others) >= 5, "the other chats did not wait for the flooded one"  # 0 before
    after = [c.at for c in sent if c.at >= flood.at + 1.0]  # the steady rate, as before
    rate = (len(after) - 1) / (after[-1] - after[0])
    assert rate >= 27.0, f"{rate:.1f} messages a second"
    assert stats.sent == n
    engine.dispose()


# --- (e) ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/London", date(2026, 3, 29)),
        ("Europe/London", date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
    ],
)
def test_across_dst_a_briefing_is_posted_once_at_the_chosen_local_time(
    database_url: str, zone: str, day: date
) -> None:
    """Ticks every minute through the night of a clock change, then delivery (11 hours of ticks: an autumn night is an hour longer): each chat gets
    one briefing, due at its local time (the first minute after a skipped one)."""
    engine = open_database(database_url)
    tz = ZoneInfo(zone)
    times = {"-11": "00:30", "-12": "01:30", "-13": "02:30", "-14": "08:00"}
    for chat, hhmm in times.items():
        subscribe(engine, [chat], timezone=zone, briefing_time=hhmm)
    services = services_on(engine)
    scheduler = scheduler_for(engine, services)
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tz).replace(hour=23)
    now = start.astimezone(UTC).replace(second=1)
    while now < start.astimezone(UTC) + timedelta(hours=11):
        scheduler.tick(now)
        now += timedelta(minutes=1)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=30)) as api:
        api.add_chats(list(times))
        asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=30.0))
        assert sorted(sent_per_chat(api).items()) == [(chat, 1) for chat in sorted(times)]
    rows = {r.chat_id: r for r in DeliveryQueue(engine).rows()}
    for chat, hhmm in times.items():
        local = rows[chat].due_at.astimezone(tz)
        assert rows[chat].key == day.isoformat()
        if local.strftime("%H:%M") != hhmm:  # the spring gap: the first valid minute after it
            before = (rows[chat].due_at - timedelta(minutes=1)).astimezone(tz)
            assert before.strftime("%H:%M") < hhmm < local.strftime("%H:%M")
            assert local.utcoffset() != before.utcoffset()
    engine.dispose()


# --- crash between send and confirm: Telegram reports, Discord resends with its nonce -----------


class _DiesAfterSending:
    """A sender that posts, then its worker "dies" before the confirmation is written."""

    def __init__(self, sender: Any) -> None:
        self.inner = sender
        self.platform, self.format = sender.platform, sender.format
        self.idempotent = sender.idempotent
        self.stop = asyncio.Event()

    async def send(self, target: Target, messages: list[Message], pacing: Pacing) -> Outcome:
        await self.inner.send(target, messages, pacing)
        self.stop.set()
        raise asyncio.CancelledError


def _one_delivery(engine: Engine, platform: str, chat: str, channel: str = "") -> None:
    DeliveryQueue(engine).enqueue(
        [
            NewDelivery(
                platform=platform,
                chat_id=chat,
                channel_id=channel,
                kind="briefing",
                key="2026-06-12",
                day=date(2026, 6, 12),
                locale="en",
                due_at=datetime.now(UTC) - timedelta(seconds=1),
            )
        ]
    )


async def _run_until_idle(engine: Engine, services: Services, sender: Any, pacer: Pacer) -> None:
    worker = DeliveryWorker(
        DeliveryQueue(engine),
        {sender.platform: sender},
        DeliveryRenderer(services),
        pacer,
        config=WorkerConfig(poll_seconds=0.1, retry_seconds=0.2),
    )
    stop = getattr(sender, "stop", None)
    await asyncio.wait_for(worker.run(stop, until_idle=True), 30)


def test_a_crash_after_a_discord_post_is_resent_with_its_nonce_and_discord_drops_it(
    sqlite_url: str,
) -> None:
    engine = open_database(sqlite_url)
    services = services_on(engine)
    fake = ChannelDiscord(token="fake-bot-token")
    channel = fake.guild.channels[0].id  # #general: the bot may post there
    _one_delivery(engine, "discord", fake.guild.id, channel)

    async def main() -> None:
        previous = use_api_base(fake.api_base)
        http = HTTPClient(asyncio.get_running_loop())
        try:
            await http.static_login("fake-bot-token")
            sender = DiscordSender(http, ChatRegistry(engine))
            pacer = Pacer(DEFAULT_LIMITS)
            await _run_until_idle(engine, services, _DiesAfterSending(sender), pacer)
            # Cut short mid-send, the worker put it back with its nonce (a crash leaves it
            # "sending" for the next worker's recovery to do the same).
            assert DeliveryQueue(engine).rows()[0].state == "queued"
            await _run_until_idle(engine, services, sender, pacer)
        finally:
            await http.close()
            discord.http.Route.BASE = previous

    with ServerThread(fake):
        asyncio.run(main())
        posts = fake.calls_to("POST", rf"^/channels/{channel}/messages$")
        assert len(posts) == 2  # the post, and its resend after the crash...
        assert posts[0].body["nonce"] == posts[1].body["nonce"]
        assert posts[1].body["enforce_nonce"] is True
        assert len(fake.messages_in(channel)) == 1  # ...which Discord answered with the first
    [row] = DeliveryQueue(engine).rows()
    assert row.state == "sent" and row.message_id == fake.messages_in(channel)[0]["id"]
    assert row.attempts == 2
    engine.dispose()


def test_a_crash_after_a_telegram_post_is_reported_never_resent(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    services = services_on(engine)
    _one_delivery(engine, "telegram", "-100777")

    async def main(api: LimitedBotAPI) -> None:
        from telegram import Bot

        bot = Bot(TOKEN, base_url=api.base_url)
        await bot.initialize()
        pacer = Pacer(DEFAULT_LIMITS)
        sender = TelegramSender(TelegramSend(bot, ChatRegistry(engine)))
        await _run_until_idle(engine, services, _DiesAfterSending(sender), pacer)
        await _run_until_idle(engine, services, sender, pacer)
        await bot.shutdown()

    with ServerThread(LimitedBotAPI(token=TOKEN, limit=0)) as api:
        api.add_chats(["-100777"])
        asyncio.run(main(api))
        assert len(api.sent("-100777")) == 1
    [row] = DeliveryQueue(engine).rows()
    assert row.state == "ambiguous" and "not resent" in row.error
    assert "ambiguous" in deliveries_report(engine)
    engine.dispose()


# --- what Telegram answers: blocked chats, file ids ---------------------------------------------


def test_a_blocked_chat_fails_once_is_disabled_and_is_not_scheduled_again(
    sqlite_url: str,
) -> None:
    engine = open_database(sqlite_url)
    ids = group_ids(3)
    subscribe(engine, ids, timezone="Asia/Tokyo")
    services = services_on(engine)
    scheduler = scheduler_for(engine, services)
    scheduler.tick(DUE)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=0)) as api:
        api.add_chats(ids)
        api.block(ids[1])
        stats, _ = asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=30.0))
        assert sorted(sent_per_chat(api)) == sorted([ids[0], ids[2]])
    assert (stats.sent, stats.failed) == (2, 1)
    failed = [r for r in DeliveryQueue(engine).rows() if r.state == "failed"]
    assert [r.chat_id for r in failed] == [ids[1]] and "blocked by the user" in failed[0].error
    assert failed[0].reason == "blocked"
    assert ChatRegistry(engine).is_disabled("telegram", ids[1])
    from tests.test_delivery_scheduler import make_scheduler

    make_scheduler(engine).tick(DUE + timedelta(days=1))
    tomorrow = DeliveryQueue(engine).rows(day=date(2026, 6, 13))
    assert sorted(r.chat_id for r in tomorrow) == sorted([ids[0], ids[2]])
    engine.dispose()


def test_a_briefing_chart_is_uploaded_once_and_its_file_id_reused(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    ids = group_ids(6)
    subscribe(engine, ids, timezone="Asia/Tokyo", languages=("en",))
    services = services_on(engine)
    scheduler_for(engine, services).tick(DUE)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=0)) as api:
        api.add_chats(ids)
        asyncio.run(
            run_telegram_worker(engine, services, api.base_url, rate=30.0, chart=("pressure", "3m"))
        )
        photos = api.calls_to("sendPhoto")
        assert len(photos) == len(ids) and all(c.status == 200 for c in photos)
        assert sum(1 for c in photos if "photo" in c.files) == 1
        file_ids = {c.params.get("photo") for c in photos if "photo" not in c.files}
        assert len(file_ids) == 1
        assert all(len(api.sent(chat)) >= 2 for chat in ids)  # the caption, then the rest
    engine.dispose()
