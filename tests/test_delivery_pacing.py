"""Pacing on a controllable clock: the platform rate, per-chat windows, ``retry_after`` pauses."""

from __future__ import annotations

import asyncio
import itertools

from bot.delivery.pacing import DISCORD, TELEGRAM, Pacer, SlidingWindow, TokenBucket


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


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
    rate = 30 * 0.95  # what the pacer allows itself of Telegram's 30 a second
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
    assert pacer.rate("telegram") == 30 * 0.95
    assert Pacer(share=0.5).rate("discord") == 50 * 0.5 * 0.95
