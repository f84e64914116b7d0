"""Send pacing: one rate budget per bot token, replies first, and per-chat windows.

Telegram (``telegram.constants.FloodLimit``): about 30 messages a second per bot, at most 20 a
minute in one group and one a second in a private chat. Discord: 50 requests a second per bot
and about 5 messages per 5 seconds in one channel (its route bucket). A ``retry_after`` from the
platform pauses the whole platform for that long, as python-telegram-bot's ``AIORateLimiter``
does. The platform-wide rate is a smooth schedule of slots (no bursts that a strict server
window would count twice), taken from a ``SlotSource``: this process's own (``LocalSlots``), or
one every process sending for the token shares (``bot.sending.budget``, PostgreSQL). A
``Lane`` hands a platform's slots out in priority order: interactive replies (``REPLY``) before
briefings and alerts (``DELIVERY``). Per-chat limits are exact sliding windows kept in the
process, and the worker asks a chat's window when it will be ready instead of waiting in line,
so one busy chat never holds up others.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# Run a little under a platform's rate: requests reach it with jitter (a stall of the event loop
# sends two paced requests together). At 95% a 0.1 s stall could put a 31st message in a second
# and the 429 that follows pauses every sender for its retry_after; at 93% it takes ~0.14 s.
SAFETY = 0.93
MAX_WINDOWS = 50_000  # per-chat windows kept; idle ones are dropped first


@dataclass(frozen=True)
class PlatformLimits:
    """One platform's limits: messages per second overall, and (count, seconds) per chat."""

    per_second: float
    group: tuple[int, float]
    private: tuple[int, float] | None = None

    def chat_window(self, chat: str) -> tuple[int, float]:
        """The window of one chat (Telegram groups and channels have negative ids)."""
        if self.private is not None and not chat.startswith("-"):
            return self.private
        return self.group


TELEGRAM = PlatformLimits(per_second=30.0, group=(20, 60.0), private=(1, 1.0))
DISCORD = PlatformLimits(per_second=50.0, group=(5, 5.0))
DEFAULT_LIMITS: Mapping[str, PlatformLimits] = {"telegram": TELEGRAM, "discord": DISCORD}


class TokenBucket:
    """A smooth rate, first come first served: slot k is due at ``start + k / rate``.

    Slots follow a schedule rather than the moment the previous one was taken, so a sleep
    that wakes a little late is made up by the next slot instead of lowering the rate; a
    caller more than ``slack`` slots behind restarts the schedule, so an idle spell never
    turns into a burst (any window of W seconds holds at most ``rate * W + 1 + slack``).
    """

    def __init__(
        self,
        rate: float,
        slack: float = 0.25,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.slack = slack * self.interval
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()

    def reserve(self) -> float:
        """Take the next slot without waiting for it; returns when it is due."""
        slot = self._slot(self._clock())
        self._next = slot + self.interval
        return slot

    def _slot(self, now: float) -> float:
        return max(self._next, now - self.slack, self._paused_until)

    async def acquire(self) -> float:
        """Take the next slot, waiting for it (and for any pause) first; returns its time."""
        async with self._lock:
            while True:
                now = self._clock()
                slot = self._slot(now)
                if slot <= now:
                    self._next = slot + self.interval
                    return slot
                await self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """No slots for ``seconds`` (the platform said ``retry_after``)."""
        until = self._clock() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)

    @property
    def paused_until(self) -> float:
        return self._paused_until


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds (exact, for one chat)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()

    def ready_at(self, now: float, n: int = 1) -> float:
        """The earliest time ``n`` more events fit (``now`` if they fit now)."""
        self._trim(now)
        n = min(max(1, n), self.limit)
        over = len(self._times) + n - self.limit
        if over <= 0:
            return now
        return self._times[over - 1] + self.window

    def take(self, now: float, n: int = 1) -> None:
        """Record ``n`` events at ``now``."""
        self._trim(now)
        self._times.extend([now] * max(1, n))

    def idle(self, now: float) -> bool:
        self._trim(now)
        return not self._times


REPLY, DELIVERY = 0, 1  # slot priorities: an interactive reply goes before a broadcast
BLOCKED_RETRY = 0.05  # seconds a delivery waits while another process sends replies
LEAD = 0.05  # seconds before its slot a request is told it is next (time for a database write)


