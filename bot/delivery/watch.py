"""Whether due deliveries are moving, and whether the database answers: checked every few
seconds by each process that delivers, for ``/healthz``, ``/metrics`` and the log.

Deliveries are stalled when the longest-waiting due one has waited more than ``stall_after``
seconds and no delivery changed state for as long, while the platforms are reachable (during an
outage deliveries wait on purpose). The database is probed (``analytics.storage.health.probe``):
reachable, writable, and on SQLite still the file the process opened. Each fault is logged once
when it starts (ERROR) and once when it clears (INFO); the database's own lines come from its
``StoreHealth``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from analytics.storage.health import Reading, health_of, probe
from bot.delivery.queue import DeliveryQueue
from bot.sending.offload import DaemonPool

log = logging.getLogger(__name__)

STALL_AFTER = 300.0  # seconds: "a few minutes"
WATCH_SECONDS = 15.0


@dataclass(frozen=True)
class Movement:
    """What the last check found about due deliveries."""

    oldest_due_age: float | None  # seconds the longest-waiting due one has waited
    idle_for: float | None  # seconds since any delivery changed state
    stalled: bool


class DeliveryWatch:
    """Checks the deliveries' movement and the database every ``every`` seconds."""

    def __init__(
        self,
        queue: DeliveryQueue,
        platforms: Sequence[str] | None = None,
        *,
        reachable: Callable[[], bool] = lambda: True,
        every: float = WATCH_SECONDS,
        stall_after: float = STALL_AFTER,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.queue = queue
        self.platforms = list(platforms) if platforms is not None else None
        self.reachable = reachable
        self.every = every
        self.stall_after = stall_after
        self.clock = clock
        self.movement = Movement(None, None, False)
        self.checked_at: float | None = None  # time.monotonic() of the last check
        self._stalled_since: float | None = None
        self._pool = DaemonPool(1, "delivery-watch")

    @property
    def database(self) -> Reading:
        """The database's state as this process last met it."""
        return health_of(self.queue.engine).reading()

    async def run(self, stop: asyncio.Event) -> None:
        """Check now and every ``every`` seconds until ``stop``."""
        self._pool = DaemonPool(1, "delivery-watch")  # one per run
        try:
            while not stop.is_set():
                try:
                    await self.check()
                except Exception:  # a bug; the watch itself goes on
                    log.exception("checking the deliveries failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.every)
        finally:
            self._pool.shutdown()

    async def check(self) -> Movement:
        """One check (the database calls in a daemon thread)."""
        loop = asyncio.get_running_loop()
        reading = await loop.run_in_executor(self._pool, probe, self.queue.engine)
        if not reading.ok:
            return self.movement  # nothing to learn about deliveries from it now
        try:
            movement = await loop.run_in_executor(self._pool, self._movement)
        except Exception as exc:  # logged once by the database's StoreHealth
            log.debug("reading the deliveries' movement failed: %s", exc)
            return self.movement
        self._judge(movement)
        return self.movement

    def _movement(self) -> Movement:
        now = self.clock()
        oldest = self.queue.oldest_due(now, self.platforms)
        changed = self.queue.last_change(self.platforms)
        age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
        idle = None if changed is None else max(0.0, (now - changed).total_seconds())
        stalled = (
            age is not None
            and age > self.stall_after
            and (idle is None or idle > self.stall_after)
            and self.reachable()
        )
        return Movement(age, idle, stalled)

    def _judge(self, movement: Movement) -> None:
        self.movement = movement
        self.checked_at = time.monotonic()
        if movement.stalled and self._stalled_since is None:
            self._stalled_since = time.monotonic()
            log.error(
                "deliveries are not moving: the oldest due one has waited %s and none changed "
                "for %s; check that a process sends them (`carrybot deliveries`, the log above)",
                _span(movement.oldest_due_age),
                _span(movement.idle_for),
            )
        elif not movement.stalled and self._stalled_since is not None:
            took = time.monotonic() - self._stalled_since
            self._stalled_since = None
            log.info("deliveries are moving again (after %s)", _span(took))


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "ever"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
