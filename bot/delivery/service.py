"""Briefings and alerts in ``carrybot run``: the minute tick and the delivery worker together,
started after the adapters (whose senders it posts through) and stopped before them.

Environment (all optional):

- ``CARRYBOT_DELIVERY_WORKER=off``: this process ticks but does not send (e.g. extra Telegram
  webhook workers); at least one process must send.
- ``CARRYBOT_LATE_MINUTES``: how late a missed briefing may still be posted (default 120).

Several sending processes need no configuration: on PostgreSQL they share each bot token's
rate budget (``bot.sending.budget``).

A tick the database refuses is retried (``analytics.storage.retry``) and otherwise tried again
the next minute, logged once per fault by the database's ``StoreHealth``; the watch
(``bot.delivery.watch``) says when due deliveries stop moving. Stopping takes at most the
worker's grace and last writes (about five seconds), whatever the platforms' pauses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from analytics.storage.health import classify
from analytics.storage.retry import retrying
from bot.chat_registry import ChatRegistry
from bot.delivery.intraday_alerts import IntradayAlerts
from bot.delivery.intraday_briefing import BriefingNotes
from bot.delivery.queue import DeliveryQueue
from bot.delivery.rendering import DeliveryRenderer
from bot.delivery.scheduler import (
    DEFAULT_LATE_WINDOW,
    Reading,
    Scheduler,
    Subscriptions,
    disabled_chats,
    reading_from,
)
from bot.delivery.watch import DeliveryWatch
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.sending.offload import DaemonPool
from bot.sending.pacing import DEFAULT_LIMITS, Pacer, PlatformLimits
from bot.sending.sender import OffersSender, Sender
from commands.services import NoData, Services

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
STOP_SECONDS = 3.5  # the most a stop waits for the tick, the worker and the watch


class DeliveryService:
    """The scheduler tick (once a minute, on the minute) and a delivery worker."""

    def __init__(
        self,
        services: Services,
        senders: Mapping[str, Sender],
        pacer: Pacer,
        *,
        engine: Engine | None = None,
        registry: ChatRegistry | None = None,
        late_window: timedelta = DEFAULT_LATE_WINDOW,
        worker_config: WorkerConfig | None = None,
        send: bool = True,
        tick_seconds: float = TICK_SECONDS,
        chart: tuple[str, str] | None = None,
    ) -> None:
        self.services = services
        self.engine = engine or services.settings.engine
        self.registry = registry or ChatRegistry(self.engine)
        self.queue = DeliveryQueue(self.engine)
        platforms = sorted(senders) or sorted(DEFAULT_LIMITS)
        blocked = disabled_chats(self.registry, platforms)
        # The intraday alert runs in the tick (and right after the poller stores new bars:
        # ``intraday_alerts.run``); briefings then say whether the close confirmed it.
        self.intraday_alerts = (
            IntradayAlerts(
                self.engine,
                services.settings,
                self.queue,
                services.intraday.reading,
                disabled=blocked,
                clock=services.intraday.now,
            )
            if services.intraday is not None and services.intraday.on
            else None
        )
        self.scheduler = Scheduler(
            self.engine,
            Subscriptions(services.settings),
            self.queue,
            self._reading,
            disabled=blocked,
            late_window=late_window,
            briefing_notes=BriefingNotes(self.engine, self._computation),
            steps=[self.intraday_alerts.run] if self.intraday_alerts is not None else [],
        )
        self.worker = (
            DeliveryWorker(
                self.queue,
                senders,
                DeliveryRenderer(services, chart=chart),
                pacer,
                config=worker_config,
                disabled=blocked,
            )
            if send and senders
            else None
        )
        self.watch = DeliveryWatch(self.queue, sorted(senders) or None)
        self.tick_seconds = tick_seconds
        self.last_tick: float | None = None  # time.monotonic() of the last completed tick
        self.tick_lag = 0.0  # seconds the last tick completed after it was due
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._ticks = DaemonPool(1, "scheduler-tick")

    @classmethod
    def from_adapters(
        cls,
        services: Services,
        adapters: Sequence[OffersSender],
        *,
        limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
        environ: Mapping[str, str] | None = None,
        pacer: Pacer | None = None,
    ) -> DeliveryService:
        """The service for the adapters ``carrybot run`` started: each hands over its sender;
        ``pacer`` is the process's (the one its replies go through too)."""
        env = os.environ if environ is None else environ
        if env.get("CARRYBOT_DELIVERY_SHARE", "").strip():
            log.warning("CARRYBOT_DELIVERY_SHARE is no longer used: processes on PostgreSQL "
                        "share each bot token's rate on their own; unset it")  # fmt: skip
        late = float(env.get("CARRYBOT_LATE_MINUTES", "") or DEFAULT_LATE_WINDOW.seconds / 60)
        send = env.get("CARRYBOT_DELIVERY_WORKER", "on").strip().lower() not in ("off", "0", "no")
        pacer = pacer or Pacer(limits)
        registry = ChatRegistry(services.settings.engine)
        senders = {sender.platform: sender for sender in (a.delivery_sender() for a in adapters)}
        return cls(
            services,
            senders,
            pacer,
            registry=registry,
            late_window=timedelta(minutes=late),
            send=send,
        )

    def _tick(self, now: datetime) -> None:
        """One tick, again over a lost connection (a tick can be repeated: enqueueing is
        idempotent)."""
        retrying(self.engine, "the scheduler tick", lambda _attempt: self.scheduler.tick(now))

    def _computation(self) -> Any:
        try:
            return self.services.snapshots.current().computation
        except NoData:
            return None

    def _reading(self) -> Reading | None:
        try:
            return reading_from(self.services.snapshots.current())
        except NoData:
            return None

    async def start(self) -> None:
        """Start ticking and delivering (after the adapters, whose clients the senders use)."""
        self._stop.clear()
        self._tasks.append(asyncio.create_task(self._tick_loop(), name="scheduler-tick"))
        if self.worker is not None:
            self._tasks.append(
                asyncio.create_task(self.worker.run(self._stop), name="delivery-worker")
            )
            self._tasks.append(asyncio.create_task(self.watch.run(self._stop), name="watch"))
        log.info("deliveries: ticking every %.0f s; %s", self.tick_seconds, self.describe())

    def describe(self) -> str:
        """What this process does with deliveries, for the start line."""
        if self.worker is None:
            return "not sending in this process"
        return f"sending to {', '.join(self.worker.platforms)}"

    def tick_age(self) -> float | None:
        """Seconds since the last completed tick (None before the first)."""
        return None if self.last_tick is None else time.monotonic() - self.last_tick

    def halt(self) -> None:
        """Stop starting sends now (the signal handler calls it; ``stop`` does the rest)."""
        self._stop.set()

    async def stop(self) -> None:
        """Stop ticking; sends on the wire get the worker's grace, the rest goes back to the
        queue; returns within ``STOP_SECONDS`` (what is still running then is cancelled)."""
        self._stop.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
            for task in late:
                log.warning("%s did not stop in %g s; cancelled", task.get_name(), STOP_SECONDS)
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=0.5)
            for task in self._tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    log.error("%s failed", task.get_name(), exc_info=task.exception())
        self._tasks.clear()
        self._ticks.shutdown()

    async def _tick_loop(self) -> None:
        due = datetime.now(UTC).timestamp()  # the first tick runs at once
        while not self._stop.is_set():
            now = datetime.now(UTC)
            try:
                await asyncio.get_running_loop().run_in_executor(self._ticks, self._tick, now)
            except Exception as exc:
                if classify(exc) is None:  # a database fault is logged once, by its StoreHealth
                    log.exception("the scheduler tick failed")
            else:
                self.last_tick = time.monotonic()
                self.tick_lag = max(0.0, datetime.now(UTC).timestamp() - due)
            # Wake a second past the next minute: briefing times are whole minutes.
            wait = self.tick_seconds - (now.timestamp() % self.tick_seconds) + 1.0
            due = now.timestamp() + wait
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
