"""The runtime component: the real Telegram adapter's bot, the minute tick and the worker together;
and ``carrybot deliveries``."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics.storage.database import open_database
from bot.cli import main, parser
from bot.delivery.queue import DeliveryQueue, NewDelivery
from bot.delivery.rendering import DeliveryRenderer
from bot.delivery.service import DeliveryService
from bot.delivery.worker import DeliveryWorker, WorkerConfig
from bot.sending.pacing import Pacer
from bot.sending.sender import NotSent, Outcome, Sent, Target
from tests.support.chat import make_services
from tests.support.fanout import subscribe
from tests.support.telegram_harness import running_bot


def test_the_service_posts_a_due_briefing_through_the_running_adapter(tmp_path: Path) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'carry.sqlite3'}")
    engine = services.settings.engine
    due = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    subscribe(engine, ["-100555"], timezone="UTC", briefing_time=due, languages=("ja",))

    async def scenario() -> None:
        async with running_bot(services) as (api, adapter):
            api.add_chat({"id": -100555, "title": "Carry desk", "type": "supergroup"})
            service = DeliveryService.from_adapters(services, [adapter], environ={})
            await service.start()
            try:
                [call] = await api.wait_sent(-100555, timeout=10)
            finally:
                await service.stop()
            assert "円キャリー" in call.params["text"]
            assert call.params["parse_mode"] == "HTML"

    asyncio.run(scenario())
    [row] = DeliveryQueue(engine).rows()
    assert (row.state, row.kind, row.locale) == ("sent", "briefing", "ja")
    assert row.message_id


def test_a_process_can_tick_without_sending(tmp_path: Path) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'carry.sqlite3'}")
    service = DeliveryService.from_adapters(
        services, [], environ={"CARRYBOT_DELIVERY_WORKER": "off", "CARRYBOT_LATE_MINUTES": "30"}
    )
    assert service.worker is None
    assert service.scheduler.late_window == timedelta(minutes=30)


def test_carrybot_deliveries_prints_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'carry.sqlite3'}"
    monkeypatch.setenv("CARRYBOT_DATABASE_URL", url)
    engine = open_database(url)
    DeliveryQueue(engine)
    engine.dispose()
    assert main(["deliveries", "--date", "2026-06-12"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Deliveries on 2026-06-12") and "none" in out
    assert parser().parse_args(["deliveries"]).date is None
    assert parser().parse_args(["deliveries", "--date", "2026-06-12"]).date == date(2026, 6, 12)


class Unreachable:
    """A platform that cannot be reached for the first ``down`` sends, then accepts."""

    platform = "telegram"
    format = "telegram_html"
    idempotent = False

    def __init__(self, down: int, reachable: bool = True) -> None:
        self.down = down
        self.reachable = reachable
        self.sends = 0

    async def send(self, target: Target, messages: Any, pacing: Any) -> Outcome:
        self.sends += 1
        if self.sends <= self.down:
            return NotSent("no connection to Telegram (ConnectError)", unreachable=self.reachable)
        return Sent(("1",))


@pytest.mark.parametrize(("outage", "final"), [(True, "sent"), (False, "failed")])
def test_a_delivery_waits_out_an_outage_without_using_its_attempts(
    tmp_path: Path, outage: bool, final: str
) -> None:
    """Eight failed sends in a row: an outage (the platform unreachable) is waited out and the
    briefing posted once it is back; eight ordinary failures use up the five attempts."""
    services = make_services(f"sqlite:///{tmp_path / 'outage.sqlite3'}")
    engine = services.settings.engine
    now = [datetime(2026, 6, 12, 8, 0, tzinfo=UTC)]
    DeliveryQueue(engine).enqueue(
        [
            NewDelivery(
                "telegram", "-1001", "", "briefing", "2026-06-12", now[0].date(), "en", now[0]
            )
        ],
        now[0],
    )
    sender = Unreachable(down=8, reachable=outage)

    def clock() -> datetime:
        now[0] += timedelta(seconds=40)  # past every retry's wait
        return now[0]

    worker = DeliveryWorker(
        DeliveryQueue(engine),
        {"telegram": sender},
        DeliveryRenderer(services),
        Pacer(),
        config=WorkerConfig(poll_seconds=0.01, recover_seconds=3600),
        clock=clock,
    )
    asyncio.run(asyncio.wait_for(worker.run(until_idle=True), 30))
    [row] = DeliveryQueue(engine).rows()
    assert row.state == final
    if outage:
        assert sender.sends == 9 and row.attempts == 1, "the outage used no attempt"
    else:
        assert sender.sends == 5 and "after 5 attempt(s)" in row.error
