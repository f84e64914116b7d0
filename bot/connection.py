"""Whether a platform connection is up, and how an outage is told: one WARNING a minute at most.

Each adapter keeps a ``Connection``: ``up()`` when a request or the gateway gets through,
``down(error)`` when it does not. The first failure of an outage is a WARNING naming the
platform and the error; while it lasts, at most one more a minute (the rest go to DEBUG), and
the recovery is logged once with how long it took. ``backoff`` is the wait before the next
attempt to reconnect: doubling up to a minute, with jitter so processes do not retry in step.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

WARN_EVERY = 60.0
MAX_BACKOFF = 60.0


def backoff(
    attempt: int, cap: float = MAX_BACKOFF, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (1, 2, …): 1, 2, 4 … up to ``cap``,
    each between half and all of that."""
    base = min(cap, 2.0 ** max(0, attempt - 1))
    return base * (0.5 + 0.5 * rand())


class Connection:
    """One platform's connection state and its outage warnings."""

    def __init__(
        self,
        platform: str,
        *,
        warn_every: float = WARN_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform = platform
        self.warn_every = warn_every
        self._clock = clock
        self.connected = False
        self.error = ""
        self.failures = 0
        self._down_since: float | None = None
        self._warned_at = float("-inf")

    def up(self) -> None:
        """The platform answered."""
        if self._down_since is not None and self.failures:
            took = self._clock() - self._down_since
            log.warning("%s: connected again after %.0f s (%d failed attempt(s))",
                        self.platform, took, self.failures)  # fmt: skip
        self.connected = True
        self.error = ""
        self.failures = 0
        self._down_since = None

    def down(self, error: BaseException | str) -> None:
        """The platform could not be reached (or dropped the connection)."""
        text = error if isinstance(error, str) else describe(error)
        now = self._clock()
        if self._down_since is None:
            self._down_since = now
        self.connected = False
        self.error = text
        self.failures += 1
        if now - self._warned_at >= self.warn_every:
            self._warned_at = now
            log.warning("%s: %s; retrying", self.platform, text)
        else:
            log.debug("%s: %s; retrying", self.platform, text)


def describe(error: BaseException) -> str:
    """An error in one line: its type and message, and what caused it when the message is bare
    (python-telegram-bot wraps httpx errors, aiohttp wraps OS errors)."""
    text = str(error).strip() or type(error).__name__
    cause = error.__cause__ or error.__context__
    if cause is not None and str(cause).strip() and str(cause) not in text:
        text = f"{text} ({type(cause).__name__}: {cause})"
    return f"{type(error).__name__}: {text}" if type(error).__name__ not in text else text
