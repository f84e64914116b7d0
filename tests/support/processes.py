"""``carrybot run`` and ``carrybot worker`` as real processes on one database, against the fake
Bot API: for the multi-process test and the fan-out benchmark.

The processes get the environment an operator would set (token, Bot API base, database URL) and
a ``--health-port``; ``healthy`` polls ``/healthz``. The briefings are enqueued the way the
scheduler tick does (``due_briefings`` → ``briefing_delivery``) for the current minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from analytics.storage.schema import deliveries_table
from bot.delivery.queue import DeliveryQueue
from bot.delivery.scheduler import Subscriptions, briefing_delivery, due_briefings
from commands.settings.store import SettingsStore
from tests.support.telegram_harness import TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Carrybot:
    """One ``carrybot`` process and its health port."""

    command: str
    process: subprocess.Popen[str]
    health: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def healthy(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.health}/healthz"
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.status == 200 and json.loads(answer.read())["status"] == "ok"
        except (OSError, urllib.error.HTTPError, ValueError):
            return False

    def stop(self, timeout: float = 30) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.terminate()
        _, stderr = self.process.communicate(timeout=timeout)
        return self.process.returncode, stderr


def start(command: str, database_url: str, base_url: str, home: Path) -> Carrybot:
    """``carrybot run --no-refresh`` or ``carrybot worker`` with a health port."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DISCORD_", "CARRYBOT_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        CARRYBOT_DATABASE_URL=database_url,
        CARRYBOT_HOME=str(home),
        PYTHONPATH=str(ROOT),
    )
    health = free_port()
    args = ["run", "--no-refresh"] if command == "run" else ["worker"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args, "--health-port", str(health)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Carrybot(command, process, health)


def wait_healthy(processes: Sequence[Carrybot], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for bot in processes:
            if bot.process.poll() is not None:
                raise AssertionError(f"carrybot {bot.command} exited: {bot.stop()[1][-3000:]}")
        if all(bot.healthy() for bot in processes):
            return
        time.sleep(0.2)
    raise AssertionError("the processes did not become healthy")


def enqueue_briefings_due_now(engine: Engine) -> int:
    """What the tick enqueues for chats subscribed at the current minute (in UTC)."""
    now = datetime.now(UTC)
    subscriptions = Subscriptions(SettingsStore(engine)).briefings()
    due = due_briefings(subscriptions, now, now - timedelta(minutes=1))
    return DeliveryQueue(engine).enqueue([briefing_delivery(d) for d in due], now)


def senders(engine: Engine) -> Counter[int]:
    """Sent deliveries per process id (the worker tag is host:pid:token)."""
    t = deliveries_table
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.claimed_by, func.count()).where(t.c.state == "sent").group_by(t.c.claimed_by)
        ).all()
    return Counter({int(str(tag).split(":")[1]): int(n) for tag, n in rows if tag})
