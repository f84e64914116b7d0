"""A ``carrybot run`` and a ``carrybot worker`` on one PostgreSQL database fan out 300 briefings
through one bot token against the flood-limited fake Bot API (30 messages in any second).

They share the token's send budget (``bot.sending.budget``), so together they stay within the
limit and use at least 90% of it; no chat gets two briefings. One of them is SIGKILLed midway:
the other takes over the dead one's claims and carries on at the full rate by itself. Rates are
measured over the middle of each period (start-up and the tail are not the steady rate).
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from analytics.ingest.seed import open_seeded_store
from bot.delivery.queue import DeliveryQueue
from tests.support.burst import busiest
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread
from tests.support.fanout import group_ids, state_counts, subscribe
from tests.support.processes import (
    enqueue_briefings_due_now,
    senders,
    start,
    wait_healthy,
)
from tests.support.telegram_harness import TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CHATS = 300
KILL_AFTER = 110  # briefings accepted before one process is killed


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def steady_rate(times: list[float], trim: float = 0.1) -> float:
    times = sorted(times)
    low, high = int(len(times) * trim), int(len(times) * (1 - trim)) - 1
    return (high - low) / (times[high] - times[low])


@pytest.mark.parametrize("killed", ["worker", "run"])
def test_run_and_worker_share_the_budget_and_one_carries_on_when_the_other_is_killed(
    postgres_url: str, tmp_path: Path, killed: str
) -> None:
    store = open_seeded_store(postgres_url)  # the data the briefings are made of, loaded once
    engine = store.engine
    ids = group_ids(CHATS)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=30, window=1.0)) as api:
        api.add_chats(ids)
        bots = {
            name: start(name, postgres_url, api.base_url, tmp_path) for name in ("run", "worker")
        }
        try:
            wait_healthy(list(bots.values()))
            subscribe(engine, ids, briefing_time=f"{datetime.now(UTC):%H:%M}", timezone="UTC")
            assert enqueue_briefings_due_now(engine) == CHATS
            deadline = time.monotonic() + 60
            while len(api.sent()) < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.02)
            victim, survivor = bots[killed], bots["run" if killed == "worker" else "worker"]
            before_kill = senders(engine)
            os.kill(victim.pid, signal.SIGKILL)
            killed_at = time.perf_counter()
            victim.process.communicate(timeout=10)  # reaped, as a supervisor would
            queue = DeliveryQueue(engine)
            deadline = time.monotonic() + 90
            while queue.pending(["telegram"]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert queue.pending(["telegram"]) == 0, state_counts(engine)
            metrics = scrape(survivor.health)
            code, stderr = survivor.stop()
        finally:
            for bot in bots.values():
                if bot.process.poll() is None:
                    bot.process.kill()
        sent = api.sent()
        floods = api.floods()
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]

    per_chat = Counter(call.chat_id() for call in sent)
    assert max(per_chat.values()) == 1, "a chat got two briefings"
    states = state_counts(engine)
    # What the killed one had on the wire is reported as ambiguous, never resent (Telegram has
    # no idempotency key); everything else is sent.
    assert states.get("sent", 0) + states.get("ambiguous", 0) == CHATS, states
    ambiguous = states.get("ambiguous", 0)
    assert ambiguous <= 16, states  # at most what one process has in flight
    assert states["sent"] <= len(per_chat) <= states["sent"] + ambiguous
    # Both sent before the kill: the budget is shared, not owned.
    assert set(before_kill) == {bots["run"].pid, bots["worker"].pid}, before_kill
    assert min(before_kill.values()) >= 10, before_kill

    # What an operator's Prometheus sees of the survivor: every process's deliveries (from the
    # database) and this one's own sends.
    assert (
        metrics[("carrybot_deliveries", (("kind", "briefing"), ("state", "sent")))]
        == (states["sent"])
    )
    delivered = ("carrybot_send_seconds_count", (("kind", "delivery"), ("platform", "telegram")))
    assert metrics[delivered] >= CHATS - KILL_AFTER - 20

    accepted = [call.at for call in sent]
    assert busiest(accepted) <= 30 and len(floods) <= 3, (busiest(accepted), len(floods))
    together = [t for t in accepted if t < killed_at]
    alone = [t for t in accepted if t > killed_at + 0.5]
    assert steady_rate(together) >= 27.0, f"together: {steady_rate(together):.1f}/s"
    assert steady_rate(alone) >= 27.0, f"{survivor.command} alone: {steady_rate(alone):.1f}/s"
    engine.dispose()
