"""The send budget every process on PostgreSQL shares: one row per bot token, slots one
interval apart whoever takes them, a retry_after for all, replies ahead of deliveries."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from analytics.storage.database import open_database
from analytics.storage.schema import send_budgets_table
from bot.sending.budget import SharedSlots, bucket_name, make_pacer
from bot.sending.pacing import DELIVERY, REPLY, LocalSlots, Pacer

RATE = 20.0


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    engine = open_database(postgres_url)
    yield engine
    engine.dispose()


def test_the_bucket_is_named_by_platform_and_a_hash_never_the_token() -> None:
    name = bucket_name("telegram", "123456:SECRET-token")
    assert name.startswith("telegram:") and "SECRET" not in name and "123456" not in name
    assert name == bucket_name("telegram", "123456:SECRET-token")
    assert name != bucket_name("telegram", "123456:OTHER-token")


def test_on_sqlite_a_process_paces_alone(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    pacer = make_pacer(engine, {"telegram": "1:T"})
    assert isinstance(pacer.source("telegram"), LocalSlots)
    engine.dispose()


@pytest.mark.postgres
def test_two_sources_on_one_token_share_its_rate_and_one_alone_gets_all_of_it(
    pg: Engine,
) -> None:
    bucket = bucket_name("telegram", "1:T")
    a, b = SharedSlots(pg, bucket, RATE), SharedSlots(pg, bucket, RATE)

    async def take(source: SharedSlots, n: int) -> list[float]:
        slots = []
        for _ in range(n):
            due = await source.reserve(False)
            assert due is not None
            slots.append(due)
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        return slots

    async def main() -> tuple[list[float], list[float], list[float]]:
        both = await asyncio.gather(take(a, 20), take(b, 20))
        alone = await take(a, 20)
        return both[0], both[1], alone

    first, second, alone = asyncio.run(main())
    together = sorted(first + second)
    gaps = [later - earlier for earlier, later in itertools.pairwise(together)]
    assert min(gaps) >= 0.75 / RATE - 0.01  # one interval apart, whoever reserved
    assert (together[-1] - together[0]) >= 39 / RATE * 0.95  # 40 slots: the rate of one token
    assert (alone[-1] - alone[0]) <= 19 / RATE * 1.1  # alone: every slot
    a.close()
    b.close()


@pytest.mark.postgres
def test_a_retry_after_pauses_every_process_on_the_token(pg: Engine) -> None:
    bucket = bucket_name("telegram", "2:T")
    a, b = SharedSlots(pg, bucket, RATE), SharedSlots(pg, bucket, RATE)

    async def main() -> float:
        a.pause(1.5)
        await asyncio.sleep(0.2)  # the pause is written in the background
        due = await b.reserve(False)
        assert due is not None
        return due - time.monotonic()

    assert asyncio.run(main()) >= 1.2
    with pg.connect() as conn:
        [paused] = conn.execute(
            select(send_budgets_table.c.paused_until).where(send_budgets_table.c.bucket == bucket)
        ).scalars()
    assert paused > 0
    a.close()
    b.close()


@pytest.mark.postgres
def test_while_one_process_sends_replies_the_others_deliveries_wait(pg: Engine) -> None:
    bucket = bucket_name("telegram", "3:T")
    replies = Pacer(slots=lambda _name, rate: SharedSlots(pg, bucket, rate))
    deliveries = Pacer(slots=lambda _name, rate: SharedSlots(pg, bucket, rate))

    async def main() -> tuple[list[float], list[float]]:
        reply_times: list[float] = []
        delivery_times: list[float] = []

        async def reply() -> None:
            reply_times.append(await replies.acquire("telegram", REPLY))

        async def deliver() -> None:
            delivery_times.append(await deliveries.acquire("telegram", DELIVERY))

        await asyncio.gather(*(reply() for _ in range(15)), *(deliver() for _ in range(5)))
        return reply_times, delivery_times

    reply_times, delivery_times = asyncio.run(main())
    # at most the slot the other process had reserved goes before the replies
    assert sum(1 for t in delivery_times if t < max(reply_times)) <= 1
    replies.close()
    deliveries.close()
