"""Discord latency: INTERACTION_CREATE dispatched by the fake Discord → callback POST received.

The real discord.py client runs against the local fake (tests/support/fake_discord.py) on one
event loop, with the snapshot warm, as after a refresh. Interactions are sent one at a time
(the latency of one answer, not throughput); the first few warm up the thread pool and caches.

Run: python benchmarks/bench_discord.py [--count 300] [--subcommand now] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.storage.database import open_database  # noqa: E402
from tests.support.discord_harness import running_bot, warm_services, with_settings  # noqa: E402

WARMUP = 10


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


async def measure(count: int, subcommand: str, concurrency: int, workdir: Path) -> list[float]:
    started = time.perf_counter()
    services = warm_services(f"sqlite:///{workdir / 'store.sqlite3'}")
    print(f"  store from seed + snapshot computed: {time.perf_counter() - started:.2f} s")
    engine = open_database(f"sqlite:///{workdir / 'settings.sqlite3'}")
    latencies: list[float] = []
    async with running_bot(with_settings(services, engine)) as (fake, _adapter):

        async def one() -> float:
            exchange = await fake.interact(fake.slash(subcommand))
            call = await exchange.callback(timeout=10)
            assert call.status == 200 and call.body["type"] == 4, "expected an immediate answer"
            return call.at - exchange.dispatched_at

        for _ in range(WARMUP):
            await one()
        remaining = count
        while remaining > 0:
            batch = min(concurrency, remaining)
            latencies += await asyncio.gather(*(one() for _ in range(batch)))
            remaining -= batch
    engine.dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="interactions measured (≥200)")
    parser.add_argument("--subcommand", default="now", help="/carry subcommand without options")
    parser.add_argument("--concurrency", type=int, default=1, help="interactions in flight")
    args = parser.parse_args()
    print(
        f"Discord /carry {args.subcommand}: {args.count} interactions, "
        f"{args.concurrency} in flight, warm snapshot"
    )
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(measure(args.count, args.subcommand, args.concurrency, Path(tmp)))
    ms = [value * 1000 for value in latencies]
    print(
        f"  interaction → callback: p50 {percentile(ms, 0.50):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms (n={len(ms)})"
    )


if __name__ == "__main__":
    main()
