"""One send budget per bot token for every process on the database (PostgreSQL).

Each token has a row in ``send_budgets`` holding its slot schedule as a virtual clock (GCRA):
``next_slot`` is when the next slot is due, in epoch seconds on the database server's clock
(hosts' clocks never need to agree). Reserving a slot is one atomic ``UPDATE … RETURNING``:
the slot is ``max(next_slot, now − slack, paused_until)`` and ``next_slot`` moves one interval
past it, so however many processes reserve, slots are one interval apart and together they keep
the platform's rate; a process alone gets every slot, and one that dies holds at most the
slot it reserved. ``paused_until`` is a ``retry_after`` any process received. While a process
sends replies it sets ``replies_until`` a moment past its slot, and deliveries in every process
wait until then: replies go first across processes as they do within one (``pacing.Lane``).

Each process reserves one slot at a time per platform, on a connection of its own, in a thread
of its own (so a busy executor never delays a slot). If the database cannot be reached, the
process falls back to pacing alone at the full rate and says so (once a minute); the platform's
``retry_after`` then bounds what several processes would send together.

On SQLite a single process sends: ``make_pacer`` keeps the in-memory pacer there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from analytics.storage.engine import insert
from analytics.storage.health import describe
from analytics.storage.schema import send_budgets_table
from bot.sending.pacing import DEFAULT_LIMITS, SAFETY, LocalSlots, Pacer, PlatformLimits

log = logging.getLogger(__name__)

SLACK = 0.25  # slots an idle budget may start behind (as ``pacing.TokenBucket``)
REPLY_HOLD = 0.25  # seconds past a reply's slot during which deliveries everywhere wait
WARN_EVERY = 60.0

_RESERVE = text(
    """
    WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t),
    taken AS (
        UPDATE send_budgets AS b
        SET next_slot = GREATEST(b.next_slot, c.t - :slack, b.paused_until) + :interval,
            replies_until = CASE WHEN :reply
                THEN GREATEST(b.replies_until,
                              GREATEST(b.next_slot, c.t - :slack, b.paused_until) + :hold)
                ELSE b.replies_until END,
            updated_at = now()
        FROM clock AS c
        WHERE b.bucket = :bucket AND (:reply OR b.replies_until <= c.t)
        RETURNING b.next_slot - :interval - c.t AS wait
    )
    SELECT (SELECT wait FROM taken) AS wait
    """
)
_PAUSE = text(
    """
    UPDATE send_budgets
    SET paused_until = GREATEST(paused_until, extract(epoch FROM clock_timestamp()) + :seconds),
        updated_at = now()
    WHERE bucket = :bucket
    """
)


def bucket_name(platform: str, token: str) -> str:
    """The budget's key: the platform and a hash of the token (the token is never stored)."""
    digest = hashlib.sha256(f"carrybot send budget|{token}".encode()).hexdigest()[:24]
    return f"{platform}:{digest}"


class SharedSlots:
    """``pacing.SlotSource`` on a ``send_budgets`` row shared by every process."""

    def __init__(
        self,
        engine: Engine,
        bucket: str,
        rate: float,
        *,
        slack: float = SLACK,
        hold: float = REPLY_HOLD,
    ) -> None:
        self.engine = engine
        self.bucket = bucket
        self.interval = 1.0 / rate
        self._slack = slack * self.interval
        self._hold = hold
        self._local = LocalSlots(rate)
        self._conn: Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="send-budget")
        self._warned = float("-inf")
        self._ensure_row()

    def _ensure_row(self) -> None:
        t = send_budgets_table
        row = {
            "bucket": self.bucket,
            "next_slot": 0.0,
            "paused_until": 0.0,
            "replies_until": 0.0,
            "updated_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(conn, t).values(**row).on_conflict_do_nothing())

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # A slot is pacing state, not a record: a reservation need not wait for the WAL to
            # reach the disk (a busy disk would otherwise slow every slot). A crash loses at
            # most the last few reservations, which only makes the next slots come sooner.
            conn.execute(text("SET synchronous_commit TO off"))
            self._conn = conn
        return self._conn

    def _run(self, statement: Any, params: Mapping[str, Any]) -> Any:
        try:
            return self._connection().execute(statement, params)
        except Exception:
            if self._conn is not None:
                self._conn.invalidate()
                self._conn = None
            raise

    def _reserve(self, reply: bool) -> float | None:
        params = {
            "bucket": self.bucket,
            "interval": self.interval,
            "slack": self._slack,
            "hold": self._hold,
            "reply": reply,
        }
        asked = time.monotonic()
        wait = self._run(_RESERVE, params).scalar_one_or_none()
        if wait is None:
            return None
        answered = time.monotonic()
        return answered + float(wait) - (answered - asked) / 2

    async def reserve(self, reply: bool) -> float | None:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._reserve, reply)
        except Exception as exc:
            self._warn(exc)
            return self._local.bucket.reserve()

    def pause(self, seconds: float) -> None:
        self._local.pause(seconds)
        params = {"bucket": self.bucket, "seconds": seconds}
        self._executor.submit(self._pause, params)

    def _pause(self, params: Mapping[str, Any]) -> None:
        try:
            self._run(_PAUSE, params)
        except Exception as exc:
            self._warn(exc)

    def paused_until(self) -> float:
        return self._local.paused_until()

    def _warn(self, exc: BaseException | None) -> None:
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY:
            self._warned = now
            log.warning(
                "the shared send budget (%s) is unreachable, pacing this process alone: %s",
                self.bucket.split(":", 1)[0],
                "no answer" if exc is None else describe(exc),
            )

    def close(self) -> None:
        """Release the connection and the thread."""

        def close_connection() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        self._executor.submit(close_connection).result(timeout=5)
        self._executor.shutdown(wait=False)


def make_pacer(
    engine: Engine,
    tokens: Mapping[str, str],
    limits: Mapping[str, PlatformLimits] = DEFAULT_LIMITS,
    *,
    safety: float = SAFETY,
) -> Pacer:
    """The pacer of a process: on PostgreSQL every platform whose token is given shares its
    budget with the other processes on that token; otherwise (SQLite, one process) its own."""
    if engine.dialect.name != "postgresql":
        return Pacer(limits, safety=safety)

    def slots(platform: str, rate: float) -> Any:
        token = tokens.get(platform)
        if not token:
            return LocalSlots(rate)
        return SharedSlots(engine, bucket_name(platform, token), rate)

    return Pacer(limits, safety=safety, slots=slots)
