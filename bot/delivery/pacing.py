"""Send pacing: a platform-wide rate and per-chat windows, so a fan-out stays under the limits.

Telegram (``telegram.constants.FloodLimit``): about 30 messages a second per bot, at most 20 a
minute in one group and one a second in a private chat. Discord: 50 requests a second per bot
and about 5 messages per 5 seconds in one channel (its route bucket). A ``retry_after`` from the
platform pauses the whole platform for that long, as python-telegram-bot's ``AIORateLimiter``
does. The platform-wide rate is a smooth token bucket (no bursts that a strict server window
would count twice); per-chat limits are exact sliding windows, and the worker asks a chat's
window when it will be ready instead of waiting in line, so one busy chat never holds up others.

Limits are per process: with several sending processes give each a ``share`` of the platform.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
SAFETY = 0.95  # run a little under a platform's rate: request timing jitters on the way
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

    def wait_time(self) -> float:
        """Seconds until the next slot is due (0 when it is)."""
        now = self._clock()
        return max(0.0, self._slot(now) - now)

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


class Pacer:
    """Platform-wide buckets and per-chat windows for every platform this process sends to."""

    def __init__(
        self,
        limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
        *,
        share: float = 1.0,
        safety: float = SAFETY,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must lie in (0, 1]")
        self.limits = dict(limits)
        self.clock = clock
        self._buckets = {
            name: TokenBucket(lim.per_second * share * safety, clock=clock, sleep=sleep)
            for name, lim in self.limits.items()
        }
        self._windows: OrderedDict[tuple[str, str], SlidingWindow] = OrderedDict()

    def rate(self, platform: str) -> float:
        """The messages per second this process allows itself on ``platform``."""
        return self._buckets[platform].rate

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

    async def acquire(self, platform: str) -> float:
        """Wait for the platform's next send slot; returns the slot's time."""
        return await self._buckets[platform].acquire()

    def missed(self, platform: str, slot: float) -> bool:
        """Whether a request that got ``slot`` did not go out in time (half a slot late):
        sent now it would crowd the ones sent in the slots after it, so it takes a new one."""
        bucket = self._buckets[platform]
        return self.clock() - slot > bucket.interval / 2

    def pause(self, platform: str, seconds: float) -> None:
        """The platform asked us to wait: no sends to it for ``seconds``."""
        self._buckets[platform].pause(seconds)

    def paused_for(self, platform: str) -> float:
        """Seconds left of a pause on the platform (0 when none)."""
        return max(0.0, self._buckets[platform].paused_until - self.clock())
