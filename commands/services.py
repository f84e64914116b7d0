"""What commands need from the rest of the system: chat settings and the current snapshot.

``SnapshotProvider`` keeps the last computed snapshot warm in memory (a cache, never the only
copy: it is rebuilt from the store) and renders charts once per snapshot version, kind and
window. It rebuilds when told to (``invalidate``, after a refresh) or when the store's
fingerprint changes, which it checks at most every ``check_seconds``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from commands.settings.store import SettingsStore

if TYPE_CHECKING:
    from analytics.narrative.snapshot import Snapshot
    from analytics.signal.pipeline import Computation

log = logging.getLogger(__name__)

CHART_CACHE_SIZE = 32


class NoData(Exception):
    """There is nothing to compute a snapshot from yet (empty store, no USD/JPY)."""


@dataclass(frozen=True)
class Current:
    """One computation: the snapshot a reply reads, the daily frame charts and history read,
    its version (the snapshot's own, which changes with its inputs), and the computation itself
    (``analytics.signal.pipeline.Computation``) for what-ifs recomputed on request."""

    snapshot: Snapshot
    daily: pd.DataFrame
    version: str
    computation: Computation | None = None


@dataclass(frozen=True)
class Chart:
    """A rendered chart and how long it took (0 when it came from the cache)."""

    png: bytes
    version: str
    seconds: float
    cached: bool


# (snapshot, daily frame, computation)
Builder = Callable[[], "tuple[Snapshot, pd.DataFrame, Computation | None]"]
ChartMaker = Callable[[pd.DataFrame, str, str, str], bytes]  # daily, kind, window, language


def frame_version(daily: pd.DataFrame, extra: str = "") -> str:
    """A short stable id of a daily frame's content (last day, length, last row)."""
    if daily.empty:
        return "empty"
    last = daily.iloc[-1]
    digest = hashlib.sha1(
        f"{len(daily)}|{daily.index[-1]}|{last.to_json(default_handler=str)}|{extra}".encode()
    ).hexdigest()[:12]
    return f"{pd.Timestamp(daily.index[-1]):%Y%m%d}-{digest}"


class SnapshotProvider:
    """The warm snapshot and a chart cache keyed by (version, kind, window)."""

    def __init__(
        self,
        build: Builder,
        make_chart: ChartMaker,
        fingerprint: Callable[[], Hashable] | None = None,
        check_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._make_chart = make_chart
        self._fingerprint = fingerprint
        self._check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Current | None = None
        self._seen: Hashable = None
        self._checked_at = float("-inf")
        self._charts: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()

    def current(self) -> Current:
        """The current computation, rebuilt first when the data changed; raises ``NoData``."""
        current = self._current
        if current is not None and self._clock() - self._checked_at < self._check_seconds:
            return current
        with self._lock:
            now = self._clock()
            seen = self._fingerprint() if self._fingerprint else None
            self._checked_at = now
            if self._current is None or seen != self._seen:
                snapshot, daily, computation = self._build()
                version = getattr(snapshot, "version", None) or frame_version(daily, str(seen))
                self._current = Current(snapshot, daily, str(version), computation)
                self._seen = seen
                # Rebuilt because the data changed: a revision may redraw history under the
                # same version, so no chart of the previous computation is reused.
                self._charts.clear()
            return self._current

    def invalidate(self) -> None:
        """Forget the snapshot (after a refresh stored new data); the next use rebuilds it."""
        with self._lock:
            self._current = None
            self._checked_at = float("-inf")

    def chart(
        self, kind: str, window: str, current: Current | None = None, language: str = "en"
    ) -> Chart:
        """The PNG of a chart kind over a window of ``current`` (default: the current data), its
        text in ``language``, rendered once per version."""
        current = current or self.current()
        key = (current.version, kind, window, language)
        with self._lock:
            png = self._charts.get(key)
            if png is not None:
                self._charts.move_to_end(key)
                return Chart(png, current.version, 0.0, True)
        started = time.perf_counter()
        png = self._make_chart(current.daily, kind, window, language)
        seconds = time.perf_counter() - started
        with self._lock:
            if self._current is current:  # not replaced by a rebuild meanwhile
                self._charts[key] = png
                while len(self._charts) > CHART_CACHE_SIZE:
                    self._charts.popitem(last=False)
        log.info(
            "chart %s %s (%s) rendered in %.3f s (version %s)",
            kind,
            window,
            language,
            seconds,
            current.version,
        )
        return Chart(png, current.version, seconds, False)


class IntradayWatch(Protocol):
    """The intraday watch as commands read it (``commands.intraday.IntradayProvider``)."""

    @property
    def on(self) -> bool: ...

    def now(self) -> datetime: ...

    def reading(self, now: datetime | None = None) -> Any: ...

    def day_bars(self, now: datetime | None = None) -> tuple[pd.DataFrame, pd.DataFrame]: ...


@dataclass(frozen=True)
class Services:
    """What commands run on: chat settings, the snapshot and (where the deployment has one)
    the intraday watch; adapters build one per process (``commands.dispatch.make_services``).
    The command table itself is ``commands.dispatch.registry``."""

    settings: SettingsStore
    snapshots: SnapshotProvider
    intraday: IntradayWatch | None = None
