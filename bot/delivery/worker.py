"""The delivery worker: claim due deliveries, render each message set once, send paced, confirm.

A worker claims a small batch (so a crash leaves little in hand), renders once per (kind,
format, language, snapshot version) and hands each delivery to its platform's ``Sender`` as
soon as the chat's window allows, with at most ``concurrency`` sends in flight: a slow or failing
chat holds one slot, never the queue. Every send is marked ``sending`` in the database when its
platform slot is next (``pacing.LEAD`` before it, so the write does not cost the slot) and
right before the request, and confirmed right after, so what a crash leaves ambiguous is only
what was on the wire or about to be.

What each outcome a sender returns (``bot.sending.sender``) does: ``RetryAfter`` pauses the
platform and puts the delivery back in the queue; ``Blocked`` and ``BadRequest`` fail it;
``NotSent`` retries with backoff up to ``max_attempts`` (an unreachable platform, an outage, is
waited out every ``outage_retry_seconds`` without using attempts, up to ``give_up_after``);
``Ambiguous`` (it may have been posted) is resent only where the platform de-duplicates by
nonce, otherwise left ``ambiguous``. Any failure after some of the messages were posted fails
the delivery unless resending is idempotent.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.delivery.queue import (
    AMBIGUOUS,
    DEFAULT_LEASE,
    FAILED,
    SKIPPED,
    Delivery,
    DeliveryQueue,
    worker_id,
)
from bot.delivery.rendering import DeliveryRenderer, Rendered
from bot.metrics import SEND_SECONDS
from bot.sending.pacing import Pacer
from bot.sending.sender import (
    Ambiguous,
    BadRequest,
    Blocked,
    NotSent,
    Outcome,
    PlatformPacing,
    RetryAfter,
    Sender,
    Sent,
    Target,
)
from commands.presentation.render import Format

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """How hard the worker pushes and how long it keeps trying."""

    concurrency: int = 16
    prefetch: int = 48
    poll_seconds: float = 1.0
    lease: timedelta = DEFAULT_LEASE
    heartbeat_seconds: float = 20.0
    max_attempts: int = 5
    retry_seconds: float = 15.0  # first backoff; doubles per attempt
    give_up_after: timedelta = timedelta(hours=6)  # past its due time a delivery is not retried
    send_timeout: float = 120.0  # a send still running after this is given up as uncertain
    recover_seconds: float = 5.0  # how often a worker short of work looks for dead workers' rows
    outage_retry_seconds: float = 30.0  # a platform that cannot be reached is tried again then


@dataclass
class WorkerStats:
    """What a worker did (monotonic seconds for the timings)."""

    started: float = field(default_factory=time.monotonic)
    first_sent: float | None = None
    last_sent: float | None = None
    sent: int = 0
    retried: int = 0
    failed: int = 0
    ambiguous: int = 0
    skipped: int = 0
    lost: int = 0
    recovered: int = 0


@dataclass
class _Job:
    delivery: Delivery
    rendered: Rendered

    @property
    def chat(self) -> str:
        return self.delivery.target


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryWorker:
    """Claims and sends deliveries for the platforms it has a ``Sender`` for."""

    def __init__(
        self,
        queue: DeliveryQueue,
        senders: Mapping[str, Sender],
        renderer: DeliveryRenderer,
        pacer: Pacer,
        *,
        config: WorkerConfig | None = None,
        disabled: Callable[[], set[tuple[str, str]]] | None = None,
        worker: str | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.queue = queue
        self.senders = dict(senders)
        self.renderer = renderer
        self.pacer = pacer
        self.config = config or WorkerConfig()
        self.disabled = disabled
        self.id = worker or worker_id()
        self.clock = clock
        self.stats = WorkerStats()
        self.in_flight = 0
        self._seq = itertools.count()
        self._blocked: set[tuple[str, str]] = set()
        self._blocked_at = float("-inf")
        self._recovered_at = float("-inf")

    @property
    def platforms(self) -> list[str]:
        return sorted(self.senders)

    async def run(
        self, stop: asyncio.Event | None = None, *, until_idle: bool = False
    ) -> WorkerStats:
        """Deliver until ``stop`` is set (or, with ``until_idle``, until nothing is pending)."""
        stop = stop or asyncio.Event()
        cfg = self.config
        await self._recover()
        heap: list[tuple[float, int, _Job]] = []
        running: set[asyncio.Task[None]] = set()
        stopping = asyncio.create_task(stop.wait())
        keeper = asyncio.create_task(self._keep_alive(stop))
        next_poll = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                room = cfg.prefetch - len(heap) - len(running)
                if room > 0 and now >= next_poll:

                    def ready(jobs: list[_Job]) -> None:
                        for job in jobs:
                            n = len(job.rendered.messages)
                            at = self.pacer.chat_ready_at(job.delivery.platform, job.chat, n)
                            heapq.heappush(heap, (at, next(self._seq), job))
                        self._dispatch(heap, running)

                    claimed = await self._claim(room, ready)
                    next_poll = now if claimed == room else now + cfg.poll_seconds
                    if claimed < room and now - self._recovered_at >= cfg.recover_seconds:
                        # Short of work: rows a dead worker holds may be waiting.
                        await self._recover()
                    if until_idle and not claimed and not heap and not running:
                        pending = await asyncio.to_thread(self.queue.pending, self.platforms)
                        if pending == 0:
                            break
                self._dispatch(heap, running)
                await self._wait(heap, running, stopping, next_poll, room)
        finally:
            stopping.cancel()
            keeper.cancel()
            if running:
                await asyncio.wait(running, timeout=cfg.send_timeout)
            await asyncio.to_thread(self.queue.release, self.id)
        return self.stats

    def _dispatch(
        self, heap: list[tuple[float, int, _Job]], running: set[asyncio.Task[None]]
    ) -> None:
        """Start every delivery whose chat is ready, while there is a free slot."""
        while heap and len(running) < self.config.concurrency:
            ready, _, job = heap[0]
            now = self.pacer.clock()
            if ready > now:
                return
            heapq.heappop(heap)
            platform, n = job.delivery.platform, len(job.rendered.messages)
            again = self.pacer.chat_ready_at(platform, job.chat, n, now)
            if again > now:  # another delivery to the same chat went first
                heapq.heappush(heap, (again, next(self._seq), job))
                continue
            self.pacer.take_chat(platform, job.chat, n)
            task = asyncio.create_task(self._deliver(job))
            running.add(task)

    async def _wait(
        self,
        heap: list[tuple[float, int, _Job]],
        running: set[asyncio.Task[None]],
        stopping: asyncio.Task[Any],
        next_poll: float,
        room: int,
    ) -> None:
        now = time.monotonic()
        timeout = self.config.poll_seconds
        if room > 0:
            timeout = min(timeout, max(0.0, next_poll - now))
        if heap and len(running) < self.config.concurrency:
            timeout = min(timeout, max(0.0, heap[0][0] - self.pacer.clock()))
        if timeout <= 0 and not (heap and len(running) < self.config.concurrency):
            await asyncio.sleep(0)
            return
        done, _ = await asyncio.wait(
            {*running, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            if task is stopping:
                continue
            running.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("a delivery task failed", exc_info=task.exception())

    # -- claiming ----------------------------------------------------------------------------

    async def _claim(self, limit: int, ready: Callable[[list[_Job]], None]) -> int:
        """Claim up to ``limit`` rows; hand them to ``ready`` as each message set is rendered
        (the first language goes out while the next renders). Returns how many were claimed."""
        rows = await asyncio.to_thread(
            self.queue.claim, self.id, limit, self.clock(), self.platforms
        )
        if not rows:
            return 0
        blocked = await self._blocked_chats()
        groups: dict[tuple[str, Format, str, str], list[Delivery]] = {}
        for row in rows:
            if (row.platform, row.chat_id) in blocked or (row.platform, row.target) in blocked:
                await self._finish(row, SKIPPED, "the chat is disabled (blocked or removed)")
                continue
            fmt = self.senders[row.platform].format
            key = (row.kind, fmt, row.locale, json.dumps(row.payload, sort_keys=True))
            groups.setdefault(key, []).append(row)
        for (kind, fmt, locale, _), members in groups.items():
            try:
                rendered = await asyncio.to_thread(
                    self.renderer.rendered, kind, fmt, locale, members[0].payload
                )
            except Exception as exc:
                log.exception("rendering %s (%s, %s) failed", kind, fmt, locale)
                rendered = Rendered((), "", f"rendering failed: {type(exc).__name__}")
            if not rendered.messages:
                for row in members:
                    await self._not_ready(row, rendered.problem)
                continue
            ready([_Job(row, rendered) for row in members])
        return len(rows)

    async def _blocked_chats(self) -> set[tuple[str, str]]:
        if self.disabled is None:
            return set()
        if time.monotonic() - self._blocked_at > 30.0:
            self._blocked = await asyncio.to_thread(self.disabled)
            self._blocked_at = time.monotonic()
        return self._blocked

    async def _not_ready(self, row: Delivery, problem: str) -> None:
        """Nothing to send yet (no data): try again in a few minutes, within reason."""
        now = self.clock()
        if now - row.due_at > self.config.give_up_after:
            await self._finish(row, FAILED, problem)
        else:
            await asyncio.to_thread(
                self.queue.retry, row.id, self.id, problem, now + timedelta(minutes=5), now
            )

    # -- sending -----------------------------------------------------------------------------

    async def _deliver(self, job: _Job) -> None:
        row = job.delivery
        sender = self.senders[row.platform]
        target = Target(row.platform, row.chat_id, row.channel_id, row.nonce)
        # Told just before its slot, the row is marked while the slot comes, then sent.
        slot = await self.pacer.acquire(row.platform, early=True)
        if not await asyncio.to_thread(self.queue.mark_sending, row.id, self.id, self.clock()):
            self.stats.lost += 1
            log.warning("delivery %s was taken from this worker before sending", row.id)
            return
        await self.pacer.until(slot)
        if self.pacer.missed(row.platform, slot):  # the database was slow to answer
            await self.pacer.acquire(row.platform)
        attempts = row.attempts + 1
        self.in_flight += 1
        pacing = PlatformPacing(
            lambda: self.pacer.acquire(row.platform),
            lambda seconds: self.pacer.pause(row.platform, seconds),
        )
        started = time.perf_counter()
        try:
            outcome = await asyncio.wait_for(
                sender.send(target, job.rendered.messages, pacing), self.config.send_timeout
            )
            SEND_SECONDS.labels(row.platform, "delivery").observe(time.perf_counter() - started)
        except TimeoutError:
            reason = f"no answer within {self.config.send_timeout:g} s"
            outcome = Ambiguous(reason)
        except Exception as exc:  # a bug or an unexpected library error: it may have gone out
            log.exception("sending delivery %s failed unexpectedly", row.id)
            await self._finish(row, AMBIGUOUS, f"unexpected error: {type(exc).__name__}")
            return
        try:
            await self._settle(row, sender, job, outcome, attempts)
        finally:
            self.in_flight -= 1

    async def _settle(
        self, row: Delivery, sender: Sender, job: _Job, outcome: Outcome, attempts: int
    ) -> None:
        """Confirm, retry or finish the delivery as its outcome says."""
        if isinstance(outcome, Sent):
            confirmed = await asyncio.to_thread(
                self.queue.confirm,
                row.id,
                self.id,
                list(outcome.message_ids),
                job.rendered.version,
                self.clock(),
            )
            stamp = time.monotonic()
            if self.stats.first_sent is None:
                self.stats.first_sent = stamp
            self.stats.last_sent = stamp
            self.stats.sent += 1
            if not confirmed:
                log.warning("delivery %s was sent but its row was taken over meanwhile", row.id)
            return
        reason = outcome.reason
        if isinstance(outcome, RetryAfter):
            reason = f"{reason} (retry after {outcome.seconds:g} s)"
        if outcome.posted:
            n = len(job.rendered.messages)
            reason = f"{len(outcome.posted)} of {n} messages posted, then: {reason}"
        if isinstance(outcome, Blocked | BadRequest) or (outcome.posted and not sender.idempotent):
            await self._finish(row, FAILED, reason)
        elif isinstance(outcome, RetryAfter):
            self.pacer.pause(row.platform, outcome.seconds)
            await self._retry(row, reason, outcome.seconds, count=False)
        elif isinstance(outcome, NotSent) and outcome.unreachable:
            # An outage: the delivery waits it out (within give_up_after), using no attempt.
            if self.clock() - row.due_at > self.config.give_up_after:
                await self._finish(row, FAILED, f"{reason} (for {self.config.give_up_after})")
            else:
                seconds = self.config.outage_retry_seconds
                await self._retry(row, reason, seconds, count=False, refund=True)
        elif isinstance(outcome, NotSent):
            await self._retry_or_fail(row, attempts, reason, FAILED)
        elif sender.idempotent:  # Ambiguous: a resend with the same nonce cannot post twice
            await self._retry_or_fail(row, attempts, reason, AMBIGUOUS)
        else:
            await self._finish(row, AMBIGUOUS, reason)

    def _backoff(self, attempts: int) -> float:
        return self.config.retry_seconds * 2 ** max(0, attempts - 1)

    async def _retry_or_fail(self, row: Delivery, attempts: int, reason: str, final: str) -> None:
        too_old = self.clock() - row.due_at > self.config.give_up_after
        if attempts >= self.config.max_attempts or too_old:
            await self._finish(row, final, f"{reason} (after {attempts} attempt(s))")
        else:
            await self._retry(row, reason, self._backoff(attempts))

    async def _retry(
        self, row: Delivery, reason: str, seconds: float, count: bool = True, refund: bool = False
    ) -> None:
        now = self.clock()
        again = now + timedelta(seconds=seconds)
        await asyncio.to_thread(
            lambda: self.queue.retry(row.id, self.id, reason, again, now, refund=refund)
        )
        self.stats.retried += 1
        log.info("delivery %s to %s %s: %s; again in %.0f s", row.id, row.platform, row.target,
                 "retry" if count else "paused", reason, seconds)  # fmt: skip

    async def _finish(self, row: Delivery, state: str, reason: str) -> None:
        await asyncio.to_thread(self.queue.finish, row.id, self.id, state, reason, self.clock())
        if state == FAILED:
            self.stats.failed += 1
        elif state == AMBIGUOUS:
            self.stats.ambiguous += 1
        else:
            self.stats.skipped += 1
        log.warning("delivery %s (%s %s %s %s) %s: %s", row.id, row.platform, row.target,
                    row.kind, row.key, state, reason)  # fmt: skip

    # -- leases ------------------------------------------------------------------------------

    async def _recover(self) -> None:
        self._recovered_at = time.monotonic()
        result = await asyncio.to_thread(
            self.queue.recover, self.id, self.clock(), self.config.lease
        )
        total = result.requeued_claims + result.requeued_with_nonce + result.ambiguous
        self.stats.recovered += total
        if total:
            log.warning(
                "recovered a dead worker's deliveries: %d claim(s) requeued, %d resent with their "
                "nonce, %d ambiguous (may have been posted; not resent)",
                result.requeued_claims, result.requeued_with_nonce, result.ambiguous,
            )  # fmt: skip

    async def _keep_alive(self, stop: asyncio.Event) -> None:
        """Renew this worker's leases; now and then take over rows of dead workers."""
        beats = 0
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.config.heartbeat_seconds)
                return
            except TimeoutError:
                pass
            beats += 1
            try:
                await asyncio.to_thread(self.queue.heartbeat, self.id, self.clock())
                if beats % 3 == 0:
                    await self._recover()
            except Exception:
                log.exception("renewing delivery leases failed")
