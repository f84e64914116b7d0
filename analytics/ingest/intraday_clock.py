"""The intraday watch's clock: the real time, or a replay of the past sped up.

A replay (``CARRYBOT_INTRADAY_REPLAY=2024-08-04T21:00Z`` and ``CARRYBOT_INTRADAY_SPEED=60``) lets
``carrybot run`` live through a past day against local fakes of the providers serving that
day's bars: the poller, the intraday alert and the intraday replies read this clock, which
starts at the given instant when the process starts and runs ``speed`` times faster than real
time. Everything else (deliveries, the daily refresh, briefings) keeps the real time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analytics.errors import CarrybotError

REPLAY_VARIABLE = "CARRYBOT_INTRADAY_REPLAY"
SPEED_VARIABLE = "CARRYBOT_INTRADAY_SPEED"


@dataclass(frozen=True)
class WatchClock:
    """``now()`` in UTC: real, or ``start`` plus ``speed`` times the real time since ``origin``."""

    start: datetime | None = None
    speed: float = 1.0
    origin: float = 0.0

    @property
    def replaying(self) -> bool:
        return self.start is not None

    def now(self) -> datetime:
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=(time.monotonic() - self.origin) * self.speed)

    def real_seconds(self, seconds: float) -> float:
        """Real seconds to wait for ``seconds`` of this clock to pass."""
        return seconds / self.speed

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WatchClock:
        """The replay clock the environment asks for, else the real one; a malformed value is a
        CarrybotError naming the variable and the form."""
        env = os.environ if environ is None else environ
        text = env.get(REPLAY_VARIABLE, "").strip()
        if not text:
            return cls()
        try:
            start = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise CarrybotError(
                f"{REPLAY_VARIABLE}={text!r} is not an instant; write it like 2024-08-04T21:00Z"
            ) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        speed_text = env.get(SPEED_VARIABLE, "1").strip() or "1"
        try:
            speed = float(speed_text)
        except ValueError:
            speed = -1.0
        if not 0 < speed <= 10_000:
            raise CarrybotError(
                f"{SPEED_VARIABLE}={speed_text!r} must be a number above 0, at most 10000"
            )
        return cls(start.astimezone(UTC), speed, time.monotonic())
