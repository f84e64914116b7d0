"""The delivery worker: claim due deliveries, render each message set once, send paced, confirm.

A worker claims a small batch (so a crash leaves little in hand), renders once per (kind,
format, language, snapshot version) and hands each delivery to its platform's ``Sender`` as
soon as the chat's window allows, with at most ``concurrency`` sends in flight: a slow or failing
chat holds one slot, never the queue. Every send is marked ``sending`` in the database after
its platform slot is granted and right before the request, and confirmed right after, so what
a crash leaves ambiguous is only what was truly on the wire.

Outcomes a sender reports (typed errors below): ``RetryLater`` (flood control: the platform
pauses, the delivery goes back to the queue), ``Blocked`` (the chat is disabled: failed),
``Rejected`` (the platform refused the content: failed), ``Transient`` (certainly not posted:
retried with backoff up to ``max_attempts``), ``Uncertain`` (may have been posted: resent only
where the platform de-duplicates by nonce, otherwise ``ambiguous``), ``PartlySent`` (some of the
messages were posted).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot.deliveries import (
    AMBIGUOUS,
    DEFAULT_LEASE,
    FAILED,
    SKIPPED,
    Delivery,
    DeliveryQueue,
    worker_id,
)
from bot.pacing import Pacer
from commands.layout import Message
from commands.render import Format, render
from commands.reply import Reply

log = logging.getLogger(__name__)

Pace = Callable[[], Awaitable[object]]


# --- what a sender is -------------------------------------------------------------------------


class SendError(Exception):
    """A send did not go through; ``reason`` is kept in the deliveries table."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SendError):
    """Flood control: nothing was posted; wait ``seconds`` before anything else goes out."""

    def __init__(self, seconds: float, reason: str = "flood control") -> None:
        super().__init__(f"{reason} (retry after {seconds:g} s)")
        self.seconds = seconds


class Blocked(SendError):
    """The chat blocked or removed the bot, or took its right to post (now disabled)."""


class Rejected(SendError):
    """The platform refused the message itself; sending it again would fail the same way."""


class Transient(SendError):
    """Certainly not posted (no connection, a server error before it was accepted)."""


class Uncertain(SendError):
    """It may have been posted (a timeout after the request left, a dropped connection)."""


class PartlySent(SendError):
    """Some of the delivery's messages were posted (ids in ``message_ids``), then one failed."""

    def __init__(self, reason: str, message_ids: Sequence[str]) -> None:
        super().__init__(reason)
        self.message_ids = list(message_ids)


@dataclass(frozen=True)
class Target:
    """Where a delivery goes, and its nonce for platforms that de-duplicate by one."""

    platform: str
    chat_id: str
    channel_id: str
    nonce: str


class Sender(Protocol):
    """One platform's send: every message in order; returns the platform's message ids.

    ``pace`` must be awaited before each request after the first (the worker has already
    taken the first one's slot), retries included. ``idempotent`` is True when resending with
    the same ``Target.nonce`` cannot post twice."""

    platform: str
    format: Format
    idempotent: bool

    async def send(self, target: Target, messages: Sequence[Message], pace: Pace) -> list[str]: ...


# --- rendering once ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A delivery's messages, the snapshot version they show, or why there are none."""

    messages: tuple[Message, ...]
    version: str
    problem: str = ""


