"""The delivery path against a real PostgreSQL that loses its connections or stops taking
writes mid-fan-out: every chat is briefed once, nothing is reported ambiguous for a message
whose answer arrived, and no task's exception goes unobserved."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.storage.database import open_database
from analytics.storage.health import OK, health_of
from bot.delivery.queue import DeliveryQueue
from bot.delivery.rendering import DeliveryRenderer
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.sending.pacing import Pacer
from bot.sending.sender import Outcome, Pacing, Sent, Target
from commands.presentation.layout import Message
from tests.support.fanout import (
    group_ids,
    scheduler_for,
    state_counts,
    subscribe,
    telegram_limits,
)
from tests.support.pgfaults import Terminator, set_read_only
from tests.test_delivery_fanout import DUE, services_on

pytestmark = pytest.mark.postgres


class Recording:
    """A Telegram-like platform that answers every send (no idempotency key)."""

    platform = "telegram"
    format = "telegram_html"
    idempotent = False

    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.sent: list[str] = []
        self.on_send: Any = None

    async def send(self, target: Target, messages: list[Message], pacing: Pacing) -> Outcome:
        await asyncio.sleep(self.delay)
        self.sent.append(target.chat_id)
        if self.on_send is not None:
            await self.on_send(len(self.sent))
        return Sent((str(len(self.sent)),))


def due_fan_out(url: str, n: int) -> tuple[Engine, list[str], Any]:
    engine = open_database(url)
    ids = group_ids(n)
    subscribe(engine, ids, timezone="Asia/Tokyo")
    services = services_on(engine)
    assert scheduler_for(engine, services).tick(DUE).briefings == n
    return engine, ids, services


def worker_for(engine: Engine, services: Any, sender: Recording, **config: Any) -> DeliveryWorker:
    return DeliveryWorker(
        DeliveryQueue(engine),
        {"telegram": sender},
        DeliveryRenderer(services),
        Pacer(telegram_limits(200.0)),
        config=WorkerConfig(poll_seconds=0.05, retry_seconds=0.2, **config),
    )


def run_until_idle(worker: DeliveryWorker, timeout: float = 120) -> list[dict[str, Any]]:
    """Run the worker; returns what reached the event loop's exception handler (a task's
    exception nobody retrieved, among others)."""
    unobserved: list[dict[str, Any]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: unobserved.append(ctx))
        await asyncio.wait_for(worker.run(until_idle=True), timeout)

    asyncio.run(main())
    return unobserved


def test_connections_terminated_eight_times_mid_fan_out_still_brief_every_chat_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    n = 400
    engine, ids, services = due_fan_out(postgres_url, n)
    sender = Recording()
    worker = worker_for(engine, services, sender)
    marks = [40, 80, 120, 160, 200, 240, 280, 320]
    terminator = Terminator(postgres_url, lambda: bool(marks) and len(sender.sent) >= marks[0], 8,
                            gap=0.0)  # fmt: skip
    original_when = terminator.when

    def when() -> bool:
        if original_when():
            marks.pop(0)
            return True
        return False

    terminator.when = when
    with terminator.running():
        unobserved = run_until_idle(worker)
    assert len(terminator.done) == 8 and all(ended for _, ended in terminator.done)
    assert Counter(sender.sent) == Counter(ids), "every chat once"
    assert state_counts(engine) == {"sent": n}
    assert worker.stats.ambiguous == 0 and worker.stats.failed == 0
    assert unobserved == []
    assert "a delivery task failed" not in caplog.text
    engine.dispose()


def test_a_confirmation_the_database_refuses_is_written_later_never_ambiguous(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The platform answered, then the database turned read-only (a failover to a replica):
    the confirmation is kept and written once the database takes writes again. The fault is
    logged once, and once when it clears."""
    caplog.set_level(logging.INFO)
    engine, ids, services = due_fan_out(postgres_url, 20)
    sender = Recording()

    async def fail_over(count: int) -> None:
        if count == 5:
            await asyncio.to_thread(set_read_only, postgres_url, True)
            asyncio.get_running_loop().call_later(3.0, set_read_only, postgres_url, False)

    sender.on_send = fail_over
    worker = worker_for(engine, services, sender, flush_seconds=0.3)
    unobserved = run_until_idle(worker, timeout=60)
    assert Counter(sender.sent) == Counter(ids)
    assert state_counts(engine) == {"sent": 20}
    assert worker.stats.late_writes >= 1 and worker.stats.ambiguous == 0
    assert unobserved == []
    refused = [r for r in caplog.records if "the database refuses changes" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.ERROR
    assert "the database is writable again" in caplog.text
    assert health_of(engine).state == OK
    engine.dispose()