class SlotSource(Protocol):
    """Where one platform's send slots come from (times on the local monotonic clock)."""

    @property
    def interval(self) -> float: ...

    def reserve(self, reply: bool) -> Awaitable[float | None]:
        """Reserve the next slot; returns when it is due, or None when a delivery must wait
        (replies are being sent for the token elsewhere)."""
        ...

    def pause(self, seconds: float) -> None:
        """The platform said ``retry_after``: no slots for ``seconds``."""
        ...

    def paused_until(self) -> float: ...


class LocalSlots:
    """This process's own slots: a ``TokenBucket`` schedule."""

    def __init__(self, rate: float, clock: Clock = time.monotonic) -> None:
        self.bucket = TokenBucket(rate, clock=clock)

    @property
    def interval(self) -> float:
        return self.bucket.interval

    async def reserve(self, reply: bool) -> float:
        return self.bucket.reserve()

    def pause(self, seconds: float) -> None:
        self.bucket.pause(seconds)

    def paused_until(self) -> float:
        return self.bucket.paused_until


class Lane:
    """One platform's slots handed to the waiting requests in priority order, then first come
    first served. One slot is reserved at a time, for the best waiter then waiting, so a reply
    that arrives while deliveries queue takes the very next slot."""

    def __init__(
        self, source: SlotSource, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ):
        self.source = source
        self._clock = clock
        self._sleep = sleep
        self._waiters: list[tuple[int, int, asyncio.Future[float]]] = []
        self._order = itertools.count()
        self._granter: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    def ticket(self) -> int:
        """A place in line (a retry keeps its first one)."""
        return next(self._order)

    def waiting(self, priority: int | None = None) -> int:
        """Requests waiting for a slot (of one priority)."""
        return sum(
            1
            for p, _, future in self._waiters
            if not future.done() and (priority is None or p == priority)
        )

    async def acquire(self, priority: int = DELIVERY, ticket: int | None = None) -> float:
        """Wait for a slot; returns when it was due."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        order = self.ticket() if ticket is None else ticket
        heapq.heappush(self._waiters, (priority, order, future))
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._granter is None or self._granter.done():
            self._granter = asyncio.create_task(self._grant(), name="send-slots")
        return await future

    def _top(self) -> tuple[int, int, asyncio.Future[float]] | None:
        while self._waiters and self._waiters[0][2].done():  # cancelled while waiting
            heapq.heappop(self._waiters)
        return self._waiters[0] if self._waiters else None

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if a new request comes (it may be a reply)."""
        assert self._wake is not None
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _grant(self) -> None:
        # While one slot is slept towards, the next is already being reserved when more
        # requests wait: a source that answers slowly (a database) then loses no slot.
        ahead: asyncio.Task[float | None] | None = None
        try:
            while (top := self._top()) is not None:
                paused = self.source.paused_until() - self._clock()
                if paused > 0:
                    await self._sleep(paused)
                    continue
                if ahead is None:
                    ahead = asyncio.ensure_future(self.source.reserve(top[0] == REPLY))
                try:
                    due = await ahead
                except Exception as exc:  # the source logs; nothing is granted without a slot
                    log.debug("reserving a send slot failed: %s", exc)
                    due = None
                ahead = None
                if due is None:
                    await self._nap(BLOCKED_RETRY)
                    continue
                if self._clock() - due > self.source.interval / 2:
                    # Reserved before a stall (the loop or the database was slow): granted
                    # now it would go out together with the next one. A new one is due.
                    continue
                if self.waiting() > 1:
                    best = min(p for p, _, f in self._waiters if not f.done())
                    ahead = asyncio.ensure_future(self.source.reserve(best == REPLY))
                wait = due - self._clock() - LEAD
                if wait > 0:
                    await self._sleep(wait)
                if self.source.paused_until() > due:  # a retry_after came meanwhile
                    continue
                top = self._top()
                if top is None:
                    return
                heapq.heappop(self._waiters)
                top[2].set_result(due)
        finally:
            if ahead is not None:
                ahead.cancel()


