"""``--health-port``: ``/healthz`` for probes, ``/metrics`` for Prometheus, and what feeds them
(connection state with its throttled warnings, reconnect backoff, source warnings)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from analytics.ingest.refresh import SourceResult
from analytics.ingest.store import ObservationStore
from analytics.storage.database import open_database
from bot.connection import Connection, backoff
from bot.delivery.queue import DeliveryQueue, NewDelivery
from bot.metrics import FLOOD_ERRORS
from bot.runtime.health import HealthServer, good_fetches, record_good_fetches
from bot.runtime.refresh_loop import SourceWarnings
from bot.sending.pacing import REPLY, Pacer


class Kept:
    def __init__(self, name: str, connected: bool) -> None:
        self.name = name
        self.connection = Connection(name)
        if connected:
            self.connection.up()
        else:
            self.connection.down("cannot reach it")

    @property
    def connected(self) -> bool:
        return self.connection.connected


class Ticks:
    def __init__(self, age: float | None) -> None:
        self.age = age
        self.tick_lag = 1.5

    def tick_age(self) -> float | None:
        return self.age


def serve(
    tmp_path: Path, kept: list[Kept], ticks: Ticks | None, pacer: Pacer | None = None
) -> dict[str, tuple[int, str]]:
    engine = open_database(f"sqlite:///{tmp_path / 'health.sqlite3'}")
    now = datetime.now(UTC)
    DeliveryQueue(engine).enqueue(
        NewDelivery("telegram", f"-100{i}", "", "briefing", "2026-06-12", now.date(), "en", now)
        for i in range(3)
    )
    store = ObservationStore(engine)
    record_good_fetches(store, [SourceResult("fred", requests=2, succeeded=2)])

    async def main() -> dict[str, tuple[int, str]]:
        server = HealthServer(kept, ticks, pacer, engine)  # type: ignore[arg-type]
        await server.start()
        answers = {}
        try:
            async with ClientSession() as session:
                for path in ("/healthz", "/metrics"):
                    url = f"http://127.0.0.1:{server.port}{path}"
                    async with session.get(url) as response:
                        answers[path] = (response.status, await response.text())
        finally:
            await server.stop()
        return answers

    answers = asyncio.run(main())
    engine.dispose()
    return answers


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthy_only_when_every_adapter_is_connected_and_the_tick_is_recent(
    tmp_path: Path,
) -> None:
    answers = serve(tmp_path, [Kept("Telegram", True), Kept("Discord", True)], Ticks(30.0))
    status, body = answers["/healthz"]
    assert status == 200 and json.loads(body)["status"] == "ok"

    (tmp_path / "b").mkdir()
    answers = serve(tmp_path / "b", [Kept("Telegram", True), Kept("Discord", False)], Ticks(30))
    status, body = answers["/healthz"]
    assert status == 503
    assert json.loads(body)["adapters"]["Discord"] == {
        "connected": False,
        "error": "cannot reach it",
    }

    for n, age in enumerate((None, 121.0)):  # no tick yet, or none for over two minutes
        (tmp_path / f"t{n}").mkdir()
        answers = serve(tmp_path / f"t{n}", [Kept("Telegram", True)], Ticks(age))
        assert answers["/healthz"][0] == 503


def test_metrics_are_the_prometheus_text_format_with_what_operators_need(
    tmp_path: Path,
) -> None:
    pacer = Pacer()
    FLOOD_ERRORS.labels("telegram").inc()

    async def waiting() -> None:  # replies queued for slots while the platform is paused
        pacer.pause("telegram", 5)
        tasks = [asyncio.ensure_future(pacer.acquire("telegram", REPLY)) for _ in range(4)]
        await asyncio.sleep(0.05)
        assert pacer.waiting("telegram", REPLY) == 4
        for task in tasks:
            task.cancel()

    asyncio.run(waiting())
    answers = serve(tmp_path, [Kept("Telegram", True)], Ticks(12.0), pacer)
    status, text = answers["/metrics"]
    assert status == 200
    found = samples(text)
    assert found[("carrybot_deliveries", (("kind", "briefing"), ("state", "queued")))] == 3
    assert found[("carrybot_deliveries", (("kind", "alert"), ("state", "sent")))] == 0
    age = found[("carrybot_source_last_good_fetch_age_seconds", (("source", "fred"),))]
    assert 0 <= age < 60
    assert ("carrybot_source_last_good_fetch_age_seconds", (("source", "mof"),)) not in found
    assert found[("carrybot_tick_age_seconds", ())] == 12.0
    assert found[("carrybot_tick_lag_seconds", ())] == 1.5
    assert found[("carrybot_connected", (("platform", "telegram"),))] == 1
    assert found[("carrybot_flood_errors_total", (("platform", "telegram"),))] >= 1
    assert ("carrybot_reply_queue", (("platform", "telegram"),)) in found
    assert "# TYPE carrybot_send_seconds histogram" in text


def test_an_outage_warns_once_a_minute_and_the_recovery_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    connection = Connection("Telegram", clock=lambda: now[0])
    caplog.set_level(logging.DEBUG, logger="bot.connection")
    for second in range(0, 150, 5):  # a failed attempt every 5 s for two and a half minutes
        now[0] = float(second)
        connection.down("cannot reach the Bot API (ConnectError: refused)")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Telegram: cannot reach the Bot API (ConnectError: refused); retrying"
    ] * 3  # at 0, 60 and 120 s
    now[0] = 151.0
    connection.up()
    assert connection.connected and caplog.records[-1].getMessage() == (
        "Telegram: connected again after 151 s (30 failed attempt(s))"
    )


def test_reconnect_backoff_doubles_to_a_minute_with_jitter() -> None:
    assert [backoff(n, rand=lambda: 1.0) for n in (1, 2, 3, 7, 8, 20)] == [1, 2, 4, 60, 60, 60]
    assert [backoff(n, rand=lambda: 0.0) for n in (1, 2, 7)] == [0.5, 1, 30]


def test_a_failing_source_is_named_once_an_hour(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    warnings = SourceWarnings(15 * 60, clock=lambda: now[0])
    failing = SourceResult(
        "fred", requests=3, errors=["fred DGS2: HTTP 503", "fred DGS10: HTTP 503"]
    )
    caplog.set_level(logging.WARNING, logger="bot.runtime.refresh_loop")
    for minute in range(0, 120, 15):  # refreshed every 15 minutes for two hours
        now[0] = minute * 60.0
        warnings.report([failing, SourceResult("mof", requests=1, succeeded=1)])
    lines = [r.getMessage() for r in caplog.records]
    assert (
        lines
        == ["data source fred failed: fred DGS2: HTTP 503 (and 1 more); retrying every 15 min"] * 2
    )
    warnings.report([SourceResult("fred", requests=3, succeeded=3)])
    assert caplog.records[-1].getMessage() == "data source fred: fetched again"


def test_each_sources_last_good_fetch_is_kept_for_every_process(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'fetch.sqlite3'}")
    store = ObservationStore(engine)
    record_good_fetches(
        store,
        [SourceResult("fred", requests=1, succeeded=1), SourceResult("cftc", requests=1)],
    )
    found = good_fetches(engine)
    assert set(found) == {"fred"}
    assert datetime.now(UTC) - found["fred"] < timedelta(minutes=1)
    engine.dispose()
