"""``carrybot run`` through a platform outage, at start and later: it keeps running, warns once
(at most one WARNING a minute naming the platform and the error), reconnects with backoff when
the platform is back, answers again, reports itself on ``/healthz`` and exits 0 on SIGTERM.

The fake Bot API and the fake Discord run in a thread of the test on a fixed port, so "the
platform" can be absent, come up, go away and come back while ``carrybot run`` (a real process)
keeps trying.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import telegram_updates as tu
from tests.support.delivery_fakes import ServerThread
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_telegram import FakeBotAPI
from tests.support.telegram_harness import BOT_USERNAME, TOKEN, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DISCORD_TOKEN = "fake-discord-outage-token"


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


@pytest.fixture
def carrybot(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``carrybot run`` with the given environment; SIGKILLed if a test leaves it."""
    started: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "DISCORD_", "CARRYBOT_"))
        }
        base.update(
            CARRYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'outage.sqlite3'}",
            CARRYBOT_HOME=str(tmp_path),
            PYTHONPATH=str(ROOT),
            **env,
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--no-refresh", *args],
            cwd=ROOT,
            env=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    return process.returncode, stderr


def outage_warnings(stderr: str, platform: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if " WARNING " in line and f"{platform}:" in line and "retrying" in line
    ]


def test_telegram_outage_at_start_and_later(
    carrybot: Callable[..., subprocess.Popen[str]],
) -> None:
    port, health = free_port(), free_port()
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot"}
    process = carrybot(env, "--health-port", str(health))
    # No Bot API at all: the process keeps running and says it is not healthy.
    wait_until(lambda: healthz(health)[0] == 503, 60, "/healthz answers 503")
    time.sleep(2)
    assert process.poll() is None, process.communicate()[1][-3000:]
    status, body = healthz(health)
    assert status == 503 and body["adapters"]["Telegram"]["connected"] is False
    assert "All connection attempts failed" in body["adapters"]["Telegram"]["error"]

    group = tu.group()
    for round_ in range(2):  # the Bot API comes up (round 0), goes away, comes back (round 1)
        server = ServerThread(FakeBotAPI(token=TOKEN, username=BOT_USERNAME, port=port))
        with server as api:
            wait_until(lambda: api.calls_to("getUpdates"), 40, "polling resumed")
            server.run(api.push(tu.group_command("/carry", group)))
            wait_until(lambda: api.sent(group["id"]), 20, f"an answer in round {round_}")
            assert api.sent(group["id"])[0].params["text"].startswith("<b>Yen carry:")
            wait_until(lambda: healthz(health)[0] == 200, 20, "/healthz answers 200")
        # Gone again mid-poll: still running, unhealthy.
        wait_until(lambda: healthz(health)[0] == 503, 40, "/healthz back to 503")
        assert process.poll() is None

    code, stderr = stop(process)
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "carrybot running: Telegram (long polling)" in stderr
    # Two outages within a minute: one warning naming the platform and the error.
    [warning] = outage_warnings(stderr, "Telegram")
    assert "All connection attempts failed" in warning
    assert "Telegram: connected again" in stderr
    assert TOKEN not in stderr


def test_discord_gateway_outage_at_start_and_later(
    carrybot: Callable[..., subprocess.Popen[str]],
) -> None:
    port, health = free_port(), free_port()
    env = {
        "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_BASE_URL": f"http://127.0.0.1:{port}/api/v10",
    }
    process = carrybot(env, "--health-port", str(health))
    wait_until(lambda: healthz(health)[0] == 503, 60, "/healthz answers 503")
    time.sleep(2)
    assert process.poll() is None, process.communicate()[1][-3000:]

    fake = FakeDiscord(token=DISCORD_TOKEN, port=port)  # sessions survive its restart
    for round_ in range(2):  # Discord comes up (round 0), goes away, comes back (round 1)
        with ServerThread(fake):
            before = len(fake.identified) + fake.resumed
            wait_until(
                lambda before=before: len(fake.identified) + fake.resumed > before,
                40,
                f"gateway identified or resumed, round {round_}",
            )
            wait_until(lambda: healthz(health)[0] == 200, 20, "/healthz answers 200")
        wait_until(lambda: healthz(health)[0] == 503, 40, "/healthz back to 503")
        assert process.poll() is None

    code, stderr = stop(process)
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "carrybot running: Discord" in stderr
    warnings = outage_warnings(stderr, "Discord")
    assert len(warnings) == 1, warnings
    assert "Cannot connect to host" in warnings[0] or "connect" in warnings[0]
    assert DISCORD_TOKEN not in stderr
