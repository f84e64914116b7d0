"""Fan-out: briefings per second as a share of the platform limit, time to first message, memory.

Chats are subscribed at one local time; one scheduler tick enqueues them all; one delivery
worker sends through the real python-telegram-bot ``Bot`` to the fake Bot API (which answers
429 beyond ``--limit`` messages a second) or through discord.py's HTTP client to the fake
Discord. The fake servers run in a thread of this process, so the memory figures include them.

- ``telegram``: at Telegram's real 30 a second (the figure that matters).
- ``capacity``: the fake server unlimited and the worker allowed 10,000 a second: how fast the
  worker itself can go (the headroom over the platform limit).
- ``discord``: channels on the fake Discord at Discord's 50 requests a second.

Run: python benchmarks/bench_fanout.py [--chats 600] [--database URL] [--only telegram]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.storage.database import open_database  # noqa: E402
from bot.delivery.queue import DeliveryQueue  # noqa: E402
from bot.delivery.rendering import DeliveryRenderer  # noqa: E402
from bot.delivery.worker import DeliveryWorker, WorkerConfig  # noqa: E402
from bot.sending.pacing import DEFAULT_LIMITS, Pacer  # noqa: E402
from commands.services import Services  # noqa: E402
from commands.settings.store import SettingsStore  # noqa: E402
from tests.support.delivery_fakes import ChannelDiscord, LimitedBotAPI, ServerThread  # noqa: E402
from tests.support.fanout import (  # noqa: E402
    TOKEN,
    group_ids,
    run_telegram_worker,
    scheduler_for,
    state_counts,
    subscribe,
)
from tests.support.snapshots import provider  # noqa: E402

DUE = datetime(2026, 6, 11, 23, 0, 1, tzinfo=UTC)  # 08:00:01 in Tokyo


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(url: str, chats: int, platform: str = "telegram") -> tuple[object, Services, list[str]]:
    engine = open_database(url)
    services = Services(SettingsStore(engine), provider("stressed"))
    services.snapshots.current()
    ids = group_ids(chats) if platform == "telegram" else [str(900_000 + i) for i in range(chats)]
    subscribe(
        engine, ids if platform == "telegram" else ["1"] * chats, platform=platform,
        channel_ids=None if platform == "telegram" else ids, timezone="Asia/Tokyo",
    )  # fmt: skip
    started = time.perf_counter()
    scheduler_for(engine, services).tick(DUE)
    print(f"  tick enqueued {chats} deliveries in {time.perf_counter() - started:.3f} s")
    return engine, services, ids


def report(label: str, n: int, limit: float, stats: object, sends: list[float], t0: float) -> None:
    rate = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else float("nan")
    first = sends[0] - t0
    print(
        f"  {label}: {n} messages; {rate:.1f}/s = {rate / limit:.1%} of the platform's {limit:g}/s"
    )
    print(f"  first message {first * 1000:.0f} ms after the worker started (Bot login included)")
    print(f"  worker stats: {stats}")


async def telegram(url: str, chats: int, limit: int, rate: float) -> None:
    engine, services, ids = prepare(url, chats)
    before = rss_mb()
    with ServerThread(LimitedBotAPI(token=TOKEN, limit=limit)) as api:
        api.add_chats(ids)
        t0 = time.perf_counter()
        stats, worker = await run_telegram_worker(engine, services, api.base_url, rate=rate)
        elapsed = time.perf_counter() - t0
        sends = [c.at for c in api.sent()]
        floods = len(api.floods())
    report("telegram", len(sends), 30.0, stats, sends, t0)
    print(f"  {elapsed:.1f} s in all; 429 answers: {floods}; renders: {worker.renderer.renders}")
    print(f"  memory: process peak RSS {before:.0f} MiB before the fan-out, {rss_mb():.0f} MiB "
          "after (the fake server and its record of every call included)")  # fmt: skip
    print(f"  states: {state_counts(engine)}")


async def discord_fanout(url: str, chats: int) -> None:
    import discord
    from discord.http import HTTPClient

    from bot.discord.adapter import use_api_base
    from bot.discord.send import DiscordSender

    engine, services, _ids = prepare(url, chats, platform="discord")
    fake = ChannelDiscord(token="bench-token")
    with ServerThread(fake):
        previous = use_api_base(fake.api_base)
        http = HTTPClient(asyncio.get_running_loop())
        await http.static_login("bench-token")
        pacer = Pacer(DEFAULT_LIMITS)
        worker = DeliveryWorker(
            DeliveryQueue(engine),  # type: ignore[arg-type]
            {"discord": DiscordSender(http)},
            DeliveryRenderer(services),
            pacer,
            config=WorkerConfig(poll_seconds=0.2),
        )
        t0 = time.perf_counter()
        stats = await worker.run(until_idle=True)
        await http.close()
        discord.http.Route.BASE = previous
        sends = [c.at for c in fake.calls_to("POST", r"^/channels/\d+/messages$")]
    report("discord", len(sends), DEFAULT_LIMITS["discord"].per_second, stats, sends, t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=600)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--only", choices=("telegram", "capacity", "discord"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("telegram", "capacity", "discord"):
            if args.only and name != args.only:
                continue
            url = args.database or f"sqlite:///{Path(tmp) / f'{name}.sqlite3'}"
            print(f"{name} ({url.split(':')[0]}, {args.chats} chats):")
            if name == "telegram":
                asyncio.run(telegram(url, args.chats, 30, 30.0))
            elif name == "capacity":
                asyncio.run(telegram(url, max(args.chats, 2000), 0, 10_000.0))
            else:
                asyncio.run(discord_fanout(url, args.chats))


if __name__ == "__main__":
    main()
