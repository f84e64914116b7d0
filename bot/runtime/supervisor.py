"""``carrybot run`` and ``carrybot worker``: the adapters, the deliveries and the data refresh.

``run`` starts every adapter whose token is set (Telegram ``TELEGRAM_BOT_TOKEN``, Discord
``DISCORD_BOT_TOKEN``), the delivery service and, unless told otherwise, the refresh loop, which
fetches the public sources every ``--refresh-minutes`` in a background thread and warms the
snapshot afterwards. ``worker`` sends deliveries only: the same platforms over REST, no updates
received, no refresh. Replies and deliveries take their slots from one send budget per bot
token (``bot.sending.budget``: shared by every process on PostgreSQL).

An adapter that cannot reach its platform, at start or later, is started again with backoff and
jitter while the rest runs; its ``Connection`` warns at most once a minute. A rejected token is
a configuration error and ends the process. Data sources that fail are named at WARNING once an
hour each. ``--health-port`` serves ``/healthz`` and ``/metrics`` (``bot.runtime.health``). SIGINT and
SIGTERM stop receiving updates, let replies in hand finish and close connections (exit 0); a
refresh in progress is told to stop after its current request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from analytics.errors import CarrybotError
from analytics.ingest.refresh import SourceResult, refresh
from analytics.ingest.store import ObservationStore
from analytics.sources import REFRESHED
from bot.connection import Connection, backoff, describe
from bot.redact import protect
from bot.runtime.defaults import DEFAULT_REFRESH_MINUTES, REFRESH_BUDGET
from bot.runtime.health import HealthServer, record_good_fetches
from bot.sending.pacing import Pacer
from bot.sending.sender import OffersSender
from commands.services import NoData, Services

if TYPE_CHECKING:
    from bot.delivery.service import DeliveryService

log = logging.getLogger(__name__)
progress_log = logging.getLogger(f"{__name__}.progress")  # each request of a refresh (-v)

TOKEN_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
SECRET_VARIABLES = (*TOKEN_VARIABLES, "TELEGRAM_WEBHOOK_SECRET")
BACKGROUND_GRACE = 10.0  # seconds background jobs get to finish after a stop signal
STOP_TIMEOUT = 15.0  # seconds an adapter gets to close its connections
OPERATOR_LOGGERS = ("bot.runtime.supervisor", "bot.connection")  # shown at INFO without -v
SOURCE_WARN_EVERY = 3600.0  # one WARNING per failing data source per hour
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


def missing_token_message(command: str = "run") -> str | None:
    """What to tell the user when no adapter token is set (None when one is)."""
    if any(os.environ.get(name, "").strip() for name in TOKEN_VARIABLES):
        return None
    return (
        "no chat platform configured: set TELEGRAM_BOT_TOKEN (from @BotFather) and/or "
        f"DISCORD_BOT_TOKEN (from the Discord developer portal), then run `carrybot {command}` "
        "again. "
        "Optional: TELEGRAM_API_BASE_URL for a self-hosted Bot API server "
        "(http://host:port/bot), CARRYBOT_DATABASE_URL for a shared database."
    )


def main_run(args: argparse.Namespace) -> int:
    """``carrybot run``: returns 0 after a clean shutdown, 2 when nothing is configured."""
    minutes = None if args.no_refresh else args.refresh_minutes
    return _serve(
        args,
        receive=True,
        refresh_minutes=minutes,
        telegram_webhook=args.telegram_webhook,
        webhook_listen=args.webhook_listen,
        webhook_port=args.webhook_port,
    )


def main_worker(args: argparse.Namespace) -> int:
    """``carrybot worker``: deliveries only (ticks and sends; no updates, no refresh)."""
    return _serve(args, receive=False, refresh_minutes=None)


def _serve(args: argparse.Namespace, *, receive: bool, **options: Any) -> int:
    problem = missing_token_message("run" if receive else "worker")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    protect(os.environ.get(name, "") for name in SECRET_VARIABLES)
    # Opt in to python-telegram-bot's coming time-period type (our code reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if not getattr(args, "verbose", False):  # the start line, outages, recoveries
        for name in OPERATOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)
        progress_log.setLevel(logging.WARNING)
    from analytics.ingest.seed import open_seeded_store
    from commands.dispatch import make_services

    store = open_seeded_store()
    services = make_services(store)
    asyncio.run(
        run(
            services,
            store=store,
            receive=receive,
            health_port=args.health_port,
            health_listen=args.health_listen,
            **options,
        )
    )
    return 0


def tokens() -> dict[str, str]:
    """Each platform's bot token from the environment (the send budget is kept per token)."""
    found = {
        "telegram": os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        "discord": os.environ.get("DISCORD_BOT_TOKEN", "").strip(),
    }
    return {platform: token for platform, token in found.items() if token}


