"""The data refresh of ``carrybot run``: every source side by side, now and then every interval,
in a daemon thread; the snapshot warmed afterwards; failing sources named once an hour."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from analytics.ingest.refresh import SourceResult, refresh
from analytics.ingest.store import ObservationStore
from analytics.sources import REFRESHED
from bot.runtime.defaults import REFRESH_BUDGET
from bot.runtime.health import record_good_fetches
from commands.services import NoData, Services

log = logging.getLogger(__name__)
progress_log = logging.getLogger(f"{__name__}.progress")  # each request of a refresh (-v)

SOURCE_WARN_EVERY = 3600.0  # one WARNING per failing data source per hour
T = TypeVar("T")


class _Halted(Exception):
    """The refresh was asked to stop between two requests."""


async def warm(services: Services) -> None:
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
    after_new_data: Callable[[Any], Any] | None = None,
) -> None:
    """Refresh the sources now and then every ``interval`` seconds until ``stop``, each refresh
    within ``budget`` seconds (default: the interval, at most ``REFRESH_BUDGET``), the sources
    side by side. A failing source is named at WARNING once an hour (``SourceWarnings``); each
    source's last good fetch is kept in the store's meta table, where ``/metrics`` of every
    process reads it. ``after_new_data(store)`` runs (in a thread) after a refresh that stored
    something new, before the snapshot is recomputed."""
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
                if after_new_data is not None:
                    await _quietly(functools.partial(after_new_data, store))
                services.snapshots.invalidate()
                await warm(services)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _quietly(fn: Callable[[], Any]) -> None:
    """Run ``fn`` in a daemon thread; a failure is logged, never fatal to the loop."""
    try:
        await in_daemon_thread(fn)
    except Exception:
        log.exception("%s failed", getattr(fn, "func", fn).__name__)


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