class Pacer:
    """Every platform's ``Lane`` and per-chat windows, for the platforms this process sends to.

    ``slots`` makes a platform's ``SlotSource`` from its rate (the shared budget on PostgreSQL);
    by default the process paces alone."""

    def __init__(
        self,
        limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
        *,
        safety: float = SAFETY,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        slots: Callable[[str, float], SlotSource] | None = None,
    ) -> None:
        self.limits = dict(limits)
        self.clock = clock
        self._sleep = sleep
        self._rates = {name: lim.per_second * safety for name, lim in self.limits.items()}
        make = slots or (lambda _name, rate: LocalSlots(rate, clock))
        self._lanes = {
            name: Lane(make(name, rate), clock=clock, sleep=sleep)
            for name, rate in self._rates.items()
        }
        self._windows: OrderedDict[tuple[str, str], SlidingWindow] = OrderedDict()

    def rate(self, platform: str) -> float:
        """The messages per second allowed on ``platform`` (for every process together when the
        budget is shared)."""
        return self._rates[platform]

    def source(self, platform: str) -> SlotSource:
        return self._lanes[platform].source

    def _window(self, platform: str, chat: str) -> SlidingWindow:
        key = (platform, chat)
        window = self._windows.get(key)
        if window is None:
            limit, seconds = self.limits[platform].chat_window(chat)
            window = self._windows[key] = SlidingWindow(limit, seconds)
            if len(self._windows) > MAX_WINDOWS:
                self._prune()
        else:
            self._windows.move_to_end(key)
        return window

    def _prune(self) -> None:
        now = self.clock()
        for key in [k for k, w in self._windows.items() if w.idle(now)]:
            del self._windows[key]
        while len(self._windows) > MAX_WINDOWS:
            self._windows.popitem(last=False)

    def chat_ready_at(
        self, platform: str, chat: str, n: int = 1, now: float | None = None
    ) -> float:
        """When ``n`` messages to a chat fit its window (``now`` itself if they fit now)."""
        return self._window(platform, chat).ready_at(self.clock() if now is None else now, n)

    def take_chat(self, platform: str, chat: str, n: int = 1) -> None:
        """Count ``n`` messages against a chat's window."""
        self._window(platform, chat).take(self.clock(), n)

    async def acquire(
        self, platform: str, priority: int = DELIVERY, *, early: bool = False
    ) -> float:
        """Wait for the platform's next send slot; returns the slot's time. A slot this task
        woke up too late for (see ``missed``) is given up for the next one, keeping its place.
        ``early`` returns up to ``LEAD`` seconds before the slot, for work that must precede
        the request (the caller then waits ``until`` the slot)."""
        lane = self._lanes[platform]
        ticket = lane.ticket()
        while True:
            slot = await lane.acquire(priority, ticket)
            if not early:
                await self.until(slot)
            if not self.missed(platform, slot):
                return slot

    async def until(self, slot: float) -> None:
        """Wait until the slot's time."""
        wait = slot - self.clock()
        if wait > 0:
            await self._sleep(wait)

    def missed(self, platform: str, slot: float) -> bool:
        """Whether a request that got ``slot`` did not go out in time (half a slot late):
        sent now it would crowd the ones sent in the slots after it, so it takes a new one."""
        return self.clock() - slot > self._lanes[platform].source.interval / 2

    def pause(self, platform: str, seconds: float) -> None:
        """The platform asked us to wait: no sends to it for ``seconds``."""
        self._lanes[platform].source.pause(seconds)

    def paused_for(self, platform: str) -> float:
        """Seconds left of a pause on the platform (0 when none)."""
        return max(0.0, self._lanes[platform].source.paused_until() - self.clock())

    def waiting(self, platform: str, priority: int | None = None) -> int:
        """Requests waiting for a slot on ``platform`` (of one priority)."""
        lane = self._lanes.get(platform)
        return 0 if lane is None else lane.waiting(priority)

    def close(self) -> None:
        """Release what the slot sources hold (a shared budget's connection)."""
        for lane in self._lanes.values():
            close = getattr(lane.source, "close", None)
            if close is not None:
                close()

    def reply_pacing(self, platform: str, chat: str) -> ReplyPacing:
        """The ``Pacing`` of one reply to ``chat``."""
        return ReplyPacing(self, platform, chat)


@dataclass
class ReplyPacing:
    """``Pacing`` for an interactive reply: each request waits for the chat's window, then takes
    a platform slot ahead of deliveries; flood control pauses the platform."""

    pacer: Pacer
    platform: str
    chat: str

    async def next_request(self) -> float:
        while (ready := self.pacer.chat_ready_at(self.platform, self.chat)) > self.pacer.clock():
            await self.pacer._sleep(ready - self.pacer.clock())
        self.pacer.take_chat(self.platform, self.chat)
        return await self.pacer.acquire(self.platform, REPLY)

    def flood(self, seconds: float) -> None:
        self.pacer.pause(self.platform, seconds)
