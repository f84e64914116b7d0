"""The delivery worker: claim due deliveries, render each message set once, send paced, confirm.

A worker claims a small batch (so a crash leaves little in hand), renders once per (kind,
format, language, snapshot version) and hands each delivery to its platform's ``Sender`` as
soon as the chat's window allows, with at most ``concurrency`` sends in flight: a slow or failing
chat holds one slot, never the queue. Every send is marked ``sending`` in the database when its
platform slot is next (``pacing.LEAD`` before it, so the write does not cost the slot) and
right before the request, and confirmed right after, so what a crash leaves ambiguous is only
what was on the wire or about to be.

What each outcome a sender returns (``bot.sending.sender``) does: ``RetryAfter`` pauses the
chat (the platform only for a global flood: ``Pacer.flooded``) and puts the delivery back in
the queue; ``Blocked`` and ``BadRequest`` fail it; ``NotSent`` retries with backoff up to
``max_attempts`` (an unreachable platform, an outage, is waited out every
``outage_retry_seconds`` without using attempts, up to ``give_up_after``); ``Ambiguous`` (it may
have been posted) is resent only where the platform de-duplicates by nonce, otherwise left
``ambiguous``. Any failure after some of the messages were posted fails the delivery unless
resending is idempotent. Each ending records a reason code (``bot.sending.reasons``).

Database faults are survived: every queue operation retries a lost connection, and a settlement
the database still refuses (a confirmation above all: the platform answered) is kept in memory
and written again every ``flush_seconds`` until it goes through, never turned into "ambiguous".
The rows a worker holds keep their lease meanwhile. The claim loop and every task report their
errors; none goes unobserved. Database calls run in daemon threads, so a stuck one never holds
up the process's exit.

Stopping (``stop`` set): nothing new starts, waits for a chat window, a slot or a flood pause
end at once and their deliveries go back to the queue; a request already on the wire gets
``stop_grace`` seconds, then its delivery is recorded as ambiguous.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from analytics.storage.health import classify
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
from bot.sending import reasons
from bot.sending.offload import DaemonPool
from bot.sending.pacing import Pacer
from bot.sending.sender import (
    Ambiguous,
    BadRequest,
    Blocked,
    NotSent,
    Outcome,
    RetryAfter,
    Sender,
    Sent,
    Stopped,
    Target,
)
from commands.presentation.render import Format

log = logging.getLogger(__name__)

T = TypeVar("T")
# How far a job got: claimed (nothing written since), marked ``sending``, a request on the wire,
# waiting between two requests (nothing on the wire), or being settled.
CLAIMED, MARKED, ON_WIRE, WAITING, SETTLING = "claimed", "marked", "on_wire", "waiting", "settling"
MAX_CLAIM_BACKOFF = 5.0  # seconds between claims while the database refuses them


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
    flush_seconds: float = 2.0  # how often writes the database refused are tried again
    stop_grace: float = 2.0  # seconds a request on the wire gets to finish after a stop
    stop_writes: float = 1.0  # seconds the last writes (settlements, releases) get at a stop


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
    released: int = 0
    late_writes: int = 0  # settlements written after the database refused them at first


@dataclass
class _Job:
    delivery: Delivery
    rendered: Rendered
    phase: str = CLAIMED
    posted_any: bool = False  # a request of it went out (it waits between two when WAITING)

    @property
    def chat(self) -> str:
        return self.delivery.target


@dataclass
class _Pending:
    """A write the database refused, kept to be tried again."""

    what: str
    write: Callable[[], object]
    since: float = field(default_factory=time.monotonic)
    busy: bool = False  # being written now


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
        disabled: Callable[[], Mapping[tuple[str, str], str]] | None = None,
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
        self._blocked: Mapping[tuple[str, str], str] = {}
        self._blocked_at = float("-inf")
        self._recovered_at = float("-inf")
        self._held: set[int] = set()  # claimed rows not yet settled in the database
        self._unwritten: dict[int, _Pending] = {}
        self._tidy = False  # a claim failed: this worker may hold rows it does not know of
        self._claim_failures = 0
        self._stop = asyncio.Event()
        self._db = DaemonPool(max(4, self.config.concurrency // 2), "delivery-db")

    @property
    def platforms(self) -> list[str]:
        return sorted(self.senders)

    @property
    def unwritten(self) -> int:
        """Settlements the database refused so far, waiting to be written."""
        return sum(1 for pending in self._unwritten.values() if not pending.busy)

    async def run(
        self, stop: asyncio.Event | None = None, *, until_idle: bool = False
    ) -> WorkerStats:
        """Deliver until ``stop`` is set (or, with ``until_idle``, until nothing is pending)."""
        self._stop = stop = stop or asyncio.Event()
        cfg = self.config
        self._db = DaemonPool(max(4, cfg.concurrency // 2), "delivery-db")  # one per run
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

                    try:
                        claimed = await self._claim(room, ready)
                    except Exception as exc:  # the database: logged once by its StoreHealth
                        self._fault(exc, "claiming deliveries")
                        self._tidy = True
                        self._claim_failures += 1
                        wait = min(MAX_CLAIM_BACKOFF, cfg.poll_seconds * 2**self._claim_failures)
                        next_poll = now + wait
                    else:
                        self._claim_failures = 0
                        next_poll = now if claimed == room else now + cfg.poll_seconds
                        if claimed < room and now - self._recovered_at >= cfg.recover_seconds:
                            # Short of work: rows a dead worker holds may be waiting.
                            await self._recover()
                        idle = until_idle and not claimed and not heap and not running
                        if idle and await self._idle():
                            break
                self._dispatch(heap, running)
                await self._wait(heap, running, stopping, next_poll, room)
        finally:
            stopping.cancel()
            keeper.cancel()
            await self._shut_down(running)
        return self.stats

    async def _idle(self) -> bool:
        """Nothing pending anywhere and nothing left to write (``until_idle``)."""
        if self._unwritten:
            await self._flush()
            return False
        try:
            return await self._call(self.queue.pending, self.platforms) == 0
        except Exception as exc:
            self._fault(exc, "counting pending deliveries")
            return False

    async def _shut_down(self, running: set[asyncio.Task[None]]) -> None:
        """Stop: waits end now (their deliveries go back to the queue), requests on the wire
        get ``stop_grace`` seconds, then the last writes get ``stop_writes`` seconds."""
        cfg = self.config
        self._stop.set()
        if running:
            _, late = await asyncio.wait(running, timeout=cfg.stop_grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=0.5)
            for task in running:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    log.error("a delivery task failed", exc_info=task.exception())
        writes = asyncio.ensure_future(self._last_writes())
        done, _ = await asyncio.wait({writes}, timeout=cfg.stop_writes)
        if not done:
            writes.cancel()
        if self._unwritten:
            for row_id, pending in sorted(self._unwritten.items()):
                log.error("delivery %s: %s could not be written before stopping (the database "
                          "refused it for %.0f s)", row_id, pending.what,
                          time.monotonic() - pending.since)  # fmt: skip
        self._db.shutdown()

    async def _last_writes(self) -> None:
        await self._flush()
        try:
            self.stats.released += await self._call(self.queue.release, self.id)
        except Exception as exc:
            self._fault(exc, "putting claimed deliveries back in the queue")

    def _dispatch(
        self, heap: list[tuple[float, int, _Job]], running: set[asyncio.Task[None]]
    ) -> None:
        """Start every delivery whose chat is ready, while there is a free slot."""
        while heap and len(running) < self.config.concurrency and not self._stop.is_set():
            ready, _, job = heap[0]
            now = self.pacer.clock()
            if ready > now:
                return
            heapq.heappop(heap)
            platform, n = job.delivery.platform, len(job.rendered.messages)
            again = self.pacer.chat_ready_at(platform, job.chat, n, now)
            if again > now:  # another delivery to the same chat went first, or it is paused
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
        rows = await self._call(self.queue.claim, self.id, limit, self.clock(), self.platforms)
        if not rows:
            return 0
        self._held.update(row.id for row in rows)
        blocked = await self._blocked_chats()
        groups: dict[tuple[str, Format, str, str], list[Delivery]] = {}
        for row in rows:
            why = blocked.get((row.platform, row.chat_id)) or blocked.get(
                (row.platform, row.target)
            )
            if why is not None:
                code = reasons.disabled_code(why)
                await self._finish(row, SKIPPED, f"the chat is disabled ({why})", code)
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

    async def _blocked_chats(self) -> Mapping[tuple[str, str], str]:
        """The chats not to post to, with the registry's reason (read every 30 s at most; the
        last answer while the database cannot be read)."""
        if self.disabled is None:
            return {}
        if time.monotonic() - self._blocked_at > 30.0:
            try:
                self._blocked = await self._call(self.disabled)
            except Exception as exc:
                self._fault(exc, "reading the disabled chats")
            else:
                self._blocked_at = time.monotonic()
        return self._blocked

    async def _not_ready(self, row: Delivery, problem: str) -> None:
        """Nothing to send yet (no data): try again in a few minutes, within reason."""
        now = self.clock()
        if now - row.due_at > self.config.give_up_after:
            await self._finish(row, FAILED, problem, reasons.NO_DATA)
        else:
            again = now + timedelta(minutes=5)
            await self._settle_write(
                row.id,
                "putting it back in the queue",
                lambda: self.queue.retry(
                    row.id, self.id, problem, again, now, code=reasons.NO_DATA
                ),
            )

    # -- sending -----------------------------------------------------------------------------

    async def _deliver(self, job: _Job) -> None:
        """Send one delivery and settle it; whatever happens, its row is accounted for."""
        row = job.delivery
        try:
            await self._send(job)
        except asyncio.CancelledError:  # stopping, its grace spent: record what we know
            self._abandon(job, "carrybot stopped while it was on its way")
            raise
        except Exception:  # a bug: never unobserved, never left without a state
            log.exception("delivery %s failed unexpectedly", row.id)
            self._abandon(job, "an unexpected error while sending (logged)")

    def _abandon(self, job: _Job, why: str) -> None:
        """A job that cannot finish normally: back to the queue when nothing went out or
        resending is idempotent (the same nonce), else ambiguous (it may have been posted);
        written by the keeper or the last writes."""
        row = job.delivery
        if job.phase in (CLAIMED, MARKED) or (job.phase == WAITING and not job.posted_any):
            self._keep(row.id, "putting it back in the queue", self._unclaim_write(row))
        elif job.phase != SETTLING and self.senders[row.platform].idempotent:
            now = self.clock()
            self._keep(
                row.id,
                "putting it back in the queue",
                lambda: self.queue.retry(
                    row.id, self.id, f"{why}; resent with the same nonce", now, now
                ),
            )
        elif job.phase != SETTLING:
            note = f"{why}; not resent: it may have been posted"
            self._keep(
                row.id,
                "recording it as ambiguous",
                lambda: self.queue.finish(row.id, self.id, AMBIGUOUS, note, code=reasons.UNCERTAIN),
            )

    async def _send(self, job: _Job) -> None:
        row = job.delivery
        sender = self.senders[row.platform]
        target = Target(row.platform, row.chat_id, row.channel_id, row.nonce)
        # Told just before its slot, the row is marked while the slot comes, then sent.
        slot = await self._unless_stopped(self.pacer.acquire(row.platform, early=True))
        if slot is None:
            await self._settle_write(
                row.id, "putting it back in the queue", self._unclaim_write(row)
            )
            return
        try:
            marked = await self._call(self.queue.mark_sending, row.id, self.id, self.clock())
        except Exception as exc:  # it may or may not be marked: either way nothing was sent
            self._fault(exc, f"marking delivery {row.id} as sending")
            self._keep(row.id, "putting it back in the queue", self._unclaim_write(row))
            return
        if not marked:
            self._held.discard(row.id)
            self.stats.lost += 1
            log.warning("delivery %s was taken from this worker before sending", row.id)
            return
        job.phase = MARKED
        await self.pacer.until(slot)
        if self.pacer.missed(row.platform, slot):  # the database was slow to answer
            slot = await self._unless_stopped(self.pacer.acquire(row.platform))
        if slot is None or self._stop.is_set():
            await self._settle_write(
                row.id, "putting it back in the queue", self._unclaim_write(row)
            )
            return
        attempts = row.attempts + 1
        job.phase = ON_WIRE
        self.in_flight += 1
        started = time.perf_counter()
        try:
            try:
                outcome = await asyncio.wait_for(
                    sender.send(target, job.rendered.messages, _DeliveryPacing(self, job)),
                    self.config.send_timeout,
                )
                SEND_SECONDS.labels(row.platform, "delivery").observe(time.perf_counter() - started)
            except TimeoutError:
                outcome = Ambiguous(f"no answer within {self.config.send_timeout:g} s")
            except Stopped:  # a sender that does not say what it posted before the stop
                outcome = Ambiguous("carrybot stopped mid-send; it may have been partly posted")
            except Exception as exc:  # a bug or an unexpected library error: it may have gone out
                log.exception("sending delivery %s failed unexpectedly", row.id)
                outcome = Ambiguous(f"unexpected error: {type(exc).__name__}")
            job.phase = SETTLING
            await self._settle(row, sender, job, outcome, attempts)
        finally:
            self.in_flight -= 1

    def _unclaim_write(self, row: Delivery) -> Callable[[], object]:
        return lambda: self.queue.unclaim(row.id, self.id)

    async def _unless_stopped(self, waiting: Awaitable[T]) -> T | None:
        """``waiting``'s result, or None when the worker stops first (it is then cancelled)."""
        task = asyncio.ensure_future(waiting)
        if self._stop.is_set():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Stopped):
                await task
            return None
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if task.done():
            try:
                return task.result()
            except Stopped:  # the pacer was halted: sends are stopping
                return None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Stopped):
            await task
        return None

    async def _settle(
        self, row: Delivery, sender: Sender, job: _Job, outcome: Outcome, attempts: int
    ) -> None:
        """Confirm, retry or finish the delivery as its outcome says."""
        if isinstance(outcome, Sent):
            stamp = time.monotonic()
            if self.stats.first_sent is None:
                self.stats.first_sent = stamp
            self.stats.last_sent = stamp
            self.stats.sent += 1
            now = self.clock()

            def confirm() -> None:
                confirmed = self.queue.confirm(
                    row.id,
                    self.id,
                    list(outcome.message_ids),
                    job.rendered.version,
                    now,
                    note=outcome.note,
                    code=outcome.code,
                )
                if not confirmed:
                    log.warning("delivery %s was sent but its row was taken over meanwhile",
                                row.id)  # fmt: skip

            await self._settle_write(row.id, "its confirmation", confirm)
            return
        reason = outcome.reason
        if isinstance(outcome, RetryAfter):
            reason = f"{reason} (retry after {outcome.seconds:g} s)"
        if outcome.posted:
            n = len(job.rendered.messages)
            reason = f"{len(outcome.posted)} of {n} messages posted, then: {reason}"
        code = outcome.code
        if isinstance(outcome, Blocked | BadRequest) or (outcome.posted and not sender.idempotent):
            await self._finish(row, FAILED, reason, code)
        elif isinstance(outcome, RetryAfter):
            self.pacer.flooded(row.platform, job.chat, outcome.seconds, scope=outcome.scope)
            await self._retry(row, reason, outcome.seconds, count=False, code=code)
        elif isinstance(outcome, NotSent) and code == reasons.STOPPED:
            await self._settle_write(
                row.id, "putting it back in the queue", self._unclaim_write(row)
            )
        elif isinstance(outcome, NotSent) and outcome.unreachable:
            # An outage: the delivery waits it out (within give_up_after), using no attempt.
            if self.clock() - row.due_at > self.config.give_up_after:
                reason = f"{reason} (for {self.config.give_up_after})"
                await self._finish(row, FAILED, reason, reasons.UNREACHABLE)
            else:
                seconds = self.config.outage_retry_seconds
                await self._retry(row, reason, seconds, count=False, refund=True, code=code)
        elif isinstance(outcome, NotSent):
            await self._retry_or_fail(row, attempts, reason, FAILED, code)
        elif sender.idempotent:  # Ambiguous: a resend with the same nonce cannot post twice
            await self._retry_or_fail(row, attempts, reason, AMBIGUOUS, code)
        else:
            await self._finish(row, AMBIGUOUS, reason, code)

    def _backoff(self, attempts: int) -> float:
        return self.config.retry_seconds * 2 ** max(0, attempts - 1)

    async def _retry_or_fail(
        self, row: Delivery, attempts: int, reason: str, final: str, code: str
    ) -> None:
        too_old = self.clock() - row.due_at > self.config.give_up_after
        if attempts >= self.config.max_attempts or too_old:
            await self._finish(row, final, f"{reason} (after {attempts} attempt(s))", code)
        else:
            await self._retry(row, reason, self._backoff(attempts), code=code)

    async def _retry(
        self,
        row: Delivery,
        reason: str,
        seconds: float,
        count: bool = True,
        refund: bool = False,
        code: str = "",
    ) -> None:
        now = self.clock()
        again = now + timedelta(seconds=seconds)
        await self._settle_write(
            row.id,
            "putting it back in the queue",
            lambda: self.queue.retry(row.id, self.id, reason, again, now, refund=refund, code=code),
        )
        self.stats.retried += 1
        log.info("delivery %s to %s %s %s: %s; again in %.0f s", row.id, row.platform, row.target,
                 "retry" if count else "paused", reason, seconds)  # fmt: skip

    async def _finish(self, row: Delivery, state: str, reason: str, code: str = "") -> None:
        now = self.clock()
        await self._settle_write(
            row.id,
            f"recording it as {state}",
            lambda: self.queue.finish(row.id, self.id, state, reason, now, code=code),
        )
        if state == FAILED:
            self.stats.failed += 1
        elif state == AMBIGUOUS:
            self.stats.ambiguous += 1
        else:
            self.stats.skipped += 1
        log.warning("delivery %s (%s %s %s %s) %s: %s", row.id, row.platform, row.target,
                    row.kind, row.key, state, reason)  # fmt: skip

    # -- writes the database may refuse ------------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking (database) call in one of this worker's daemon threads."""
        return await self._db.call(fn, *args)

    async def _settle_write(self, row_id: int, what: str, write: Callable[[], object]) -> None:
        """Write how a delivery ended. It is kept until the database took it: one the database
        refuses (after the queue's own retries), or whose task is cancelled meanwhile, is
        written again every ``flush_seconds`` (the queue's transitions may be repeated), the
        row's lease renewed meanwhile."""
        pending = self._keep(row_id, what, write)
        pending.busy = True
        try:
            await self._call(write)
        except Exception as exc:
            self._fault(exc, f"delivery {row_id}: {what}")
            return
        finally:
            pending.busy = False
        self._written(row_id, pending)

    def _keep(self, row_id: int, what: str, write: Callable[[], object]) -> _Pending:
        pending = _Pending(what, write)
        self._held.add(row_id)
        self._unwritten[row_id] = pending
        return pending

    def _written(self, row_id: int, pending: _Pending) -> None:
        if self._unwritten.get(row_id) is pending:
            del self._unwritten[row_id]
            self._held.discard(row_id)

    async def _flush(self) -> None:
        """Write what the database refused before, oldest first, until it refuses again."""
        for row_id, pending in sorted(self._unwritten.items(), key=lambda item: item[1].since):
            if pending.busy or self._unwritten.get(row_id) is not pending:
                continue  # being written, or written (or replaced) meanwhile
            pending.busy = True
            try:
                await self._call(pending.write)
            except Exception as exc:
                self._fault(exc, f"delivery {row_id}: {pending.what}")
                return
            finally:
                pending.busy = False
            self._written(row_id, pending)
            self.stats.late_writes += 1
            log.info("delivery %s: %s written %.0f s late (the database had refused it)",
                     row_id, pending.what, time.monotonic() - pending.since)  # fmt: skip

    def _fault(self, exc: BaseException, what: str) -> None:
        """A database fault is logged once by the engine's ``StoreHealth`` (the queue reported
        it); anything else is a bug, logged with its traceback."""
        if classify(exc) is None:
            log.error("%s failed", what, exc_info=exc)
        else:
            log.debug("%s failed: %s", what, exc)

    # -- leases ------------------------------------------------------------------------------

    async def _recover(self) -> None:
        self._recovered_at = time.monotonic()
        try:
            result = await self._call(self.queue.recover, self.id, self.clock(), self.config.lease)
        except Exception as exc:
            self._fault(exc, "looking for dead workers' deliveries")
            return
        total = result.requeued_claims + result.requeued_with_nonce + result.ambiguous
        self.stats.recovered += total
        if total:
            log.warning(
                "recovered a dead worker's deliveries: %d claim(s) requeued, %d resent with their "
                "nonce, %d ambiguous (may have been posted; not resent)",
                result.requeued_claims, result.requeued_with_nonce, result.ambiguous,
            )  # fmt: skip

    async def _keep_alive(self, stop: asyncio.Event) -> None:
        """Write what the database refused; renew the leases of the rows this worker holds;
        put back claims a lost answer left it; now and then take over dead workers' rows."""
        cfg = self.config
        beat_every = max(1, round(cfg.heartbeat_seconds / cfg.flush_seconds))
        ticks = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), cfg.flush_seconds)
                return
            ticks += 1
            try:
                if self._unwritten:
                    await self._flush()
                if self._tidy and not self._unwritten:
                    await self._call(self.queue.release, self.id, None, sorted(self._held))
                    self._tidy = False
                if ticks % beat_every == 0:
                    await self._call(
                        self.queue.heartbeat, self.id, self.clock(), sorted(self._held)
                    )
                    if ticks % (3 * beat_every) == 0:
                        await self._recover()
            except Exception as exc:
                self._fault(exc, "renewing delivery leases")


class _DeliveryPacing:
    """``Pacing`` of one delivery's further requests: the chat's flood pause, then a platform
    slot; a stop ends the wait (``Stopped``). A flood pauses the chat (``Pacer.flooded``)."""

    def __init__(self, worker: DeliveryWorker, job: _Job) -> None:
        self.worker = worker
        self.job = job

    async def next_request(self) -> float:
        worker, row = self.worker, self.job.delivery
        self.job.phase = WAITING
        self.job.posted_any = True
        while (pause := worker.pacer.chat_paused_for(row.platform, self.job.chat)) > 0:
            if await worker._unless_stopped(_slept(pause)) is None:
                raise Stopped()
        slot = await worker._unless_stopped(worker.pacer.acquire(row.platform))
        if slot is None:
            raise Stopped()
        self.job.phase = ON_WIRE
        return slot

    def flood(self, seconds: float) -> None:
        row = self.job.delivery
        self.worker.pacer.flooded(row.platform, self.job.chat, seconds)


async def _slept(seconds: float) -> bool:
    await asyncio.sleep(seconds)
    return True
