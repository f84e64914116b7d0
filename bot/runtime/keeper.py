"""Keeping one chat adapter up: started again with backoff and jitter when it cannot connect or
loses its platform, until the stop event; a rejected token ends the run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from analytics.errors import CarrybotError
from bot.connection import Connection, backoff, describe
from bot.runtime.assembly import Adapter, adapter_name

log = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0  # seconds an adapter gets to close its connections


class Keeper:
    """Keeps one adapter up: starts it, and again with backoff and jitter whenever that fails
    or it loses its platform for good, until the stop event; a rejected token ends the run."""

    def __init__(self, adapter: Adapter, stop: asyncio.Event, fatal: list[BaseException]):
        self.adapter = adapter
        self.stop = stop
        self.fatal = fatal
        self.name = adapter_name(adapter).split(" ", 1)[0]
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


async def _start(adapter: Adapter) -> None:
    from telegram.error import InvalidToken

    try:
        await adapter.start()
    except InvalidToken:  # its message quotes the token
        raise CarrybotError(
            "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather"
        ) from None
