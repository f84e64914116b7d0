"""Fan-out across processes: one, two and three sending processes on one PostgreSQL database and
one bot token, as a share of Telegram's 30 messages a second.

Each configuration gets a fresh database: a ``carrybot run --no-refresh`` and N−1
``carrybot worker`` processes (real processes, as an operator starts them) against the fake Bot
API, which answers 429 beyond 30 messages in any second. Once every process is healthy, the
chats' briefings fall due; the figures are the combined steady rate (middle 80% of the sends),
its share of the limit, the busiest second, flood errors, chats briefed twice, and how the
sends split between the processes (the budget is shared, not divided up front).

Run: python benchmarks/bench_processes.py [--chats 300] [--processes 1 2 3]
(needs PostgreSQL; ``CARRYBOT_TEST_PG_URL`` names the server, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from analytics.ingest.seed import open_seeded_store  # noqa: E402
from bot.delivery.queue import DeliveryQueue  # noqa: E402
from tests.support.burst import busiest  # noqa: E402
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread  # noqa: E402
from tests.support.fanout import TOKEN, group_ids, subscribe  # noqa: E402
from tests.support.processes import (  # noqa: E402
    enqueue_briefings_due_now,
    senders,
    start,
    wait_healthy,
)

LIMIT = 30.0
ADMIN = os.environ.get(
    "CARRYBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    name = f"carrybot_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def steady_rate(times: list[float], trim: float = 0.1) -> float:
    times = sorted(times)
    low, high = int(len(times) * trim), int(len(times) * (1 - trim)) - 1
    return (high - low) / (times[high] - times[low]) if high > low else 0.0


def measure(processes: int, chats: int, home: Path) -> None:
    with fresh_database() as url:
        store = open_seeded_store(url)
        engine = store.engine
        ids = group_ids(chats)
        with ServerThread(LimitedBotAPI(token=TOKEN, limit=30, window=1.0)) as api:
            api.add_chats(ids)
            commands = ["run"] + ["worker"] * (processes - 1)
            bots = [start(command, url, api.base_url, home) for command in commands]
            try:
                wait_healthy(bots)
                subscribe(engine, ids, briefing_time=f"{datetime.now(UTC):%H:%M}", timezone="UTC")
                enqueue_briefings_due_now(engine)
                queue = DeliveryQueue(engine)
                deadline = time.monotonic() + chats / 10 + 60
                while queue.pending(["telegram"]) and time.monotonic() < deadline:
                    time.sleep(0.2)
                split = senders(engine)
            finally:
                for bot in bots:
                    bot.stop()
            sent = api.sent()
            floods = len(api.floods())
        engine.dispose()
    accepted = [call.at for call in sent]
    twice = sum(1 for n in Counter(call.chat_id() for call in sent).values() if n > 1)
    rate = steady_rate(accepted)
    shares = ", ".join(f"{bot.command} {split.get(bot.pid, 0)}" for bot in bots)
    print(
        f"  {processes} process(es): {len(sent)}/{chats} sent, steady {rate:.1f}/s = "
        f"{rate / LIMIT:.0%} of the limit, busiest second {busiest(accepted)}, "
        f"flood errors {floods}, briefed twice {twice}; sent by {shares}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print(f"fan-out of {args.chats} briefings, one bot token, PostgreSQL:")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.processes:
            measure(n, args.chats, Path(tmp))


if __name__ == "__main__":
    main()
