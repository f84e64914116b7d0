"""Briefings and alerts in ``carrybot run``: the minute tick and the delivery worker together,
started and stopped like an adapter; and ``carrybot deliveries``, the operator's view.

Environment (all optional):

- ``CARRYBOT_DELIVERY_WORKER=off``: this process ticks but does not send (e.g. extra Telegram
  webhook workers); at least one process must send.
- ``CARRYBOT_DELIVERY_SHARE``: the fraction (0–1] of each platform's rate this process uses;
  with N sending processes on one bot token, ``1/N`` keeps their sum within the limit.
- ``CARRYBOT_LATE_MINUTES``: how late a missed briefing may still be posted (default 120).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.chat_registry import ChatRegistry
from bot.cli_args import iso_date
from bot.deliveries import DeliveryQueue, deliveries_report
from bot.delivery_worker import DeliveryRenderer, DeliveryWorker, Sender, WorkerConfig
from bot.pacing import DEFAULT_LIMITS, Pacer, PlatformLimits
from bot.scheduler import (
    DEFAULT_LATE_WINDOW,
    Reading,
    Scheduler,
    Subscriptions,
    disabled_chats,
    reading_from,
)

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0


class DeliveryService:
    """The scheduler tick (once a minute, on the minute) and a delivery worker."""

    def __init__(
        self,
        services: Any,
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
        self.scheduler = Scheduler(
            self.engine,
            Subscriptions(services.settings),
            self.queue,
            self._reading,
            disabled=blocked,
            late_window=late_window,
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
        self.tick_seconds = tick_seconds
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []

    @classmethod
    def from_adapters(
        cls,
        services: Any,
        adapters: Sequence[Any],
        *,
        limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
        environ: Mapping[str, str] | None = None,
    ) -> DeliveryService:
        """The service for the adapters ``carrybot run`` started (Telegram, Discord)."""
        env = os.environ if environ is None else environ
        share = float(env.get("CARRYBOT_DELIVERY_SHARE", "") or 1.0)
        late = float(env.get("CARRYBOT_LATE_MINUTES", "") or DEFAULT_LATE_WINDOW.seconds / 60)
        send = env.get("CARRYBOT_DELIVERY_WORKER", "on").strip().lower() not in ("off", "0", "no")
        pacer = Pacer(limits, share=share)
        registry = ChatRegistry(services.settings.engine)
        senders: dict[str, Sender] = {}
        for adapter in adapters:
            sender = _sender_for(adapter, registry, pacer)
            if sender is not None:
                senders[sender.platform] = sender
        return cls(
            services,
            senders,
            pacer,
            registry=registry,
            late_window=timedelta(minutes=late),
            send=send,
        )

    def _reading(self) -> Reading | None:
        from commands.services import NoData

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
        log.info("deliveries: ticking every %.0f s; %s", self.tick_seconds,
                 f"sending to {', '.join(self.worker.platforms)}" if self.worker else
                 "not sending in this process")  # fmt: skip

    async def stop(self) -> None:
        """Stop ticking; let sends in flight finish; put claimed deliveries back."""
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _tick_loop(self) -> None:
        while not self._stop.is_set():
            now = datetime.now(UTC)
            try:
                await asyncio.to_thread(self.scheduler.tick, now)
            except Exception:
                log.exception("the scheduler tick failed")
            # Wake a second past the next minute: briefing times are whole minutes.
            wait = self.tick_seconds - (now.timestamp() % self.tick_seconds) + 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)


def _sender_for(adapter: Any, registry: ChatRegistry, pacer: Pacer) -> Sender | None:
    kind = type(adapter).__name__
    if kind == "TelegramAdapter":
        from bot.telegram_sender import TelegramSender

        return TelegramSender.create(
            adapter.application.bot, registry, lambda s: pacer.pause("telegram", s)
        )
    if kind == "DiscordAdapter":
        from bot.discord_sender import DiscordSender

        return DiscordSender(
            lambda: adapter.client.http if adapter.client is not None else None, registry
        )
    return None


# --- carrybot deliveries --------------------------------------------------------------------------


def add_deliveries_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``carrybot deliveries``."""
    parser.add_argument(
        "--date",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="only deliveries for this local date (YYYY-MM-DD); default every day",
    )


def main_deliveries(args: argparse.Namespace) -> int:
    """Print counts by state and each failed or ambiguous delivery with its reason."""
    from analytics.db import make_engine

    engine = make_engine()
    try:
        print(deliveries_report(engine, args.date))
    finally:
        engine.dispose()
    return 0
