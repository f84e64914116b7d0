"""``carrybot run``: every adapter whose token is set, and the data refresh loop, in one process.

Adapters: Telegram (``TELEGRAM_BOT_TOKEN``), Discord (``DISCORD_BOT_TOKEN``). The refresh loop
fetches the public sources every ``--refresh-minutes`` in a background thread and warms the
snapshot afterwards. SIGINT and SIGTERM stop receiving updates, let replies in hand finish and
close connections; a refresh in progress is told to stop after its current request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from analytics.errors import CarrybotError
from analytics.refresh import SOURCE_NAMES, refresh
from analytics.store import ObservationStore
from bot.delivery.sender import OffersSender
from bot.redact import protect
from commands.services import NoData, Services

if TYPE_CHECKING:
    from bot.delivery.service import DeliveryService

log = logging.getLogger(__name__)

TOKEN_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
SECRET_VARIABLES = (*TOKEN_VARIABLES, "TELEGRAM_WEBHOOK_SECRET")
DEFAULT_REFRESH_MINUTES = 60.0  # the CLI's --refresh-minutes default is the same
BACKGROUND_GRACE = 10.0  # seconds background jobs get to finish after a stop signal
T = TypeVar("T")


class Adapter(Protocol):
    """What the runtime needs of a chat adapter."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ChatAdapter(Adapter, OffersSender, Protocol):
    """A platform adapter: started and stopped, and it hands the delivery service a sender."""


Background = Callable[[Sequence[Adapter], asyncio.Event], Coroutine[Any, Any, None]]


class _Halted(Exception):
    """The refresh was asked to stop between two requests."""


def missing_token_message() -> str | None:
    """What to tell the user when no adapter token is set (None when one is)."""
    if any(os.environ.get(name, "").strip() for name in TOKEN_VARIABLES):
        return None
    return (
        "no chat platform configured: set TELEGRAM_BOT_TOKEN (from @BotFather) and/or "
        "DISCORD_BOT_TOKEN (from the Discord developer portal), then run `carrybot run` again. "
        "Optional: TELEGRAM_API_BASE_URL for a self-hosted Bot API server "
        "(http://host:port/bot), CARRYBOT_DATABASE_URL for a shared database."
    )


def main_run(args: argparse.Namespace) -> int:
    """``carrybot run``: returns 0 after a clean shutdown, 2 when nothing is configured."""
    problem = missing_token_message()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    protect(os.environ.get(name, "") for name in SECRET_VARIABLES)
    # Opt in to python-telegram-bot's coming time-period type (our code reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    from analytics.seed import open_seeded_store
    from commands.carry import make_services

    store = open_seeded_store()
    services = make_services(store)
    minutes = None if args.no_refresh else args.refresh_minutes
    asyncio.run(
        run(
            services,
            store=store,
            telegram_webhook=args.telegram_webhook,
            webhook_listen=args.webhook_listen,
            webhook_port=args.webhook_port,
            refresh_minutes=minutes,
        )
    )
    return 0


def make_adapters(
    services: Services,
    *,
    telegram_webhook: str | None = None,
    webhook_listen: str = "127.0.0.1",
    webhook_port: int = 8080,
) -> list[ChatAdapter]:
    """Every adapter whose token is set in the environment."""
    from bot.telegram.adapter import TelegramAdapter

    adapters: list[ChatAdapter] = []
    telegram = TelegramAdapter.from_env(
        services,
        webhook_url=telegram_webhook,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
    )
    if telegram is not None:
        adapters.append(telegram)
    discord = _discord_adapter(services)
    if discord is not None:
        adapters.append(discord)
    return adapters


def _discord_adapter(services: Services) -> ChatAdapter | None:
    if not os.environ.get("DISCORD_BOT_TOKEN", "").strip():
        return None
    try:
        from bot.discord.adapter import DiscordAdapter
    except ImportError as exc:
        log.warning("DISCORD_BOT_TOKEN is set but the Discord adapter is unavailable: %s", exc)
        return None
    return DiscordAdapter.from_env(services)


