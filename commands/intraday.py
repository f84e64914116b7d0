"""The intraday watch for commands and alerts: the provisional reading and the day's bars.

Every process reads the bars the poller stored (``analytics.ingest.intraday_store``); the reading
joins them to the warm daily computation (``commands.services.SnapshotProvider``) and is cached
until a bar is stored, the snapshot changes or a minute passes (a bar's age decides whether the
reading is stale).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd

from analytics.ingest.intraday_clock import WatchClock
from analytics.ingest.intraday_store import IntradayStore
from analytics.picture.intraday import STALE_AFTER, IntradayReading, reading
from analytics.signal.pipeline import Computation
from analytics.sources.bars import BTCUSD, USDJPY
from commands.services import NoData, SnapshotProvider

# Bars read for a reading: enough for the 60-day high's extension since a Friday close.
LOOKBACK = timedelta(days=4)
DAY = timedelta(hours=24)


class IntradayProvider:
    """Readings of the stored bars; ``on`` says whether this deployment polls (a key is set)."""

    def __init__(
        self,
        store: IntradayStore,
        snapshots: SnapshotProvider | None,
        *,
        on: bool,
        clock: WatchClock | None = None,
    ) -> None:
        self.store = store
        self.snapshots = snapshots
        self._on = on
        self.clock = clock or WatchClock()
        self._lock = threading.Lock()
        self._cached: tuple[Hashable, IntradayReading | None] | None = None

    @property
    def on(self) -> bool:
        return self._on

    def now(self) -> datetime:
        """The watch's time: the real one, or a replay's (``analytics.ingest.intraday_clock``)."""
        return self.clock.now()

    def reading(self, now: datetime | None = None) -> IntradayReading | None:
        """The provisional reading at ``now`` (None without bars)."""
        now = now or self.clock.now()
        computation, version = self._computation()
        key = (self.store.fingerprint(), version)
        with self._lock:
            if self._cached is not None and self._cached[0] == key:
                cached = self._cached[1]
                if cached is None or cached.at > now:
                    return cached
                return replace(cached, stale=now - cached.at > STALE_AFTER)
        fx = self.store.bars(USDJPY.id, since=now - LOOKBACK, until=now)
        btc = self.store.bars(BTCUSD.id, since=now - LOOKBACK, until=now)
        found = reading(fx, btc, computation, now)
        with self._lock:
            self._cached = (key, found)
        return found

    def day_bars(self, now: datetime | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """USD/JPY's and Bitcoin's bars of the last 24 hours up to the newest stored one."""
        now = now or self.clock.now()
        last = self.store.last_start(USDJPY.id)
        end = min(now, last) if last is not None else now
        fx = self.store.bars(USDJPY.id, since=end - DAY, until=now)
        btc = self.store.bars(BTCUSD.id, since=end - DAY, until=now)
        return fx, btc

    def _computation(self) -> tuple[Computation | None, str]:
        if self.snapshots is None:
            return None, ""
        try:
            current = self.snapshots.current()
        except NoData:
            return None, ""
        return current.computation, current.version
