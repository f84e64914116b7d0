"""``carrybot run`` and ``carrybot worker``: the adapters, the deliveries and the data refresh.

``run`` starts every adapter whose token is set (``bot.runtime.assembly``), the delivery service
and, unless told otherwise, the refresh loop (``bot.runtime.refresh_loop``). ``worker`` sends
deliveries only: the same platforms over REST, no updates received, no refresh. Replies and
deliveries take their slots from one send budget per bot token (``bot.sending.budget``: shared by
every process on PostgreSQL).

An adapter that cannot reach its platform, at start or later, is started again with backoff and
jitter while the rest runs (``bot.runtime.keeper``). A rejected token is a configuration error
and ends the process. ``--health-port`` serves ``/healthz`` and ``/metrics``
(``bot.runtime.health``).

SIGINT and SIGTERM stop every send at once: no request starts after the signal (the pacer is
halted, deliveries stop claiming), waits for a slot, a chat window or a flood pause end, and
their deliveries go back to the queue; a request already on the wire gets ``stop_grace``
seconds (``bot.delivery.worker``). Then updates stop, connections close and the process exits
(0) within ``STOP_BUDGET`` seconds whatever the platforms' pauses; a refresh in progress is
told to stop after its current request. Everything started is stopped by one
``AsyncExitStack``, in the reverse order of its start.
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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analytics.errors import CarrybotError
from analytics.ingest.store import ObservationStore
from bot.redact import protect
from bot.runtime.assembly import (
    SECRET_VARIABLES,
    Adapter,
    Background,
    ChatAdapter,
    adapter_name,
    make_adapters,
    missing_token_message,
    tokens,
)
from bot.runtime.decision_watch import decision_loop, record_live_moves
from bot.runtime.defaults import DEFAULT_REFRESH_MINUTES
from bot.runtime.health import HealthServer
from bot.runtime.keeper import Keeper
from bot.runtime.refresh_loop import progress_log, refresh_loop, warm
from bot.sending.pacing import Pacer
from commands.services import Services

if TYPE_CHECKING:
    from bot.delivery.service import DeliveryService

log = logging.getLogger(__name__)

BACKGROUND_GRACE = 10.0  # seconds background jobs get to finish after a stop signal
STOP_BUDGET = 5.0  # seconds from a stop signal to the exit (the adapters get what is left)
ADAPTER_STOP_MIN = 1.0  # seconds an adapter gets to close even when the budget is spent
# Shown at INFO without -v: the start line, outages and recoveries, the database's faults
# clearing, deliveries moving again.
OPERATOR_LOGGERS = ("bot.runtime", "bot.connection", "analytics.storage.health",
                    "bot.delivery.watch")  # fmt: skip


@dataclass(frozen=True)
class RunOptions:
    """What this process does beside sending: receive updates (and how), refresh, serve health."""

    receive: bool = True
    telegram_webhook: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    refresh_minutes: float | None = DEFAULT_REFRESH_MINUTES  # None: no refresh here
    health_port: int | None = None
    health_listen: str = "127.0.0.1"

    @classmethod
    def from_args(cls, args: argparse.Namespace, receive: bool) -> RunOptions:
        """``carrybot run`` receives, refreshes (unless ``--no-refresh``); ``worker`` only sends."""
        if not receive:
            return cls(
                receive=False,
                refresh_minutes=None,
                health_port=args.health_port,
                health_listen=args.health_listen,
            )
        return cls(
            telegram_webhook=args.telegram_webhook,
            webhook_listen=args.webhook_listen,
            webhook_port=args.webhook_port,
            refresh_minutes=None if args.no_refresh else args.refresh_minutes,
            health_port=args.health_port,
            health_listen=args.health_listen,
        )


def main_run(args: argparse.Namespace) -> int:
    """``carrybot run``: returns 0 after a clean shutdown, 2 when nothing is configured."""
    return _serve(args, RunOptions.from_args(args, receive=True))


def main_worker(args: argparse.Namespace) -> int:
    """``carrybot worker``: deliveries only (ticks and sends; no updates, no refresh)."""
    return _serve(args, RunOptions.from_args(args, receive=False))


def _serve(args: argparse.Namespace, options: RunOptions) -> int:
    problem = missing_token_message("run" if options.receive else "worker")
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
    asyncio.run(run(services, options, store=store))
    return 0


async def run(
    services: Services,
    options: RunOptions = RunOptions(),
    *,
    store: ObservationStore | None = None,
    stop: asyncio.Event | None = None,
    adapters: list[Adapter] | None = None,
    background: Sequence[Background] = (),
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
            telegram_webhook=options.telegram_webhook,
            webhook_listen=options.webhook_listen,
            webhook_port=options.webhook_port,
            pacer=pacer,
            receive=options.receive,
        )
        adapters = list(platforms)
    if not adapters:
        raise CarrybotError(missing_token_message() or "no adapter could be started")
    loop = asyncio.get_running_loop()
    stopping = _Stopping(stop)
    signals = _install_signals(loop, stopping.now)
    fatal: list[BaseException] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            await _start_all(stack, services, options, store, stopping, adapters, platforms,
                             background, pacer, fatal)  # fmt: skip
            await stop.wait()
            stopping.now()
            log.info("carrybot stopping")
    finally:
        _remove_signals(loop, signals)
    if fatal:
        raise fatal[0]


class _Stopping:
    """The stop: the event every part watches, what must halt the moment it comes (sends), and
    how much of ``STOP_BUDGET`` is left."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.event = stop
        self.halts: list[Callable[[], None]] = []
        self.since: float | None = None

    def now(self) -> None:
        """Stop: halt the sends at once (a signal handler calls this), set the event."""
        if self.since is None:
            self.since = time.monotonic()
        for halt in self.halts:
            halt()
        self.event.set()

    def left(self, at_least: float = 0.0) -> float:
        """Seconds left of the stop budget (``at_least`` when it is spent)."""
        since = self.since if self.since is not None else time.monotonic()
        return max(at_least, since + STOP_BUDGET - time.monotonic())


