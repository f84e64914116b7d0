"""The intraday poller over replayed weeks: Twelve Data requests per UTC day and hour, and the
CPU and memory one replayed day costs.

The poller and the intraday alert step run in this process against local fakes of Twelve Data
and Kraken serving the real MT5 hourly USD/JPY and Binance 5-minute Bitcoin bars of
``shared/data/raw/intraday`` (``tests/support/intraday_replay.py``), on a clock that jumps from
one due poll to the next. The fake refuses beyond the free plan (8 a minute, 800 a day).

Run: python benchmarks/bench_intraday_poller.py [--week 2024-07-29] [--day 2024-08-05]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.storage.database import open_database  # noqa: E402
from commands.settings.model import ChatKey  # noqa: E402
from tests.support import realdata  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.intraday_replay import (  # noqa: E402
    KrakenFake,
    ReplayClock,
    TwelveDataFake,
    replay,
)


class Chat:
    timezone, language, alerts, intraday_alerts = "Asia/Tokyo", "en", True, True
    pressure_threshold, move_threshold = 65, 2.0


class Chats:
    def alerting(self) -> list[tuple[ChatKey, Chat]]:
        return [(ChatKey("telegram", "-1001"), Chat())]


def run(start: datetime, end: datetime, close_day: str) -> tuple[TwelveDataFake, int, float]:
    clock = ReplayClock(start)
    with tempfile.TemporaryDirectory() as tmp, LocalServer() as server:
        fake = TwelveDataFake(clock)
        fake.install(server)
        KrakenFake(clock).install(server)
        os.environ["CARRYBOT_TWELVEDATA_URL"] = server.url
        os.environ["CARRYBOT_KRAKEN_URL"] = server.url
        engine = open_database(f"sqlite:///{tmp}/bench.sqlite3")
        computation = realdata.computation(close_day)
        cpu = time.process_time()
        result = replay(
            engine, server, clock, end, computation=computation, chats=Chats(), fx_interval="1h"
        )
        cpu = time.process_time() - cpu
        engine.dispose()
    return fake, len(result.alerts), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2024-07-29", help="a Monday (UTC)")
    parser.add_argument("--day", default="2024-08-05", help="the day whose cost is measured")
    args = parser.parse_args()
    monday = datetime.fromisoformat(args.week).replace(tzinfo=UTC)
    realdata.computation((monday - timedelta(days=3)).strftime("%Y-%m-%d"))  # warm the cache
    fake, alerts, cpu = run(
        monday - timedelta(hours=4),
        monday + timedelta(days=6),
        f"{monday - timedelta(days=3):%Y-%m-%d}",
    )
    hours: Counter[tuple[object, int]] = Counter()
    for minute, count in fake.per_minute.items():
        hours[(minute.date(), minute.hour)] += count
    days = sorted({d for d, _ in hours})
    print(f"Twelve Data requests per UTC hour, week of {monday:%d %b %Y} ({alerts} alert(s)):")
    print("day        " + " ".join(f"{h:>3}" for h in range(24)) + "   total")
    for day in days:
        row = [hours.get((day, h), 0) for h in range(24)]
        print(f"{day} " + " ".join(f"{n:>3}" for n in row) + f"   {sum(row):>5}")
    print(f"busiest minute: {max(fake.per_minute.values())} request(s) (limit 8); "
          f"busiest day: {max(fake.per_day.values())} (limit 800); refused: {fake.refused}")  # fmt: skip

    day = datetime.fromisoformat(args.day).replace(tzinfo=UTC)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall = time.perf_counter()
    fake, alerts, cpu = run(
        day - timedelta(hours=3), day + timedelta(days=1), f"{day - timedelta(days=3):%Y-%m-%d}"
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    polls = sum(fake.per_day.values())
    print(f"one replayed day ({day:%d %b %Y}): {polls} polls, {alerts} alert(s); "
          f"CPU {cpu:.1f} s ({cpu / max(polls, 1) * 1000:.0f} ms a poll, the fakes included), "
          f"wall {wall:.1f} s; "
          f"max RSS {after / 1024:.0f} MB (+{(after - before) / 1024:.0f} MB over the day)")  # fmt: skip


if __name__ == "__main__":
    main()