def make_adapters(
    services: Services,
    *,
    telegram_webhook: str | None = None,
    webhook_listen: str = "127.0.0.1",
    webhook_port: int = 8080,
    pacer: Pacer | None = None,
    receive: bool = True,
) -> list[ChatAdapter]:
    """Every adapter whose token is set in the environment (sending only, without
    ``receive``), pacing through ``pacer``."""
    from bot.telegram.adapter import TelegramAdapter

    adapters: list[ChatAdapter] = []
    telegram = TelegramAdapter.from_env(
        services,
        webhook_url=telegram_webhook,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
        pacer=pacer,
        receive=receive,
    )
    if telegram is not None:
        adapters.append(telegram)
    discord = _discord_adapter(services, receive)
    if discord is not None:
        adapters.append(discord)
    return adapters


def _discord_adapter(services: Services, receive: bool = True) -> ChatAdapter | None:
    if not os.environ.get("DISCORD_BOT_TOKEN", "").strip():
        return None
    try:
        from bot.discord.adapter import DiscordAdapter
    except ImportError as exc:
        log.warning("DISCORD_BOT_TOKEN is set but the Discord adapter is unavailable: %s", exc)
        return None
    return DiscordAdapter.from_env(services, receive=receive)


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
    receive: bool = True,
    health_port: int | None = None,
    health_listen: str = "127.0.0.1",
    pacer: Pacer | None = None,
) -> None:
    """Keep the adapters up, run the delivery service and the refresh loop; return after
    SIGINT/SIGTERM (or ``stop``). Raises ``CarrybotError`` when a platform rejects its token.

    Adapters made from the environment each hand the delivery service (the minute tick and the
    worker) their sender; it stops before them. ``adapters`` given here run without it.
    ``background`` jobs are started once every adapter is up, given the adapters and the stop
    event, and cancelled on the way out."""
    stop = stop or asyncio.Event()
    platforms: list[ChatAdapter] = []
    if adapters is None:
        if pacer is None:
            from bot.sending.budget import make_pacer

            pacer = make_pacer(services.settings.engine, tokens())
        platforms = make_adapters(
            services,
            telegram_webhook=telegram_webhook,
            webhook_listen=webhook_listen,
            webhook_port=webhook_port,
            pacer=pacer,
            receive=receive,
        )
        adapters = list(platforms)
    if not adapters:
        raise CarrybotError(missing_token_message() or "no adapter could be started")
    loop = asyncio.get_running_loop()
    signals = _install_signals(loop, stop)
    halt = threading.Event()
    fatal: list[BaseException] = []
    keepers = [_Keeper(adapter, stop, fatal) for adapter in adapters]
    tasks: list[asyncio.Task[Any]] = []
    jobs: list[asyncio.Task[Any]] = []
    deliveries: DeliveryService | None = None
    health: HealthServer | None = None
    try:
        tasks.append(asyncio.create_task(_warm(services), name="warm-snapshot"))
        tasks += [asyncio.create_task(k.keep_up(), name=f"keep-{k.name}") for k in keepers]
        if platforms:
            from bot.delivery.service import DeliveryService

            deliveries = DeliveryService.from_adapters(services, platforms, pacer=pacer)
            await deliveries.start()
        if refresh_minutes is not None and store is not None:
            tasks.append(
                asyncio.create_task(
                    refresh_loop(store, services, refresh_minutes * 60.0, stop, halt),
                    name="refresh",
                )
            )
        if health_port is not None:
            health = HealthServer(
                keepers, deliveries, pacer, services.settings.engine, health_listen, health_port
            )
            await health.start()
        if background:
            tasks.append(asyncio.create_task(_after_up(keepers, stop, background, adapters, jobs)))
        log.info("%s", start_line(adapters, deliveries, refresh_minutes, health))
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
        if health is not None:
            await health.stop()
        if deliveries is not None:  # before the adapters: it posts through their clients
            try:
                await deliveries.stop()
            except Exception:
                log.exception("stopping the delivery service failed")
        await asyncio.gather(*tasks, *jobs, return_exceptions=True)
        for keeper in reversed(keepers):
            await keeper.stop_adapter()
        if platforms and pacer is not None:
            pacer.close()
    if fatal:
        raise fatal[0]


def start_line(
    adapters: Sequence[Adapter],
    deliveries: DeliveryService | None,
    refresh_minutes: float | None,
    health: Any,
) -> str:
    """``carrybot running: Telegram (long polling), Discord (all shards); deliveries …``."""
    names = ", ".join(_name(adapter) for adapter in adapters)
    parts = [f"carrybot running: {names}"]
    if deliveries is not None:
        parts.append(f"deliveries: {deliveries.describe()}")
    parts.append(
        "no data refresh here" if refresh_minutes is None else
        f"data refresh every {refresh_minutes:g} min"
    )  # fmt: skip
    if health is not None:
        parts.append(f"health on http://{health.listen}:{health.port}/healthz")
    return "; ".join(parts) + "; Ctrl-C to stop"