async def _start_all(
    stack: contextlib.AsyncExitStack,
    services: Services,
    options: RunOptions,
    store: ObservationStore | None,
    stopping: _Stopping,
    adapters: list[Adapter],
    platforms: list[ChatAdapter],
    background: Sequence[Background],
    pacer: Pacer | None,
    fatal: list[BaseException],
) -> None:
    """Start everything, pushing each part's stop onto ``stack`` as it starts: on the way out
    the stop event is set, the refresh halted and tasks cancelled, background jobs get their
    grace, then health, the deliveries (they post through the adapters' clients), the adapters
    (with what is left of the stop budget) and the pacer stop. The sends halt first of all."""
    stop = stopping.event
    if pacer is not None:
        stopping.halts.append(pacer.halt)
    if platforms and pacer is not None:
        stack.callback(pacer.close)
    keepers = [Keeper(adapter, stop, fatal) for adapter in adapters]
    for keeper in keepers:
        stack.push_async_callback(_stop_adapter, keeper, stopping)
    tasks: list[asyncio.Task[Any]] = []
    jobs: list[asyncio.Task[Any]] = []
    stack.push_async_callback(_settle, tasks, jobs)
    halt = threading.Event()
    stack.callback(_begin_stop, stopping, halt, tasks)  # also when a start below fails
    tasks.append(asyncio.create_task(warm(services), name="warm-snapshot"))
    tasks += [asyncio.create_task(k.keep_up(), name=f"keep-{k.name}") for k in keepers]
    deliveries: DeliveryService | None = None
    if platforms:
        from bot.delivery.service import DeliveryService

        deliveries = DeliveryService.from_adapters(services, platforms, pacer=pacer)
        stopping.halts.append(deliveries.halt)
        await deliveries.start()
        stack.push_async_callback(_stop_deliveries, deliveries)
    if options.refresh_minutes is not None and store is not None:
        interval = options.refresh_minutes * 60.0
        loop = refresh_loop(store, services, interval, stop, halt, after_new_data=record_live_moves)
        tasks.append(asyncio.create_task(loop, name="refresh"))
        tasks.append(asyncio.create_task(decision_loop(store, services, stop), name="decisions"))
    watching = _start_intraday(services, options, deliveries, stop, tasks)
    health: HealthServer | None = None
    if options.health_port is not None:
        health = HealthServer(keepers, deliveries, pacer, services.settings.engine,
                              options.health_listen, options.health_port)  # fmt: skip
        await health.start()
        stack.push_async_callback(health.stop)
    if background:
        stack.push_async_callback(_give_grace, jobs)
        tasks.append(asyncio.create_task(_after_up(keepers, stop, background, adapters, jobs)))
    stack.callback(_begin_stop, stopping, halt, tasks)
    log.info("%s", start_line(adapters, deliveries, options.refresh_minutes, health, watching))