class DeliveryRenderer:
    """Messages per (kind, format, language, snapshot version or alert facts), rendered once.

    ``services`` is ``commands.services.Services``; briefings use ``commands.snapshot_cmds``
    and, with ``chart=(kind, window)``, attach that chart (uploaded once per platform)."""

    def __init__(
        self, services: Any, chart: tuple[str, str] | None = None, cache_size: int = 64
    ) -> None:
        self.services = services
        self.chart = chart
        self.cache_size = cache_size
        self.renders = 0
        self._cache: OrderedDict[tuple[str, ...], Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def rendered(self, kind: str, fmt: Format, locale: str, payload: Mapping[str, Any]) -> Rendered:
        """The messages of one delivery (blocking: call it from a thread)."""
        if kind == "briefing":
            from commands.services import NoData

            try:
                current = self.services.snapshots.current()
            except NoData:
                return Rendered((), "", "no data to brief from yet")
            key: tuple[str, ...] = (kind, fmt, locale, str(current.version))
        else:
            key = (kind, fmt, locale, json.dumps(dict(payload), sort_keys=True, default=str))
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
            result = self._render(kind, fmt, locale, payload)
            self.renders += 1
            self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return result

    def _render(self, kind: str, fmt: Format, locale: str, payload: Mapping[str, Any]) -> Rendered:
        if kind == "alert":
            context = dict(payload)
            context["as_of"] = date.fromisoformat(str(payload["as_of"]))
            return Rendered(tuple(render(Reply("alert", context, locale=locale), fmt)), "alert")
        from commands.chart_cmds import chart_filename
        from commands.snapshot_cmds import briefing

        current = self.services.snapshots.current()
        reply = briefing(self.services, locale)
        if not reply.ok:
            return Rendered((), "", "no data to brief from yet")
        if self.chart is not None:
            kind_, window = self.chart
            png = self.services.snapshots.chart(kind_, window).png
            last = current.daily.index[-1]
            reply = replace(reply, image=png, filename=chart_filename(kind_, window, last))
        return Rendered(tuple(render(reply, fmt)), str(current.version))


# --- the worker -------------------------------------------------------------------------------


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
        slot = await self.pacer.acquire(row.platform)
        if not await asyncio.to_thread(self.queue.mark_sending, row.id, self.id, self.clock()):
            self.stats.lost += 1
            log.warning("delivery %s was taken from this worker before sending", row.id)
            return
        if self.pacer.missed(row.platform, slot):  # the database was slow to answer
            await self.pacer.acquire(row.platform)
        attempts = row.attempts + 1
        self.in_flight += 1
        try:
            ids = await asyncio.wait_for(
                sender.send(
                    target, job.rendered.messages, lambda: self.pacer.acquire(row.platform)
                ),
                self.config.send_timeout,
            )
        except RetryLater as exc:
            self.pacer.pause(row.platform, exc.seconds)
            await self._retry(row, exc.reason, exc.seconds, count=False)
        except (Blocked, Rejected) as exc:
            await self._finish(row, FAILED, exc.reason)
        except PartlySent as exc:
            if sender.idempotent and attempts < self.config.max_attempts:
                await self._retry(row, exc.reason, self._backoff(attempts))
            else:
                await self._finish(row, FAILED, exc.reason)
        except Transient as exc:
            await self._retry_or_fail(row, attempts, exc.reason, FAILED)
        except Uncertain as exc:
            if sender.idempotent:
                await self._retry_or_fail(row, attempts, exc.reason, AMBIGUOUS)
            else:
                await self._finish(row, AMBIGUOUS, exc.reason)
        except TimeoutError:
            reason = f"no answer within {self.config.send_timeout:g} s"
            state = AMBIGUOUS
            if sender.idempotent:
                await self._retry_or_fail(row, attempts, reason, state)
            else:
                await self._finish(row, state, reason)
        except Exception as exc:  # a bug or an unexpected library error: it may have gone out
            log.exception("sending delivery %s failed unexpectedly", row.id)
            await self._finish(row, AMBIGUOUS, f"unexpected error: {type(exc).__name__}")
        else:
            confirmed = await asyncio.to_thread(
                self.queue.confirm, row.id, self.id, ids, job.rendered.version, self.clock()
            )
            stamp = time.monotonic()
            if self.stats.first_sent is None:
                self.stats.first_sent = stamp
            self.stats.last_sent = stamp
            self.stats.sent += 1
            if not confirmed:
                log.warning("delivery %s was sent but its row was taken over meanwhile", row.id)
        finally:
            self.in_flight -= 1

    def _backoff(self, attempts: int) -> float:
        return self.config.retry_seconds * 2 ** max(0, attempts - 1)

    async def _retry_or_fail(self, row: Delivery, attempts: int, reason: str, final: str) -> None:
        too_old = self.clock() - row.due_at > self.config.give_up_after
        if attempts >= self.config.max_attempts or too_old:
            await self._finish(row, final, f"{reason} (after {attempts} attempt(s))")
        else:
            await self._retry(row, reason, self._backoff(attempts))

    async def _retry(self, row: Delivery, reason: str, seconds: float, count: bool = True) -> None:
        now = self.clock()
        await asyncio.to_thread(
            self.queue.retry, row.id, self.id, reason, now + timedelta(seconds=seconds), now
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
