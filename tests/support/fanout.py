"""Helpers for fan-out tests and the benchmark: many subscribed chats, a worker on the fake Bot
API, and the same worker as a separate process the test can kill.

``python -m tests.support.fanout --database URL --telegram URL`` runs one delivery worker (and
optionally a tick at ``--now``) against a fake Bot API until nothing is pending, then prints its
figures as JSON. Snapshots are the synthetic ones of ``tests.support.snapshots``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from analytics.storage.schema import chat_settings_table, deliveries_table
from bot.chat_registry import ChatRegistry
from bot.delivery.queue import DeliveryQueue
from bot.delivery.rendering import DeliveryRenderer
from bot.delivery.scheduler import Scheduler, Subscriptions, reading_from
from bot.delivery.worker import DeliveryWorker, WorkerConfig, WorkerStats
from bot.sending.pacing import SAFETY, Pacer, PlatformLimits
from bot.telegram.send import TelegramSend, TelegramSender
from commands.settings.store import SettingsStore

TOKEN = "123456:AAE-carrybot_fake_token_0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


def group_ids(n: int, start: int = 0) -> list[str]:
    """Telegram supergroup ids."""
    return [str(-1001000000000 - start - i) for i in range(n)]


def subscribe(
    engine: Engine,
    chat_ids: Sequence[str],
    *,
    platform: str = "telegram",
    channel_ids: Sequence[str] | None = None,
    briefing_time: str = "08:00",
    timezone: str = "Asia/Tokyo",
    languages: Sequence[str] = ("en", "ja", "zh"),
    alerts: bool = False,
) -> None:
    """Store chats with the daily briefing on (a bulk insert: the setup, not the feature)."""
    now = datetime.now(UTC)
    rows = [
        {
            "platform": platform,
            "chat_id": chat,
            "channel_id": channel_ids[i] if channel_ids else "",
            "briefing": True,
            "briefing_time": briefing_time,
            "timezone": timezone,
            "language": languages[i % len(languages)],
            "alerts": alerts,
            "pressure_threshold": 65,
            "fuel_threshold": 70,
            "updated_at": now,
        }
        for i, chat in enumerate(chat_ids)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(chat_settings_table.insert(), rows[start : start + 1000])


def state_counts(engine: Engine) -> dict[str, int]:
    """Deliveries per state."""
    t = deliveries_table
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.state, func.count()).group_by(t.c.state)).all()
    return {state: int(n) for state, n in rows}


def telegram_limits(per_second: float) -> dict[str, PlatformLimits]:
    """Telegram's limits with another overall rate (a fake server may allow more)."""
    return {"telegram": PlatformLimits(per_second=per_second, group=(20, 60.0), private=(1, 1.0))}


def scheduler_for(engine: Engine, services: Any) -> Scheduler:
    """A scheduler on ``engine`` reading the services' snapshot."""
    return Scheduler(
        engine,
        Subscriptions(services.settings),
        DeliveryQueue(engine),
        lambda: reading_from(services.snapshots.current()),
    )


async def run_telegram_worker(
    engine: Engine,
    services: Any,
    base_url: str,
    *,
    rate: float,
    safety: float = SAFETY,
    concurrency: int = 16,
    config: WorkerConfig | None = None,
    token: str = TOKEN,
    chart: tuple[str, str] | None = None,
) -> tuple[WorkerStats, DeliveryWorker]:
    """A worker sending through the real python-telegram-bot ``Bot`` to ``base_url`` until idle."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=concurrency + 4, read_timeout=15.0)
    bot = Bot(token, base_url=base_url, request=request)
    await bot.initialize()
    pacer = Pacer(telegram_limits(rate), safety=safety)
    registry = ChatRegistry(engine)
    sender = TelegramSender(TelegramSend(bot, registry))
    worker = DeliveryWorker(
        DeliveryQueue(engine),
        {"telegram": sender},
        DeliveryRenderer(services, chart=chart),
        pacer,
        config=config or WorkerConfig(concurrency=concurrency, poll_seconds=0.2, retry_seconds=0.5),
    )
    try:
        stats = await worker.run(until_idle=True)
    finally:
        await bot.shutdown()
    return stats, worker


def spawn(
    database_url: str, base_url: str, *, rate: float, concurrency: int = 16, now: str | None = None
) -> subprocess.Popen[str]:
    """This module as a worker process (its own process group, so a test can kill it)."""
    command = [
        sys.executable, "-m", "tests.support.fanout",
        "--database", database_url, "--telegram", base_url,
        "--rate", str(rate), "--concurrency", str(concurrency),
    ]  # fmt: skip
    if now:
        command += ["--now", now]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--telegram", required=True, help="the fake Bot API base URL (…/bot)")
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--now", help="run one scheduler tick at this UTC instant first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    from analytics.storage.database import open_database
    from commands.services import Services
    from tests.support.snapshots import provider

    started = time.monotonic()
    engine = open_database(args.database)
    services = Services(SettingsStore(engine), provider("stressed"))
    services.snapshots.current()
    if args.now:
        scheduler_for(engine, services).tick(datetime.fromisoformat(args.now))
    stats, worker = asyncio.run(
        run_telegram_worker(
            engine, services, args.telegram, rate=args.rate, concurrency=args.concurrency
        )
    )
    figures = asdict(stats) | {"worker": worker.id, "pid": os.getpid(), "began": started}
    print(json.dumps(figures))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