def _start_intraday(
    services: Services,
    options: RunOptions,
    deliveries: DeliveryService | None,
    stop: asyncio.Event,
    tasks: list[asyncio.Task[Any]],
) -> str:
    """Start the intraday poller where this process refreshes data and a key is set; returns
    the start line's words on the watch (off: how to turn it on)."""
    from analytics.ingest.intraday import IntradayPoller, WatchConfig, watch_status
    from analytics.ingest.intraday_clock import WatchClock
    from bot.runtime.intraday_loop import intraday_loop

    config = WatchConfig.from_env()
    if config is None:
        return watch_status().line()
    if options.refresh_minutes is None:
        return "intraday watch: on, polled by the process that refreshes data"
    found = getattr(services.intraday, "clock", None)  # the replies' clock, when it has one
    clock = found if isinstance(found, WatchClock) else WatchClock.from_env()
    alerts = deliveries.intraday_alerts if deliveries is not None else None
    poller = IntradayPoller(services.settings.engine, config)
    tasks.append(
        asyncio.create_task(
            intraday_loop(poller, clock, stop, alerts.run if alerts else None), name="intraday"
        )
    )
    replay = f", replaying from {clock.start:%Y-%m-%d %H:%M} UTC" if clock.replaying else ""
    return watch_status().line() + replay


def _begin_stop(
    stopping: _Stopping, halt: threading.Event, tasks: Sequence[asyncio.Task[Any]]
) -> None:
    """The first step out: sends halted, the stop event, the refresh told to halt, the tasks
    cancelled."""
    stopping.now()
    halt.set()
    _cancel(tasks)


def _cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()


async def _give_grace(jobs: Sequence[asyncio.Task[Any]]) -> None:
    """Background jobs watch the stop event; cancel whatever has not finished after the grace."""
    if jobs:
        _, late = await asyncio.wait(jobs, timeout=BACKGROUND_GRACE)
        _cancel(list(late))


async def _stop_adapter(keeper: Keeper, stopping: _Stopping) -> None:
    await keeper.stop_adapter(stopping.left(ADAPTER_STOP_MIN))


async def _stop_deliveries(deliveries: DeliveryService) -> None:
    try:
        await deliveries.stop()
    except Exception:
        log.exception("stopping the delivery service failed")


async def _settle(tasks: Sequence[asyncio.Task[Any]], jobs: Sequence[asyncio.Task[Any]]) -> None:
    """Wait for every cancelled task, so none leaves an exception unobserved."""
    await asyncio.gather(*tasks, *jobs, return_exceptions=True)


def start_line(
    adapters: Sequence[Adapter],
    deliveries: DeliveryService | None,
    refresh_minutes: float | None,
    health: Any,
    intraday: str = "",
) -> str:
    """``carrybot running: Telegram (long polling), Discord (all shards); deliveries …``."""
    names = ", ".join(adapter_name(adapter) for adapter in adapters)
    parts = [f"carrybot running: {names}"]
    if deliveries is not None:
        parts.append(f"deliveries: {deliveries.describe()}")
    parts.append(
        "no data refresh here" if refresh_minutes is None else
        f"data refresh every {refresh_minutes:g} min"
    )  # fmt: skip
    if intraday:
        parts.append(intraday)
    if health is not None:
        parts.append(f"health on http://{health.listen}:{health.port}/healthz")
    return "; ".join(parts) + "; Ctrl-C to stop"


async def _after_up(
    keepers: Sequence[Keeper],
    stop: asyncio.Event,
    background: Sequence[Background],
    adapters: Sequence[Adapter],
    jobs: list[asyncio.Task[Any]],
) -> None:
    await asyncio.gather(*(keeper.started.wait() for keeper in keepers))
    if not stop.is_set():
        jobs.extend(asyncio.create_task(job(adapters, stop)) for job in background)


def _install_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> list[int]:
    installed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        return installed
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
            pass
    return installed


def _remove_signals(loop: asyncio.AbstractEventLoop, installed: list[int]) -> None:
    for sig in installed:
        loop.remove_signal_handler(sig)