def _name(adapter: Adapter) -> str:
    describe = getattr(adapter, "describe", None)
    return str(describe()) if callable(describe) else type(adapter).__name__


class _Keeper:
    """Keeps one adapter up: starts it, and again with backoff and jitter whenever that fails
    or it loses its platform for good, until the stop event; a rejected token ends the run."""

    def __init__(self, adapter: Adapter, stop: asyncio.Event, fatal: list[BaseException]):
        self.adapter = adapter
        self.stop = stop
        self.fatal = fatal
        self.name = _name(adapter).split(" ", 1)[0]
        found = getattr(adapter, "connection", None)
        self.connection: Connection = (
            found if isinstance(found, Connection) else Connection(self.name)
        )
        self.started = asyncio.Event()  # up at least once
        self.running = False

    @property
    def connected(self) -> bool:
        return self.running and self.connection.connected

    async def keep_up(self) -> None:
        attempt = 0
        while not self.stop.is_set():
            try:
                await _start(self.adapter)
            except CarrybotError as exc:
                self.fatal.append(exc)
                self.stop.set()
                return
            except Exception as exc:
                attempt += 1
                self.connection.down(f"cannot connect ({describe(exc)})")
                if await _stopped_within(self.stop, backoff(attempt)):
                    return
                continue
            attempt = 0
            self.running = True
            self.connection.up()
            self.started.set()
            why = await _first(self.stop, _lost(self.adapter))
            if self.stop.is_set():
                return
            self.running = False
            self.connection.down(f"connection lost ({why})")
            await self.stop_adapter()
            if await _stopped_within(self.stop, backoff(1)):
                return

    async def stop_adapter(self) -> None:
        if not self.running:
            return
        self.running = False
        try:
            await asyncio.wait_for(self.adapter.stop(), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("%s: closing the connection took over %g s; left behind",
                        self.name, STOP_TIMEOUT)  # fmt: skip
        except Exception:
            log.exception("stopping %s failed", type(self.adapter).__name__)


async def _lost(adapter: Adapter) -> str:
    """Until the adapter lost its platform for good (never, for one that cannot tell)."""
    lost = getattr(adapter, "lost", None)
    if lost is None:
        await asyncio.Event().wait()
        return ""
    return str(await lost())


async def _first(stop: asyncio.Event, work: Coroutine[Any, Any, str]) -> str:
    """``work``'s result, or "" when ``stop`` is set first (``work`` is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
    if task.done() and not task.cancelled() and task.exception() is None:
        return task.result()
    return ""


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True when ``stop`` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _after_up(
    keepers: Sequence[_Keeper],
    stop: asyncio.Event,
    background: Sequence[Background],
    adapters: Sequence[Adapter],
    jobs: list[asyncio.Task[Any]],
) -> None:
    await asyncio.gather(*(keeper.started.wait() for keeper in keepers))
    if not stop.is_set():
        jobs.extend(asyncio.create_task(job(adapters, stop)) for job in background)


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
    budget: float | None = None,
) -> None:
    """Refresh the sources now and then every ``interval`` seconds until ``stop``, each refresh
    within ``budget`` seconds (default: the interval, at most ``REFRESH_BUDGET``), the sources
    side by side. A failing source is named at WARNING once an hour (``SourceWarnings``); each
    source's last good fetch is kept in the store's meta table, where ``/metrics`` of every
    process reads it."""
    allowed = budget if budget is not None else min(interval, REFRESH_BUDGET)

    def progress(source: str, message: str) -> None:
        if halt.is_set():
            raise _Halted
        progress_log.info("refresh [%s] %s", source, message)

    warnings = SourceWarnings(interval)
    while not stop.is_set():
        try:
            deadline = time.monotonic() + allowed
            results = await in_daemon_thread(
                functools.partial(
                    fetch, store, REFRESHED, progress=progress, deadline=deadline, parallel=True
                )
            )
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
            warnings.report(results)
            if isinstance(store, ObservationStore):
                await asyncio.to_thread(record_good_fetches, store, results)
            if changed:
                services.snapshots.invalidate()
                await _warm(services)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


class SourceWarnings:
    """One WARNING per failing source per hour (the refresh may run more often), and a line when
    it works again."""

    def __init__(
        self,
        interval: float,
        every: float = SOURCE_WARN_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.every = every
        self._clock = clock
        self._warned: dict[str, float] = {}

    def report(self, results: Sequence[SourceResult]) -> None:
        now = self._clock()
        for result in results:
            if not result.errors:
                if self._warned.pop(result.source, None) is not None:
                    log.warning("data source %s: fetched again", result.source)
                continue
            if now - self._warned.get(result.source, float("-inf")) < self.every:
                continue
            self._warned[result.source] = now
            how = "failed" if result.failed else "partly failed"
            more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
            log.warning("data source %s %s: %s%s; retrying every %g min",
                        result.source, how, result.errors[0], more,
                        self.interval / 60)  # fmt: skip


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
