"""Telegram latency: an update served to ``getUpdates`` → the bot's ``sendMessage`` received.

The real python-telegram-bot Application runs against the local fake Bot API
(tests/support/fake_telegram.py) over HTTP on one event loop, long polling, with the snapshot
warm (computed from the bundled seed, as after a refresh). Commands come from group members
(a pool of users, so the moderator lookup is mostly answered from its cache, as in a live
group); ``--concurrency`` spreads updates over that many groups.

Run: python benchmarks/bench_telegram.py [--count 300] [--text "/carry"] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.storage.database import open_database  # noqa: E402
from tests.support import telegram_updates as tu  # noqa: E402
from tests.support.discord_harness import warm_services, with_settings  # noqa: E402
from tests.support.fake_telegram import Call, FakeBotAPI  # noqa: E402
from tests.support.telegram_harness import running_bot  # noqa: E402

WARMUP = 10
USERS = [tu.user(8000 + n, f"Member{n}") for n in range(10)]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def _reply_to(chat_id: int, message_id: int) -> Any:
    def find(api: FakeBotAPI) -> Call | None:
        for call in api.calls_to("sendMessage", chat_id):
            if (call.params.get("reply_parameters") or {}).get("message_id") == message_id:
                return call
        return None

    return find


async def measure(count: int, text: str, concurrency: int, workdir: Path) -> list[float]:
    started = time.perf_counter()
    services = warm_services(f"sqlite:///{workdir / 'store.sqlite3'}")
    print(f"  store from seed + snapshot computed: {time.perf_counter() - started:.2f} s")
    engine = open_database(f"sqlite:///{workdir / 'settings.sqlite3'}")
    groups = [tu.group(-1002000000000 - n, f"Desk {n}") for n in range(concurrency)]
    latencies: list[float] = []
    sequence = 0
    async with running_bot(with_settings(services, engine)) as (api, _adapter):

        async def one(group: dict[str, Any]) -> float:
            nonlocal sequence
            sequence += 1
            update = tu.group_command(text, group, USERS[sequence % len(USERS)])
            update_id = await api.push(update)
            finder = _reply_to(group["id"], update["message"]["message_id"])
            call: Call = await api.wait_for(finder, timeout=10)
            assert call.status == 200, "the fake refused the reply"
            return call.at - api.served_at[update_id]

        for _ in range(WARMUP):
            await one(groups[0])
        remaining = count
        while remaining > 0:
            batch = min(concurrency, remaining)
            latencies += await asyncio.gather(*(one(groups[n]) for n in range(batch)))
            remaining -= batch
        lookups = len(api.calls_to("getChatMember"))
    engine.dispose()
    print(f"  getChatMember lookups: {lookups} (cached {len(USERS)} members × groups)")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="updates measured (≥200)")
    parser.add_argument("--text", default="/carry", help="the command sent")
    parser.add_argument("--concurrency", type=int, default=1, help="updates in flight")
    args = parser.parse_args()
    print(
        f"Telegram {args.text!r}: {args.count} updates, {args.concurrency} in flight, "
        "warm snapshot, long polling"
    )
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(measure(args.count, args.text, args.concurrency, Path(tmp)))
    ms = [value * 1000 for value in latencies]
    print(
        f"  getUpdates served → sendMessage received: p50 {percentile(ms, 0.50):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms (n={len(ms)})"
    )


if __name__ == "__main__":
    main()
