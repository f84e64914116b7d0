"""Reply burst: N groups send ``/carry`` in the same second; throughput and latency of the answers.

The real Telegram adapter (long polling) answers against the fake Bot API, which allows 30
messages in any second and answers 429 with ``retry_after`` beyond. Replies go through the send
budget (ahead of deliveries) and wait out flood control. Figures: groups answered, flood errors,
``getChatMember`` calls, the steady reply rate (middle 80% of the run) as a share of Telegram's
30 a second, and latency from the command to the accepted reply (p50, p99, max). With
``--database postgresql+psycopg://…`` the replies take their slots from the token's budget in
the database (what several processes share).

Run: python benchmarks/bench_replies.py [--groups 300] [--database URL] [--repeat 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.burst import burst  # noqa: E402
from tests.support.chat import make_services  # noqa: E402

LIMIT = 30.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'replies.sqlite3'}"
        services = make_services(url)
        services.snapshots.current()
        shared = services.settings.engine.dialect.name == "postgresql"
        budget = "shared budget in PostgreSQL" if shared else "this process's own budget"
        print(f"reply burst: {args.groups} groups send /carry at once ({budget})")
        for run in range(args.repeat):
            result = asyncio.run(burst(services, args.groups, shared=shared))
            rate = result.steady_rate()
            latencies = result.latencies
            print(
                f"  run {run + 1}: answered {result.answered}/{args.groups}, "
                f"lost {result.lost}, flood errors {result.floods}, "
                f"getChatMember {result.lookups}, busiest second {result.busiest_second}"
            )
            print(
                f"         steady rate {rate:.1f}/s = {rate / LIMIT:.0%} of {LIMIT:g}/s; "
                f"latency p50 {percentile(latencies, 0.5):.2f} s, "
                f"p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s"
            )
        services.settings.engine.dispose()


if __name__ == "__main__":
    main()
