"""Run by the previous release's own code (checked out from git): fill a database the way that
release did, with chats, settings changes, chat states, a file id, deliveries in several states,
the scheduler's state and the seed. Prints nothing; the test reads the database itself.

Usage: python write_previous_release.py CODE_DIR DATABASE_URL
"""

# ruff: noqa: I001  (these modules belong to the previous release, not to this tree)
from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta

code_dir, url = sys.argv[1], sys.argv[2]
sys.path.insert(0, code_dir)

import analytics  # noqa: E402

if not analytics.__file__ or not analytics.__file__.startswith(code_dir):
    raise SystemExit(f"imported {analytics.__file__}, not the previous release in {code_dir}")

import bot.cli  # noqa: E402, F401  (the CLI imported every table's module before opening the store)
from analytics.seed import open_seeded_store  # noqa: E402
from bot.chat_registry import ChatRegistry, digest  # noqa: E402
from bot.deliveries import DeliveryQueue, NewDelivery  # noqa: E402
from bot.scheduler import Reading, Scheduler, Subscriptions  # noqa: E402
from commands.settings import Actor, ChatKey, SettingsStore  # noqa: E402

T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
store = open_seeded_store(url)
engine = store.engine
settings = SettingsStore(engine)
registry = ChatRegistry(engine)
queue = DeliveryQueue(engine)

group = ChatKey("telegram", "-1001234", "")
channel = ChatKey("discord", "9001", "9002")
aiko, ben = Actor("42", "Aiko"), Actor("7", "Ben")
settings.update(
    group,
    {"briefing": True, "briefing_time": "07:30", "timezone": "Europe/Berlin", "language": "ja"},
    aiko,
    T0,
)
settings.update(group, {"pressure_threshold": 55}, aiko, T0 + timedelta(hours=1))
settings.update(channel, {"alerts": True, "fuel_threshold": 80, "language": "zh"}, ben, T0)
settings.update(ChatKey("telegram", "777", ""), {"briefing": True}, aiko, T0)
settings.reset(ChatKey("telegram", "777", ""), aiko, T0 + timedelta(minutes=5))

registry.set_membership(
    "telegram", "-1001234", "administrator", chat_type="supergroup", title="Desk"
)
registry.set_membership("telegram", "555", "kicked", chat_type="private")
registry.remember_file("telegram", digest(b"chart png"), "AgACAgQAAx0-file-id")

queue.enqueue(
    [
        NewDelivery(
            "telegram",
            "-1001234",
            "",
            "briefing",
            "2026-05-31",
            date(2026, 5, 31),
            "ja",
            T0 - timedelta(days=1),
        ),
        NewDelivery(
            "discord",
            "9001",
            "9002",
            "alert",
            "2026-05-31#1",
            date(2026, 5, 31),
            "zh",
            T0 - timedelta(hours=20),
            payload={"kind": "regime", "c": 71.5},
        ),
        NewDelivery(
            "telegram",
            "555",
            "",
            "briefing",
            "2026-05-30",
            date(2026, 5, 30),
            "en",
            T0 - timedelta(days=2),
            state="skipped",
            error="missed while the bot was down",
        ),
    ],
    T0 - timedelta(days=2),
)
worker = "old-host:4242:cafe"
first, second = queue.claim(worker, 10, T0 - timedelta(hours=2))
queue.mark_sending(first.id, worker, T0 - timedelta(hours=2))
queue.confirm(first.id, worker, ["101", "102"], "20260529-abc", T0 - timedelta(hours=2))
queue.mark_sending(second.id, worker, T0 - timedelta(hours=2))
queue.finish(second.id, worker, "failed", "Discord: 403 Missing Access (channel disabled)", T0)

reading = Reading("20260529-abc", date(2026, 5, 29), "STABLE", 41.0, 62.5)
Scheduler(engine, Subscriptions(settings), queue, lambda: reading).tick(T0 + timedelta(hours=2))
