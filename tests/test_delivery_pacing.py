"""Pacing on a controllable clock: the platform rate, per-chat windows, ``retry_after`` pauses."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.sending.pacing import (
    DELIVERY,
    DISCORD,
    REPLY,
    SAFETY,
    TELEGRAM,
    Pacer,
    PlatformLimits,
    SlidingWindow,
    TokenBucket,
)


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # what was woken before runs first, as on a real clock
        self.now += max(0.0, seconds)


def acquire_times(bucket: TokenBucket, clock: FakeTime, n: int) -> list[float]:
    async def main() -> list[float]:
        times = []
        for _ in range(n):
            await bucket.acquire()
            times.append(clock.now)
        return times

    return asyncio.run(main())


def test_the_platform_rate_is_kept_and_no_second_holds_more() -> None:
    clock = FakeTime()
    rate = 30 * SAFETY  # what the pacer allows itself of Telegram's 30 a second
    bucket = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    times = acquire_times(bucket, clock, 300)
    assert (299 - 0.25) / rate - 1e-6 <= times[-1] - times[0] <= 299 / rate + 1e-6
    assert max(sum(1 for t in times if s - 1 < t <= s) for s in times) <= 30


def test_an_idle_spell_does_not_become_a_burst() -> None:
    clock = FakeTime()
    bucket = TokenBucket(10.0, clock=clock, sleep=clock.sleep)
    acquire_times(bucket, clock, 3)
    clock.now += 60
    times = acquire_times(bucket, clock, 5)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.075 - 1e-9  # at most a quarter slot of catch-up


def test_retry_after_pauses_the_platform() -> None:
    clock = FakeTime()
    bucket = TokenBucket(30.0, clock=clock, sleep=clock.sleep)
    acquire_times(bucket, clock, 2)
    start = clock.now
    bucket.pause(3)
    [after] = acquire_times(bucket, clock, 1)
    assert after >= start + 3


def test_a_sliding_window_is_exact() -> None:
    window = SlidingWindow(5, 5.0)
    for t in (0.0, 0.1, 0.2, 0.3, 0.4):
        assert window.ready_at(t) == t
        window.take(t)
    assert window.ready_at(1.0) == 5.0
    assert window.ready_at(1.0, n=2) == 5.1
    assert window.ready_at(5.0) == 5.0


def test_chat_windows_follow_each_platform() -> None:
    clock = FakeTime()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert TELEGRAM.chat_window("-100123") == (20, 60.0)
    assert TELEGRAM.chat_window("4242") == (1, 1.0)
    assert DISCORD.chat_window("998877") == (5, 5.0)
    pacer.take_chat("telegram", "-100123", 20)
    assert pacer.chat_ready_at("telegram", "-100123") == clock.now + 60
    assert pacer.chat_ready_at("telegram", "-100999") == clock.now  # other chats unaffected
    pacer.take_chat("telegram", "4242")
    assert pacer.chat_ready_at("telegram", "4242") == clock.now + 1
    assert pacer.rate("telegram") == 30 * SAFETY
    assert pacer.rate("discord") == 50 * SAFETY


FAST = {"telegram": PlatformLimits(per_second=200.0, group=(20, 60.0), private=(1, 1.0))}
INTERVAL = 1 / (200.0 * SAFETY)
SLOW = {"telegram": PlatformLimits(per_second=20.0, group=(20, 60.0), private=(1, 1.0))}


# Several tasks sleep at once below, which a clock that moves only when slept cannot model:
# these run on the real clock, at a fast rate.


def test_replies_take_the_next_slots_ahead_of_waiting_deliveries() -> None:
    # Slots far enough apart that a busy machine never misses one: a missed slot is given up
    # for the next (by design), which would reorder the deliveries this test lines up.
    pacer = Pacer(SLOW)
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await pacer.acquire("telegram", priority)
        order.append(name)

    async def main() -> None:
        deliveries = [asyncio.create_task(take(f"d{i}", DELIVERY)) for i in range(5)]
        await asyncio.sleep(0)  # the deliveries queue; the first one's slot is due now
        replies = [asyncio.create_task(take(f"r{i}", REPLY)) for i in range(3)]
        await asyncio.gather(*deliveries, *replies)

    asyncio.run(main())
    # the replies take the next slots (the first delivery's may already be on its way)
    assert {"r0", "r1", "r2"} <= set(order[:4])
    assert [name for name in order if name.startswith("r")] == ["r0", "r1", "r2"]
    assert [name for name in order if name.startswith("d")] == ["d0", "d1", "d2", "d3", "d4"]


def test_slots_stay_apart_whatever_the_priority_and_a_pause_holds_them_all() -> None:
    pacer = Pacer(FAST)
    times: list[float] = []

    async def take(priority: int) -> None:
        times.append(await pacer.acquire("telegram", priority))

    async def main() -> None:
        await asyncio.gather(*(take(REPLY if i % 3 else DELIVERY) for i in range(60)))
        start = time.monotonic()
        pacer.pause("telegram", 0.3)
        assert 0.29 < pacer.paused_for("telegram") <= 0.3
        await asyncio.gather(take(REPLY), take(DELIVERY))
        assert min(times[-2:]) >= start + 0.3

    asyncio.run(main())
    times.sort()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.75 * INTERVAL - 1e-9  # a quarter slot of catch-up at most


def test_a_waiter_that_gives_up_does_not_take_a_slot() -> None:
    pacer = Pacer(SLOW)  # slots far enough apart that a busy machine never misses one

    async def main() -> list[float]:
        first = asyncio.create_task(pacer.acquire("telegram", DELIVERY))
        gone = asyncio.create_task(pacer.acquire("telegram", REPLY))
        await asyncio.sleep(0)
        gone.cancel()
        second = await pacer.acquire("telegram", DELIVERY)
        assert pacer.waiting("telegram") == 0
        return [await first, second]

    first, second = asyncio.run(main())
    assert second - first == pytest.approx(1 / (20.0 * SAFETY))  # the very next slot


def test_a_reply_waits_for_its_chat_window() -> None:
    clock = FakeTime()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    pacer.take_chat("telegram", "-100123", 20)
    start = clock.now

    async def main() -> float:
        await pacer.reply_pacing("telegram", "-100123").next_request()
        return clock.now

    assert asyncio.run(main()) >= start + 60


def test_one_chats_flood_pauses_that_chat_only() -> None:
    clock = FakeTime()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert pacer.flooded("telegram", "-100busy", 40.0) is False
    assert pacer.paused_for("telegram") == 0.0  # the other chats go on
    assert pacer.chat_paused_for("telegram", "-100busy") == 40.0
    assert pacer.chat_ready_at("telegram", "-100busy") == clock.now + 40.0
    assert pacer.chat_ready_at("telegram", "-100quiet") == clock.now
    clock.now += 40.0
    assert pacer.chat_ready_at("telegram", "-100busy") == clock.now


def test_floods_in_several_chats_at_once_pause_the_platform() -> None:
    """Telegram does not say a 429 is its 30-a-second limit: three chats at once say it."""
    clock = FakeTime()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert not pacer.flooded("telegram", "-1", 3.0)
    clock.now += 0.5
    assert not pacer.flooded("telegram", "-1", 3.0)  # the same chat again: still that chat's
    assert not pacer.flooded("telegram", "-2", 3.0)
    clock.now += 0.5
    assert pacer.flooded("telegram", "-3", 3.0)
    assert pacer.paused_for("telegram") == 3.0
    clock.now += 10.0  # long apart: chat floods again
    assert not pacer.flooded("telegram", "-4", 1.0) and not pacer.flooded("telegram", "-5", 1.0)
    assert pacer.paused_for("telegram") == 0.0


def test_a_flood_the_platform_calls_global_pauses_it_at_once() -> None:
    clock = FakeTime()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert pacer.flooded("discord", "9001", 2.0, scope="global")
    assert pacer.paused_for("discord") == 2.0
    assert not pacer.flooded("discord", "9002", 9.0, scope="chat")
    assert pacer.paused_for("discord") == 2.0


def test_a_halted_pacer_ends_every_wait_with_stopped() -> None:
    from bot.sending.sender import Stopped

    pacer = Pacer()

    async def main() -> list[BaseException | float]:
        pacer.pause("telegram", 60)  # waiting out a flood pause
        waits = [asyncio.ensure_future(pacer.acquire("telegram", p)) for p in (REPLY, DELIVERY)]
        reply = asyncio.ensure_future(pacer.reply_pacing("telegram", "-1").next_request())
        await asyncio.sleep(0.05)
        pacer.halt()
        done = await asyncio.wait_for(
            asyncio.gather(*waits, reply, return_exceptions=True), timeout=1
        )
        with pytest.raises(Stopped):
            await pacer.acquire("telegram")
        return list(done)

    results = asyncio.run(main())
    assert all(isinstance(result, Stopped) for result in results), results
