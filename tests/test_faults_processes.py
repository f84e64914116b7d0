"""The faults an operator meets in week one, against real ``carrybot run`` and ``carrybot worker``
processes and the fake Bot API: PostgreSQL connections terminated mid-fan-out, SIGTERM during a
flood pause, the SQLite file deleted under a running bot. What an operator would look at is
checked: ``carrybot deliveries``, ``/healthz`` and the log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analytics.ingest.seed import open_seeded_store
from bot.delivery.queue import DeliveryQueue
from tests.support import telegram_updates as tu
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread
from tests.support.fanout import group_ids, state_counts, subscribe
from tests.support.pgfaults import Terminator
from tests.support.processes import ROOT, Carrybot, enqueue_briefings_due_now, start, wait_healthy
from tests.support.telegram_harness import TOKEN

pytestmark = pytest.mark.slow


def healthz(bot: Carrybot) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{bot.health}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def deliveries_command(database_url: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``carrybot deliveries`` as an operator runs it beside the bot."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CARRYBOT_"))}
    env.update(CARRYBOT_DATABASE_URL=database_url, CARRYBOT_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "deliveries"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.postgres
def test_connections_terminated_five_times_mid_fan_out_brief_every_chat_once(
    postgres_url: str, tmp_path: Path
) -> None:
    """``carrybot run`` and ``carrybot worker`` share 300 briefings; every connection to the
    database is terminated five times, 0.6 s apart, from the 70th accepted briefing on (the
    pattern that stalled both for good). Every chat is briefed once, nothing is ambiguous, both
    stay healthy, and no exception went unobserved."""
    chats = 300
    store = open_seeded_store(postgres_url)
    engine = store.engine
    ids = group_ids(chats)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=30, window=1.0)) as api:
        api.add_chats(ids)
        bots = [start(name, postgres_url, api.base_url, tmp_path) for name in ("run", "worker")]
        try:
            wait_healthy(bots)
            subscribe(engine, ids, briefing_time=f"{datetime.now(UTC):%H:%M}", timezone="UTC")
            assert enqueue_briefings_due_now(engine) == chats
            terminator = Terminator(postgres_url, lambda: len(api.sent()) >= 70, times=5, gap=0.6)
            with terminator.running():
                queue = DeliveryQueue(engine)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    try:
                        if queue.pending(["telegram"]) == 0:
                            break
                    except Exception:  # the test's own connection was terminated too
                        pass
                    time.sleep(0.3)
            assert len(terminator.done) == 5 and all(n for _, n in terminator.done)
            counts = state_counts(engine)
            health = [healthz(bot) for bot in bots]
            report = deliveries_command(postgres_url, tmp_path)
            stopped = [bot.stop() for bot in bots]
        finally:
            for bot in bots:
                if bot.process.poll() is None:
                    bot.process.kill()
        per_chat = Counter(call.chat_id() for call in api.sent())
    assert counts == {"sent": chats}, counts
    assert set(per_chat) == set(ids) and max(per_chat.values()) == 1, "a chat briefed twice"
    for status, body in health:
        assert status == 200, body
    assert report.returncode == 0 and "sent" in report.stdout and "ambiguous" not in report.stdout
    for code, stderr in stopped:
        assert code == 0, stderr[-3000:]
        assert "never retrieved" not in stderr and "Traceback" not in stderr, stderr[-3000:]
        assert stderr.count("the database cannot be reached") <= 5  # once per fault at most
    engine.dispose()


def test_sigterm_during_a_flood_pause_exits_within_five_seconds_sending_nothing_after(
    tmp_path: Path,
) -> None:
    """Twenty briefings due; three chats answer 429 with retry_after 40 at once (a global flood:
    every send pauses). SIGTERM then: the process exits within 5 s, no request reaches the
    platform after the signal, and every undelivered briefing is back in the queue."""
    url = f"sqlite:///{tmp_path / 'carrybot.sqlite3'}"
    ids = group_ids(20)
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=0, latency=0.05)) as api:
        api.add_chats(ids)
        for chat in ids[:3]:
            api.flood(chat, retry_after=40)
        bot = start("run", url, api.base_url, tmp_path)
        try:
            wait_healthy([bot])
            store = open_seeded_store(url)
            subscribe(store.engine, ids, briefing_time=f"{datetime.now(UTC):%H:%M}", timezone="UTC")
            enqueue_briefings_due_now(store.engine)
            deadline = time.monotonic() + 60
            while len(api.floods()) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(api.floods()) == 3
            time.sleep(1.0)  # the pause holds the rest
            signalled = time.perf_counter()
            bot.process.send_signal(signal.SIGTERM)
            code, stderr = bot.stop(timeout=30)
            took = time.perf_counter() - signalled
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
        admitted = [c.at for c in api.calls if c.method == "sendMessage"]
    assert code == 0, stderr[-3000:]
    assert took <= 5.0, f"stopped in {took:.1f} s"
    late = [at for at in admitted if at > signalled + 0.01]
    assert late == [], f"{len(late)} request(s) after the signal"
    counts = state_counts(store.engine)
    assert set(counts) <= {"sent", "queued"} and counts.get("queued", 0) >= 3, counts
    assert "Traceback" not in stderr, stderr[-3000:]
    store.engine.dispose()


def test_the_sqlite_file_deleted_under_carrybot_run_is_never_confirmed_and_healthz_says_why(
    tmp_path: Path,
) -> None:
    """A moderator subscribes (confirmed), then the database files are deleted under the
    running bot: the next change is refused with "cannot save settings right now", never a
    "Done"; ``/healthz`` answers 503 saying why; the log says it once, at CRITICAL; and
    ``carrybot deliveries`` says the data store is unavailable instead of "none"."""
    path = tmp_path / "carrybot.sqlite3"
    url = f"sqlite:///{path}"
    user = tu.user(7001)
    server = ServerThread(LimitedBotAPI(token=TOKEN, limit=0))
    with server as api:
        bot = start("run", url, api.base_url, tmp_path)
        try:
            wait_healthy([bot])
            first = _ask(server, user, "/carry subscribe 23:59 UTC")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            refused = _ask(server, user, "/carry lang ja")
            status, body = healthz(bot)
            report = deliveries_command(url, tmp_path)
            code, stderr = bot.stop()
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
    assert "23:59" in first
    assert "cannot save settings right now" in refused and "Done" not in refused
    assert status == 503 and body["database"]["state"] == "gone", body
    assert any("was deleted while carrybot was running" in r for r in body["reasons"]), body
    assert report.returncode == 2 and "the data store is unavailable" in report.stderr
    assert "none" not in report.stdout
    assert code == 0, stderr[-3000:]
    assert stderr.count("CRITICAL") == 1, stderr[-3000:]
    assert not path.exists(), "no empty database was made in its place"


def _ask(server: ServerThread[LimitedBotAPI], user: dict[str, Any], text: str) -> str:
    """Send ``text`` in the private chat with the bot; the text of its answer."""
    api = server.server
    before = len(api.sent(user["id"]))
    server.run(api.push(tu.private_command(text, user)))
    deadline = time.monotonic() + 30
    while len(api.sent(user["id"])) <= before:
        assert time.monotonic() < deadline, f"no answer to {text!r}"
        time.sleep(0.05)
    return str(api.sent(user["id"])[-1].params["text"])
