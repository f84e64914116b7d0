"""The acceptance check of decision posts: ``carrybot decisions add`` then ``carrybot run`` as real
processes against the fake Bot API and the fake Discord: a subscribed Telegram group and a
Discord channel each get exactly one post, also after a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics.storage.database import open_database
from tests.support import telegram_updates as tu
from tests.support.delivery_fakes import ServerThread
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_telegram import FakeBotAPI
from tests.support.fanout import subscribe
from tests.support.telegram_harness import BOT_USERNAME, TOKEN, free_port

ROOT = Path(__file__).resolve().parents[1]
DISCORD_TOKEN = "fake-bot-token"
GROUP = "-1001234567890"


def last_weekday() -> date:
    day = date.today()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def environment(tmp_path: Path, telegram: str, discord_port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DISCORD_", "CARRYBOT_"))
    }
    env.update(
        CARRYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'decisions.sqlite3'}",
        CARRYBOT_HOME=str(tmp_path),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=telegram,
        DISCORD_BOT_TOKEN=DISCORD_TOKEN,
        DISCORD_API_BASE_URL=f"http://127.0.0.1:{discord_port}/api/v10",
        PYTHONPATH=str(ROOT),
    )
    return env


def carrybot(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_group_and_a_channel_each_get_one_decision_post_also_after_a_restart(
    tmp_path: Path,
) -> None:
    discord_port = free_port()
    fake = FakeDiscord(token=DISCORD_TOKEN, port=discord_port)
    channel = fake.guild.channels[0].id
    day = last_weekday()
    with ServerThread(FakeBotAPI(token=TOKEN, username=BOT_USERNAME)) as api, ServerThread(fake):
        api.add_chat(tu.group(int(GROUP)))
        env = environment(tmp_path, api.base_url, discord_port)
        engine = open_database(env["CARRYBOT_DATABASE_URL"])
        subscribe(engine, [GROUP], alerts=True, languages=("en",))
        subscribe(
            engine, [fake.guild.id], platform="discord", channel_ids=[channel], alerts=True,
            languages=("ja",),
        )  # fmt: skip
        engine.dispose()
        added = carrybot(
            env, "decisions", "add", "boj", day.isoformat(), "1.50",
            "--source", "https://www.boj.or.jp/en/mopo/mpmdeci/mpr_2026/k261204a.pdf",
        )  # fmt: skip
        out, err = added.communicate(timeout=120)
        assert added.returncode == 0, err
        assert out.startswith("recorded: the BoJ")

        for run in range(2):  # a first start, then a restart
            process = carrybot(env, "run", "--no-refresh")
            try:
                wait_until(lambda: api.sent(GROUP), 90, "the Telegram post")
                wait_until(lambda: fake.channel_messages(channel), 60, "the Discord post")
                time.sleep(3 if run == 0 else 6)  # a restart's first tick has run by then
            finally:
                process.terminate()
                _, stderr = process.communicate(timeout=30)
            assert process.returncode == 0, stderr[-3000:]
            assert "Traceback" not in stderr, stderr[-3000:]

    [telegram] = api.sent(GROUP)
    text = telegram.params["text"]
    assert "BoJ decision" in text and "1.50%" in text
    assert "k261204a.pdf" in text
    [discord] = fake.channel_messages(channel)
    assert "日銀の決定" in str(discord.body)
