"""``--health-port``: ``/healthz`` for probes and ``/metrics`` for Prometheus, on aiohttp.

``/healthz`` answers 200 only when every adapter is connected to its platform, this process's
scheduler tick completed within the last two minutes, the database answers and takes writes
(on SQLite: still the file the process opened), and due deliveries are moving (the watch,
``bot.delivery.watch``); else 503, and ``reasons`` in the JSON body says what is wrong. The
database is probed when asked (in a daemon thread, at most ``PROBE_SECONDS``; a probe younger
than ``PROBE_FRESH`` seconds is reused). ``/metrics`` is the Prometheus text format
(``prometheus_client``): what the process observed (``bot.metrics``: send latency, flood
errors, replies lost, reply queue depth, connection state, tick age and lag) and, read at
scrape time, deliveries by kind and state, the oldest due delivery's age, the database's state
and the age of each data source's last good fetch (written by the refresh loop into the meta
table, so every process reports it).
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
from analytics.storage import health as store_health
from analytics.storage.schema import meta_table
from bot.connection import Connection
from bot.delivery.queue import KINDS, STATES, DeliveryQueue
from bot.metrics import CONNECTED, REGISTRY, REPLY_QUEUE, TICK_AGE, TICK_LAG
from bot.sending.offload import DaemonPool
from bot.sending.pacing import REPLY, Pacer

if TYPE_CHECKING:
    from bot.delivery.service import DeliveryService

log = logging.getLogger(__name__)

TICK_HEALTHY = 120.0  # seconds: a process whose tick is older than this is unhealthy
PROBE_SECONDS = 3.0  # the longest /healthz waits for the database to answer its probe
PROBE_FRESH = 5.0  # seconds a probe's answer is reused
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
        oldest = GaugeMetricFamily(
            "carrybot_oldest_due_delivery_age_seconds",
            "Seconds the longest-waiting due briefing or alert has waited (0: none waits)",
        )
        database = GaugeMetricFamily(
            "carrybot_database_state",
            "1 for the database's state as this process last met it",
            labels=["state"],
        )
        queue = DeliveryQueue(self.engine)
        now = datetime.now(UTC)
        try:
            counts = queue.counts()
            due = queue.oldest_due(now)
            fetched = good_fetches(self.engine)
        except Exception as exc:  # a scrape never fails over the database; the state shows it
            store_health.health_of(self.engine).failed(exc, "metrics")
            log.debug("metrics: the database could not be read: %s", exc)
        else:
            for kind in KINDS:
                for state in STATES:
                    deliveries.add_metric([kind, state], counts.get((kind, state), 0))
            for source in REFRESHED:
                if source in fetched:
                    ages.add_metric([source], (now - fetched[source]).total_seconds())
            oldest.add_metric([], 0.0 if due is None else max(0.0, (now - due).total_seconds()))
            yield deliveries
            yield ages
            yield oldest
        current = store_health.health_of(self.engine).state
        for state in store_health.STATES:
            database.add_metric([state], 1.0 if state == current else 0.0)
        yield database


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
        self.engine = engine
        self._collector = StoreCollector(engine)
        self._runner: web.AppRunner | None = None
        self._probes = DaemonPool(1, "health-probe")
        self._probe: asyncio.Future[store_health.Reading] | None = None
        self._probed_at = float("-inf")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        # shutdown_timeout: a stop never waits long for a scraper's open connection
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
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
        self._probes.shutdown()

    def status(self, database: store_health.Reading | None = None) -> tuple[bool, dict[str, Any]]:
        """Whether the process is healthy, and the details (``reasons``: what is wrong)."""
        reasons: list[str] = []
        adapters = {
            kept.name: {"connected": kept.connected, "error": kept.connection.error}
            for kept in self.kept
        }
        for name, item in adapters.items():
            if not item["connected"]:
                reasons.append(
                    f"{name} is not connected" + (f": {item['error']}" if item["error"] else "")
                )
        body: dict[str, Any] = {"adapters": adapters}
        if self.deliveries is not None:
            age = self.deliveries.tick_age()
            body["tick_age_seconds"] = None if age is None else round(age, 1)
            if age is None:
                reasons.append("the scheduler tick has not completed yet")
            elif age >= TICK_HEALTHY:
                reasons.append(f"the scheduler tick last completed {age:.0f} s ago")
        reading = database or store_health.health_of(self.engine).reading()
        body["database"] = {"state": reading.state, "detail": reading.detail}
        if not reading.ok:
            reasons.append(_database_reason(reading))
        watch = getattr(self.deliveries, "watch", None)
        if watch is not None and watch.checked_at is not None:
            movement = watch.movement
            age = movement.oldest_due_age
            body["oldest_due_delivery_age_seconds"] = None if age is None else round(age, 1)
            if movement.stalled and reading.ok:
                reasons.append(
                    f"due deliveries are not moving: the oldest has waited {age:.0f} s and none "
                    f"changed for {movement.idle_for or 0:.0f} s"
                )
        body["reasons"] = reasons
        healthy = not reasons
        body["status"] = "ok" if healthy else "unhealthy"
        return healthy, body

    async def probe(self) -> store_health.Reading:
        """The database's state after a probe (one younger than ``PROBE_FRESH`` seconds, or
        the one running, is not repeated; what operations met since counts too); a probe that
        does not answer within ``PROBE_SECONDS`` counts as unreachable."""
        loop = asyncio.get_running_loop()
        if self._probe is None or (
            self._probe.done() and loop.time() - self._probed_at > PROBE_FRESH
        ):
            self._probed_at = loop.time()
            self._probe = asyncio.ensure_future(
                loop.run_in_executor(self._probes, store_health.probe, self.engine)
            )
        try:
            await asyncio.wait_for(asyncio.shield(self._probe), PROBE_SECONDS)
        except TimeoutError:
            return store_health.Reading(
                store_health.UNREACHABLE,
                f"no answer to the health check within {PROBE_SECONDS:g} s",
                loop.time(),
            )
        return store_health.health_of(self.engine).reading()

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, body = self.status(await self.probe())
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


def _database_reason(reading: store_health.Reading) -> str:
    """Why the database makes the process unhealthy, in a line an operator can act on."""
    if reading.state == store_health.GONE:
        return reading.detail
    what = {
        store_health.UNREACHABLE: "the database cannot be reached",
        store_health.READ_ONLY: "the database refuses writes (read-only)",
    }.get(reading.state, f"the database is {reading.state}")
    return f"{what}: {reading.detail}" if reading.detail else what


def _connected(kept: Kept) -> Callable[[], float]:
    return lambda: float(kept.connected)


def _replies_waiting(pacer: Pacer, platform: str) -> Callable[[], float]:
    return lambda: float(pacer.waiting(platform, REPLY))
