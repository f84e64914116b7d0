"""``--health-port``: ``/healthz`` for probes and ``/metrics`` for Prometheus, on aiohttp.

``/healthz`` answers 200 only when every adapter is connected to its platform and this
process's scheduler tick completed within the last two minutes, else 503; the JSON body says
which part is not. ``/metrics`` is the Prometheus text format (``prometheus_client``): what the
process observed (``bot.metrics``: send latency, flood errors, replies lost, reply queue depth,
connection state, tick age and lag) and, read from the database at scrape time, deliveries by
kind and state and the age of each data source's last good fetch (written by the refresh loop
into the meta table, so every process reports it).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, select

from analytics.ingest.refresh import SourceResult
from analytics.ingest.store import ObservationStore
from analytics.sources import REFRESHED
from analytics.storage.schema import meta_table
from bot.connection import Connection
from bot.delivery.queue import KINDS, STATES, DeliveryQueue
from bot.metrics import CONNECTED, REGISTRY, REPLY_QUEUE, TICK_AGE, TICK_LAG
from bot.sending.pacing import REPLY, Pacer

if TYPE_CHECKING:
    from bot.delivery.service import DeliveryService

log = logging.getLogger(__name__)

TICK_HEALTHY = 120.0  # seconds: a process whose tick is older than this is unhealthy
GOOD_FETCH_KEY = "last_good_fetch:"  # + source name, in the meta table: an ISO UTC timestamp


class Kept(Protocol):
    """What the health check reads of a kept adapter (``bot.runtime.supervisor``)."""

    @property
    def name(self) -> str: ...

    @property
    def connected(self) -> bool: ...

    @property
    def connection(self) -> Connection: ...


def record_good_fetches(store: ObservationStore, results: Sequence[SourceResult]) -> None:
    """Remember when each source last answered with usable data."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    for result in results:
        if result.succeeded:
            store.set_meta(GOOD_FETCH_KEY + result.source, stamp)


def good_fetches(engine: Engine) -> dict[str, datetime]:
    """Each source's last good fetch, as recorded by ``record_good_fetches``."""
    t = meta_table
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.key, t.c.value).where(t.c.key.startswith(GOOD_FETCH_KEY)))
        found = {}
        for key, value in rows:
            try:
                found[key[len(GOOD_FETCH_KEY) :]] = datetime.fromisoformat(value)
            except ValueError:
                continue
    return found


class StoreCollector(Collector):
    """Metrics read from the database when Prometheus scrapes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        deliveries = GaugeMetricFamily(
            "carrybot_deliveries",
            "Briefings and alerts in the deliveries table by kind and state (every process's)",
            labels=["kind", "state"],
        )
        ages = GaugeMetricFamily(
            "carrybot_source_last_good_fetch_age_seconds",
            "Seconds since each data source last answered with usable data",
            labels=["source"],
        )
        try:
            counts = DeliveryQueue(self.engine).counts()
            fetched = good_fetches(self.engine)
        except Exception as exc:  # a scrape never fails over the database; the gap shows it
            log.warning("metrics: the database could not be read: %s", exc)
            return
        for kind in KINDS:
            for state in STATES:
                deliveries.add_metric([kind, state], counts.get((kind, state), 0))
        now = datetime.now(UTC)
        for source in REFRESHED:
            if source in fetched:
                ages.add_metric([source], (now - fetched[source]).total_seconds())
        yield deliveries
        yield ages


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` on ``listen:port`` (0: any free port)."""

    def __init__(
        self,
        kept: Sequence[Kept],
        deliveries: DeliveryService | None,
        pacer: Pacer | None,
        engine: Engine,
        listen: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.kept = list(kept)
        self.deliveries = deliveries
        self.pacer = pacer
        self.listen = listen
        self.port = port
        self._collector = StoreCollector(engine)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        server: Any = site._server
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        REGISTRY.register(self._collector)
        self._watch_gauges()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            REGISTRY.unregister(self._collector)

    def status(self) -> tuple[bool, dict[str, Any]]:
        """Whether the process is healthy, and the details."""
        adapters = {
            kept.name: {"connected": kept.connected, "error": kept.connection.error}
            for kept in self.kept
        }
        healthy = all(item["connected"] for item in adapters.values())
        body: dict[str, Any] = {"adapters": adapters}
        if self.deliveries is not None:
            age = self.deliveries.tick_age()
            body["tick_age_seconds"] = None if age is None else round(age, 1)
            healthy = healthy and age is not None and age < TICK_HEALTHY
        body["status"] = "ok" if healthy else "unhealthy"
        return healthy, body

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, body = self.status()
        return web.Response(
            status=200 if healthy else 503,
            text=json.dumps(body, sort_keys=True),
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        payload = await asyncio.to_thread(generate_latest, REGISTRY)
        return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def _watch_gauges(self) -> None:
        """Gauges computed when scraped."""
        for kept in self.kept:
            CONNECTED.labels(kept.name.lower()).set_function(_connected(kept))
        if self.pacer is not None:
            for platform in self.pacer.limits:
                REPLY_QUEUE.labels(platform).set_function(_replies_waiting(self.pacer, platform))
        deliveries = self.deliveries
        if deliveries is not None:
            TICK_AGE.set_function(lambda: deliveries.tick_age() or float("nan"))
            TICK_LAG.set_function(lambda: deliveries.tick_lag)


def _connected(kept: Kept) -> Callable[[], float]:
    return lambda: float(kept.connected)


def _replies_waiting(pacer: Pacer, platform: str) -> Callable[[], float]:
    return lambda: float(pacer.waiting(platform, REPLY))