async def run(
    services: Services,
    *,
    store: ObservationStore | None = None,
    telegram_webhook: str | None = None,
    webhook_listen: str = "127.0.0.1",
    webhook_port: int = 8080,
    refresh_minutes: float | None = DEFAULT_REFRESH_MINUTES,
    stop: asyncio.Event | None = None,
    adapters: list[Adapter] | None = None,
    background: Sequence[Background] = (),
) -> None:
    """Start the adapters, the delivery service and the refresh loop; return after SIGINT/SIGTERM
    (or ``stop``).

    Adapters made from the environment each hand the delivery service (the minute tick and the
    worker) their sender; it starts after them and stops before them. ``adapters`` given here
    run without it. ``background`` jobs are started once the adapters are up, given the started
    adapters and the stop event, and cancelled on the way out."""
    stop = stop or asyncio.Event()
    platforms: list[ChatAdapter] = []
    if adapters is None:
        platforms = make_adapters(
            services,
            telegram_webhook=telegram_webhook,
            webhook_listen=webhook_listen,
            webhook_port=webhook_port,
        )
        adapters = list(platforms)
    if not adapters:
        raise CarrybotError(missing_token_message() or "no adapter could be started")
    loop = asyncio.get_running_loop()
    signals = _install_signals(loop, stop)
    halt = threading.Event()
    started: list[Adapter] = []
    tasks: list[asyncio.Task[Any]] = []
    jobs: list[asyncio.Task[Any]] = []
    deliveries: DeliveryService | None = None
    try:
        tasks.append(asyncio.create_task(_warm(services), name="warm-snapshot"))
        for adapter in adapters:
            await _start(adapter)
            started.append(adapter)
        if platforms:
            from bot.delivery.service import DeliveryService

            deliveries = DeliveryService.from_adapters(services, platforms)
            await deliveries.start()
        if refresh_minutes is not None and store is not None:
            tasks.append(
                asyncio.create_task(
                    refresh_loop(store, services, refresh_minutes * 60.0, stop, halt),
                    name="refresh",
                )
            )
        jobs = [asyncio.create_task(job(started, stop)) for job in background]
        log.info("carrybot running with %d adapter(s); Ctrl-C to stop", len(started))
        await stop.wait()
        log.info("carrybot stopping")
    finally:
        _remove_signals(loop, signals)
        stop.set()
        halt.set()
        for task in tasks:
            task.cancel()
        if jobs:  # they watch ``stop``; cancel whatever has not finished after the grace period
            _, late = await asyncio.wait(jobs, timeout=BACKGROUND_GRACE)
            for task in late:
                task.cancel()
        if deliveries is not None:  # before the adapters: it posts through their clients
            try:
                await deliveries.stop()
            except Exception:
                log.exception("stopping the delivery service failed")
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping %s failed", type(adapter).__name__)
        await asyncio.gather(*tasks, *jobs, return_exceptions=True)


async def _start(adapter: Adapter) -> None:
    from telegram.error import InvalidToken

    try:
        await adapter.start()
    except InvalidToken:  # its message quotes the token
        raise CarrybotError(
            "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather"
        ) from None


def _install_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> list[int]:
    installed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        return installed
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
            pass
    return installed


def _remove_signals(loop: asyncio.AbstractEventLoop, installed: list[int]) -> None:
    for sig in installed:
        loop.remove_signal_handler(sig)


async def _warm(services: Services) -> None:
    """Compute the snapshot once so the first ``/carry`` is answered from memory."""
    try:
        await in_daemon_thread(services.snapshots.current)
    except NoData:
        log.warning("no data to compute a snapshot from yet; `/carry` will say so")
    except Exception:
        log.exception("computing the snapshot failed")


async def refresh_loop(
    store: ObservationStore | Any,
    services: Services,
    interval: float,
    stop: asyncio.Event,
    halt: threading.Event,
    fetch: Callable[..., Any] = refresh,
) -> None:
    """Refresh the sources now and then every ``interval`` seconds until ``stop``."""

    def progress(source: str, message: str) -> None:
        if halt.is_set():
            raise _Halted
        log.info("refresh [%s] %s", source, message)

    while not stop.is_set():
        try:
            results = await in_daemon_thread(lambda: fetch(store, SOURCE_NAMES, progress=progress))
        except _Halted:
            return
        except Exception:
            log.exception("data refresh failed")
        else:
            changed = sum(r.inserted + r.revised for r in results)
            failed = [r.source for r in results if r.failed]
            log.info(
                "refresh done: %d new or revised values; failed: %s",
                changed,
                ", ".join(failed) or "none",
            )
            if changed:
                services.snapshots.invalidate()
                await _warm(services)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def in_daemon_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a daemon thread: unlike the default executor, a thread stuck in a slow
    download never holds up the process's exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work() -> None:
        try:
            value = fn()
        except BaseException as exc:
            _call_soon(loop, settle, None, exc)
        else:
            _call_soon(loop, settle, value, None)

    threading.Thread(target=work, name="carrybot-worker", daemon=True).start()
    return await future


def _call_soon(loop: asyncio.AbstractEventLoop, *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed while the thread worked
        loop.call_soon_threadsafe(*args)
