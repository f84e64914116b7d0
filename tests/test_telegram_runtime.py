"""``carrybot run``: adapters from the environment, the refresh loop, clean shutdown on signals."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from analytics.errors import CarrybotError
from analytics.ingest.refresh import SourceResult, refresh
from bot import cli
from bot.runtime import assembly, refresh_loop, supervisor
from bot.runtime.supervisor import RunOptions
from bot.telegram.adapter import TelegramAdapter
from tests.support import telegram_updates as tu
from tests.support.chat import make_services
from tests.support.fake_telegram import FakeBotAPI
from tests.support.telegram_harness import BOT_USERNAME

ROOT = Path(__file__).resolve().parents[1]


def _args(*argv: str) -> argparse.Namespace:
    return cli.parser().parse_args(["run", *argv])


def test_run_without_a_token_says_which_variables_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in assembly.TOKEN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert supervisor.main_run(_args()) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "DISCORD_BOT_TOKEN" in err


def test_run_arguments_have_sensible_defaults() -> None:
    args = _args()
    assert (args.telegram_webhook, args.webhook_listen, args.webhook_port) == (
        None,
        "127.0.0.1",
        8080,
    )
    assert (args.refresh_minutes, args.no_refresh) == (60.0, False)
    args = _args(
        "--telegram-webhook",
        "https://bot.example/tg",
        "--webhook-port",
        "9000",
        "--refresh-minutes",
        "15",
        "--no-refresh",
    )
    assert (args.telegram_webhook, args.webhook_port, args.refresh_minutes, args.no_refresh) == (
        "https://bot.example/tg",
        9000,
        15.0,
        True,
    )


def test_every_adapter_whose_token_is_set_is_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert assembly.make_adapters(services) == []
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")
    [telegram] = assembly.make_adapters(services)
    assert isinstance(telegram, TelegramAdapter)
    assert telegram.config.base_url == "https://api.telegram.org/bot"
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "discord-token")
    adapters = assembly.make_adapters(services)
    assert [type(a).__name__ for a in adapters] == ["TelegramAdapter", "DiscordAdapter"]
    telegram = adapters[0]
    assert isinstance(telegram, TelegramAdapter)
    assert telegram.config.base_url == "http://127.0.0.1:8081/bot"
    assert telegram.config.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert telegram.application.bot.base_url == "http://127.0.0.1:8081/bot123:TEST"


class RecordingAdapter:
    def __init__(self) -> None:
        self.events: list[str] = []

    async def start(self) -> None:
        self.events.append("start")

    async def stop(self) -> None:
        self.events.append("stop")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_adapter_cleanly(sig: signal.Signals, tmp_path: Path) -> None:
    services = make_services(f"sqlite:///{tmp_path / 's.sqlite3'}")
    first, second = RecordingAdapter(), RecordingAdapter()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, os.kill, os.getpid(), sig)
        await asyncio.wait_for(
            supervisor.run(services, RunOptions(refresh_minutes=None), adapters=[first, second]), 5
        )

    asyncio.run(main())
    assert first.events == second.events == ["start", "stop"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers removed


def test_background_jobs_get_the_started_adapters_and_stop_with_the_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    adapter = RecordingAdapter()
    seen: list[Any] = []

    async def worker(adapters: Any, stop: asyncio.Event) -> None:
        seen.append(list(adapters))
        await stop.wait()
        seen.append("stopped")

    async def stuck(adapters: Any, stop: asyncio.Event) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.1, stop.set)
        await asyncio.wait_for(
            supervisor.run(
                services,
                RunOptions(refresh_minutes=None),
                adapters=[adapter],
                stop=stop,
                background=[worker, stuck],
            ),
            5,
        )

    monkeypatch.setattr(supervisor, "BACKGROUND_GRACE", 0.2)
    asyncio.run(main())
    assert seen == [[adapter], "stopped", "cancelled"]
    assert adapter.events == ["start", "stop"]


class StubSnapshots:
    def __init__(self) -> None:
        self.invalidated = 0
        self.computed = 0

    def invalidate(self) -> None:
        self.invalidated += 1

    def current(self) -> None:
        self.computed += 1


def test_refresh_loop_refreshes_now_and_every_interval_then_warms_the_snapshot() -> None:
    snapshots = StubSnapshots()
    services: Any = type("S", (), {"snapshots": snapshots})()
    calls: list[float] = []

    async def main() -> None:
        stop = asyncio.Event()

        def fetch(store: object, names: object, *, progress: Any, **_: Any) -> list[SourceResult]:
            calls.append(0.0)
            progress("fred", "DGS2 …")
            if len(calls) >= 3:
                stop_soon()
            return [SourceResult("fred", 1, 1, inserted=len(calls) - 1)]

        loop = asyncio.get_running_loop()

        def stop_soon() -> None:
            loop.call_soon_threadsafe(stop.set)

        await asyncio.wait_for(
            refresh_loop.refresh_loop(object(), services, 0.05, stop, threading.Event(), fetch), 5
        )

    asyncio.run(main())
    assert len(calls) == 3
    # the first refresh stored nothing new: the snapshot is rebuilt only after the other two
    assert snapshots.invalidated == 2 and snapshots.computed == 2


def test_refresh_loop_stops_between_requests_when_halted() -> None:
    services: Any = type("S", (), {"snapshots": StubSnapshots()})()
    halt = threading.Event()
    reached: list[str] = []

    def fetch(store: object, names: object, *, progress: Any, **_: Any) -> list[SourceResult]:
        progress("fred", "first request …")
        reached.append("first")
        halt.set()
        progress("fred", "second request …")  # raises: the runtime is shutting down
        reached.append("second")
        return []

    async def main() -> None:
        await asyncio.wait_for(
            refresh_loop.refresh_loop(object(), services, 60, asyncio.Event(), halt, fetch), 5
        )

    asyncio.run(main())
    assert reached == ["first"]


def test_a_source_host_that_never_answers_costs_the_refresh_loop_at_most_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics.ingest.seed import open_seeded_store
    from analytics.sources import REFRESHED
    from tests.support.http_server import SilentServer

    store = open_seeded_store(f"sqlite:///{tmp_path / 'loop.sqlite3'}")
    services: Any = type("S", (), {"snapshots": StubSnapshots()})()
    took: list[float] = []

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def timed(*args: Any, **kwargs: Any) -> list[SourceResult]:
            started = time.monotonic()
            results = refresh(*args, **kwargs)
            took.append(time.monotonic() - started)
            loop.call_soon_threadsafe(stop.set)
            return results

        await asyncio.wait_for(
            refresh_loop.refresh_loop(store, services, 3600, stop, threading.Event(), timed, 1.5),
            30,
        )

    with SilentServer() as silent:
        for name in REFRESHED:
            monkeypatch.setenv(f"CARRYBOT_{name.upper()}_URL", silent.url)
        asyncio.run(main())
    store.engine.dispose()
    assert len(took) == 1 and took[0] < 4.0  # the budget plus the refresh's grace for threads


def test_carrybot_run_answers_carry_in_a_group_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The acceptance check: ``TELEGRAM_BOT_TOKEN=123:TEST TELEGRAM_API_BASE_URL=… run``."""
    group = tu.group()

    async def main() -> tuple[int, str]:
        async with FakeBotAPI(token="123:TEST", username=BOT_USERNAME) as api:
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in ("DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
            }
            env.update(
                TELEGRAM_BOT_TOKEN="123:TEST",
                TELEGRAM_API_BASE_URL=api.base_url,
                CARRYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
                CARRYBOT_HOME=str(tmp_path),
                PYTHONPATH=str(ROOT),
            )
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "-v",
                "run",
                "--no-refresh",
                cwd=ROOT,
                env=env,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await api.wait_for(lambda a: a.calls_to("getUpdates"), timeout=40)
                await api.push(tu.group_command(f"/carry@{BOT_USERNAME}", group))
                [answer] = await api.wait_sent(group["id"], timeout=20)
                assert answer.params["text"].startswith("<b>Yen carry:")
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), 15)
            return process.returncode or 0, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 0, stderr
    assert "receiving updates by long polling" in stderr
    assert "123:TEST" not in stderr, "the token reached the log"


def test_a_rejected_token_is_reported_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'r.sqlite3'}")

    async def main() -> None:
        async with FakeBotAPI(token="999:OTHER") as api:
            monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:WRONG-token")
            monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
            monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
            [adapter] = assembly.make_adapters(services)
            assert isinstance(adapter, TelegramAdapter)
            assert "WRONG" not in repr(adapter.config)
            with pytest.raises(CarrybotError) as caught:
                await supervisor.run(services, RunOptions(refresh_minutes=None), adapters=[adapter])
            assert "TELEGRAM_BOT_TOKEN" in str(caught.value)
            assert "WRONG" not in str(caught.value)
            assert not adapter.application.running

    asyncio.run(main())
