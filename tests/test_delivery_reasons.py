"""``carrybot deliveries`` names why each delivery was not posted (or was, somewhere else) and
what to do: kicked, blocked, chat not found, migrated, no rights to post, skipped as late (with
how late) and skipped for a database that could not be used, each its own reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from analytics.storage.database import open_database
from bot.delivery.queue import DeliveryQueue
from bot.delivery.report import deliveries_report
from bot.delivery.scheduler import Scheduler, Subscriptions
from bot.sending.reasons import REASONS
from commands.settings.store import SettingsStore
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread
from tests.support.fanout import TOKEN, run_telegram_worker, scheduler_for, subscribe
from tests.test_delivery_fanout import services_on

DUE = datetime(2026, 6, 11, 23, 0, 1, tzinfo=UTC)  # 08:00:01 on 12 June in Tokyo
KICKED, BLOCKED, GONE, OLD_GROUP, MUTED, FINE = "-1001", "-1002", "-1003", "-4004", "-1005", "-1006"
SUPERGROUP = -1009004


def test_each_reason_is_named_with_what_to_do(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    chats = [KICKED, BLOCKED, GONE, OLD_GROUP, MUTED, FINE]
    subscribe(engine, chats, timezone="Asia/Tokyo", languages=("en",))
    services = services_on(engine)
    scheduler_for(engine, services).tick(DUE)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=0)) as api:
        api.add_chats([c for c in chats if c != OLD_GROUP])
        api.add_chat({"id": int(OLD_GROUP), "title": "Old desk", "type": "group"})
        api.fail("sendMessage", chat_id=KICKED, error_code=403,
                 description="Forbidden: bot was kicked from the supergroup chat")  # fmt: skip
        api.block(BLOCKED)
        api.fail("sendMessage", chat_id=GONE, error_code=400,
                 description="Bad Request: chat not found")  # fmt: skip
        api.migrate(OLD_GROUP, SUPERGROUP)
        api.fail("sendMessage", chat_id=MUTED, error_code=400,
                 description="Bad Request: not enough rights to send text messages")  # fmt: skip
        asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=30.0))
    text = deliveries_report(engine, date(2026, 6, 12))
    lines = {chat: _line(text, chat) for chat in chats}
    assert "the bot was removed from the chat" in lines[KICKED]
    assert "the user blocked the bot" in lines[BLOCKED]
    assert "the platform does not know the chat" in lines[GONE]
    assert "became a supergroup" in lines[OLD_GROUP] and str(SUPERGROUP) in lines[OLD_GROUP]
    assert lines[OLD_GROUP].split()[0] == "sent"
    assert "the bot may not post in the chat" in lines[MUTED]
    assert lines[FINE] == ""  # posted as usual: not listed
    what_to_do = text.split("What to do:")[1]
    for code in ("kicked", "blocked", "chat_not_found", "migrated", "no_rights"):
        reason = REASONS[code]
        assert f"{reason.label} (1): {reason.action}" in what_to_do, code
    engine.dispose()


def _line(text: str, chat: str) -> str:
    found = [line.strip() for line in text.splitlines() if f" {chat} " in line]
    return found[0] if found else ""


def late_scheduler(engine: Engine, running_since: datetime) -> Scheduler:
    return Scheduler(
        engine,
        Subscriptions(SettingsStore(engine)),
        DeliveryQueue(engine),
        lambda: None,
        running_since=running_since,
    )


def test_a_skipped_briefing_says_how_late_and_whether_the_bot_or_the_database_was_down(
    sqlite_url: str,
) -> None:
    """The last tick ran at 07:59 Tokyo. Found at 11:12 by a process that started at 11:11
    (carrybot was not running): late. Found at 11:12 by a process running since 07:00 whose
    ticks could not use the database: database unavailable."""
    engine = open_database(sqlite_url)
    subscribe(engine, ["-1"], timezone="Asia/Tokyo")
    before = DUE - timedelta(minutes=1)
    found = DUE + timedelta(hours=3, minutes=12)
    late_scheduler(engine, before).tick(before)
    late_scheduler(engine, found - timedelta(minutes=1)).tick(found)
    subscribe(engine, ["-2"], timezone="Asia/Tokyo")
    late_scheduler(engine, before).tick(before + timedelta(days=1))
    late_scheduler(engine, before).tick(found + timedelta(days=1))
    rows = {(r.chat_id, r.key): r for r in DeliveryQueue(engine).rows()}
    first, second = rows[("-1", "2026-06-12")], rows[("-2", "2026-06-13")]
    assert (first.state, first.reason) == ("skipped", "late")
    assert "3 h 12 min late" in first.error and "not running" in first.error
    assert (second.state, second.reason) == ("skipped", "db_unavailable")
    assert "could not be used" in second.error
    text = deliveries_report(engine)
    assert REASONS["late"].action in text and REASONS["db_unavailable"].action in text
    assert "CARRYBOT_LATE_MINUTES" in text
    engine.dispose()
