"""The deliveries table: every briefing and alert a chat is due, claimed, sent and confirmed once.

One row per ``(platform, chat, channel, kind, key)``, the key being the chat-local date of a
briefing or the ordinal of an alert on that date; the unique constraint makes enqueueing
idempotent, however many processes tick. States::

    queued ─claim─▶ claimed ─mark_sending─▶ sending ─confirm─▶ sent
       ▲               │                       ├──▶ failed (blocked, refused, out of attempts)
       └── retry ──────┴───────────────────────┘    ambiguous (died or timed out mid-send)
    skipped: due while the bot was down, beyond the late window (or the chat was disabled)

``claimed`` rows were never handed to the platform, so a dead worker's claims go back to the
queue. ``sending`` rows of a dead worker may or may not have reached the chat: Telegram has no
idempotency key, so they become ``ambiguous`` and are reported, never resent; Discord drops a
resend with the same ``nonce`` (``enforce_nonce``) for a few minutes, so recent ones are queued
again with their nonce. Claims carry a lease renewed by the worker's heartbeat.

PostgreSQL claims with ``SELECT … FOR UPDATE SKIP LOCKED`` (any number of workers); SQLite with
one ``UPDATE … WHERE id IN (SELECT …) RETURNING`` (SQLite serialises writers).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from analytics.storage.engine import insert, storable
from analytics.storage.schema import deliveries_table

QUEUED, CLAIMED, SENDING = "queued", "claimed", "sending"
SENT, FAILED, SKIPPED, AMBIGUOUS = "sent", "failed", "skipped", "ambiguous"
STATES = (QUEUED, CLAIMED, SENDING, SENT, FAILED, SKIPPED, AMBIGUOUS)
OPEN_STATES = (QUEUED, CLAIMED, SENDING)
KINDS = ("briefing", "alert", "decision")
# Platforms where resending with the same nonce cannot post twice (for a few minutes).
IDEMPOTENT_PLATFORMS = frozenset({"discord"})
DEFAULT_LEASE = timedelta(seconds=90)
# Discord's nonce check covers "the past few minutes" (undocumented length); stay well inside.
NONCE_WINDOW = timedelta(minutes=4)
NONCE_LENGTH = 23  # Discord allows 25 characters; the sender appends a two-digit message index


def utc(value: datetime) -> datetime:
    """A UTC-aware datetime (SQLite returns naive values; they were stored in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_nonce(platform: str, chat_id: str, channel_id: str, kind: str, key: str) -> str:
    """The delivery's nonce: the same for the same unique key in every process."""
    text = "|".join((platform, chat_id, channel_id, kind, key))
    return hashlib.sha256(text.encode()).hexdigest()[:NONCE_LENGTH]


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to enqueue (``state`` ``skipped`` records one that is not posted)."""

    platform: str
    chat_id: str
    channel_id: str
    kind: str
    key: str
    day: date
    locale: str
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    state: str = QUEUED
    error: str = ""


@dataclass(frozen=True)
class Delivery:
    """One row of the table."""

    id: int
    platform: str
    chat_id: str
    channel_id: str
    kind: str
    key: str
    day: date
    state: str
    nonce: str
    locale: str
    payload: dict[str, Any]
    snapshot_version: str
    due_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    attempts: int
    sent_at: datetime | None
    message_id: str | None
    error: str

    @property
    def target(self) -> str:
        """Where it is posted: the channel if there is one, else the chat."""
        return self.channel_id or self.chat_id


@dataclass(frozen=True)
class Recovery:
    """What start-up (or lease expiry) recovery did with a dead worker's rows."""

    requeued_claims: int = 0
    requeued_with_nonce: int = 0
    ambiguous: int = 0


@dataclass(frozen=True)
class Report:
    """Counts by (kind, state) and the rows that need an operator's eye."""

    day: date | None
    counts: dict[tuple[str, str], int]
    problems: list[Delivery]


def worker_id() -> str:
    """This process's claim tag: host, pid and a random token (a pid may be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def process_alive(tag: str, me: str) -> bool | None:
    """Whether the worker that wrote ``tag`` still runs: None when it ran on another host."""
    if tag == me:
        return True
    host, _, rest = tag.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # our pid, another token: an earlier life of this process slot
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DeliveryQueue:
    """Enqueue, claim, send-mark, confirm and recover deliveries in one table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- enqueue -----------------------------------------------------------------------------

    def enqueue(self, items: Iterable[NewDelivery], now: datetime | None = None) -> int:
        """Insert the deliveries not already present (by unique key); returns how many were new."""
        stamp = utc(now or datetime.now(UTC))
        rows = [self._row(item, stamp) for item in items]
        if not rows:
            return 0
        t = deliveries_table
        inserted = 0
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 500):
                stmt = insert(conn, t).on_conflict_do_nothing().returning(t.c.id)
                inserted += len(conn.execute(stmt, rows[start : start + 500]).all())
        return inserted

    @staticmethod
    def _row(item: NewDelivery, stamp: datetime) -> dict[str, Any]:
        if item.kind not in KINDS:
            raise ValueError(f"unknown delivery kind {item.kind!r}")
        return {
            "platform": item.platform,
            "chat_id": item.chat_id,
            "channel_id": item.channel_id,
            "kind": item.kind,
            "key": item.key,
            "day": item.day,
            "state": item.state,
            "nonce": make_nonce(item.platform, item.chat_id, item.channel_id, item.kind, item.key),
            "locale": item.locale,
            "payload": json.dumps(dict(item.payload), sort_keys=True, default=str),
            "snapshot_version": "",
            "due_at": utc(item.due_at),
            "not_before": utc(item.due_at),
            "created_at": stamp,
            "claimed_by": None,
            "claimed_at": None,
            "attempts": 0,
            "sent_at": None,
            "message_id": None,
            "error": storable(item.error, 512),
            "updated_at": stamp,
        }

    # -- claim and send ----------------------------------------------------------------------

    def claim(
        self,
        worker: str,
        limit: int,
        now: datetime | None = None,
        platforms: Sequence[str] | None = None,
    ) -> list[Delivery]:
        """Move up to ``limit`` due queued rows to ``claimed`` for ``worker``, oldest first.

        Only one worker ever gets a row: PostgreSQL skips rows another transaction holds,
        SQLite runs one writer at a time and the update re-checks the state."""
        if limit <= 0:
            return []
        stamp = utc(now or datetime.now(UTC))
        t = deliveries_table
        wanted = select(t.c.id).where(t.c.state == QUEUED, t.c.not_before <= stamp)
        if platforms is not None:
            wanted = wanted.where(t.c.platform.in_(list(platforms)))
        wanted = wanted.order_by(t.c.due_at, t.c.id).limit(limit)
        values = {"state": CLAIMED, "claimed_by": worker, "claimed_at": stamp, "updated_at": stamp}
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                ids = conn.execute(wanted.with_for_update(skip_locked=True)).scalars().all()
                if not ids:
                    return []
                stmt = update(t).where(t.c.id.in_(ids))
            else:
                stmt = update(t).where(t.c.id.in_(wanted.scalar_subquery()))
            rows = conn.execute(
                stmt.where(t.c.state == QUEUED).values(**values).returning(*t.c)
            ).all()
        return sorted((_delivery(row) for row in rows), key=lambda d: (d.due_at, d.id))

    def mark_sending(self, delivery_id: int, worker: str, now: datetime | None = None) -> bool:
        """``claimed`` → ``sending`` right before the first request; False if the claim was lost."""
        return self._transition(
            delivery_id,
            worker,
            (CLAIMED,),
            SENDING,
            now,
            stamped=("claimed_at",),
            attempts=deliveries_table.c.attempts + 1,
        )

    def confirm(
        self,
        delivery_id: int,
        worker: str,
        message_ids: Sequence[str],
        snapshot_version: str = "",
        now: datetime | None = None,
    ) -> bool:
        """``sending`` → ``sent`` with the platform's message id(s)."""
        return self._transition(
            delivery_id,
            worker,
            (SENDING, AMBIGUOUS),
            SENT,
            now,
            stamped=("sent_at",),
            message_id=storable(",".join(message_ids), 256),
            snapshot_version=storable(snapshot_version, 64),
            error="",
        )

    def finish(
        self,
        delivery_id: int,
        worker: str,
        state: str,
        reason: str,
        now: datetime | None = None,
    ) -> bool:
        """End a claimed or sending row as ``failed``, ``skipped`` or ``ambiguous`` with a reason."""
        if state not in (FAILED, SKIPPED, AMBIGUOUS):
            raise ValueError(f"cannot finish a delivery as {state!r}")
        return self._transition(
            delivery_id, worker, (CLAIMED, SENDING), state, now, error=storable(reason, 512)
        )

    def retry(
        self,
        delivery_id: int,
        worker: str,
        reason: str,
        not_before: datetime,
        now: datetime | None = None,
        *,
        refund: bool = False,
    ) -> bool:
        """Back to the queue (it was certainly not delivered, or resending is idempotent);
        ``refund`` gives back the attempt ``mark_sending`` counted (the platform could not be
        reached: the attempt says nothing about the delivery)."""
        extra: dict[str, Any] = {"attempts": deliveries_table.c.attempts - 1} if refund else {}
        return self._transition(
            delivery_id,
            worker,
            (CLAIMED, SENDING),
            QUEUED,
            now,
            claimed_by=None,
            claimed_at=None,
            not_before=utc(not_before),
            error=storable(reason, 512),
            **extra,
        )

    def _transition(
        self,
        delivery_id: int,
        worker: str,
        sources: Sequence[str],
        target: str,
        now: datetime | None,
        *,
        stamped: Sequence[str] = (),
        **values: Any,
    ) -> bool:
        """Move one of ``worker``'s rows from one of ``sources`` to ``target``, with ``values``;
        ``updated_at`` and the ``stamped`` columns get the time. False when the row was not in
        such a state for this worker (another worker took it over, or it already moved on)."""
        stamp = utc(now or datetime.now(UTC))
        t = deliveries_table
        where = and_(t.c.id == delivery_id, t.c.claimed_by == worker, t.c.state.in_(sources))
        values.update(dict.fromkeys(stamped, stamp), state=target, updated_at=stamp)
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(where).values(**values))
        return bool(result.rowcount)

    def release(self, worker: str, now: datetime | None = None) -> int:
        """Put ``worker``'s claimed (not yet sending) rows back in the queue (clean shutdown)."""
        stamp = utc(now or datetime.now(UTC))
        t = deliveries_table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.claimed_by == worker, t.c.state == CLAIMED)
                .values(state=QUEUED, claimed_by=None, claimed_at=None, updated_at=stamp)
            )
        return int(result.rowcount or 0)

    def heartbeat(self, worker: str, now: datetime | None = None) -> int:
        """Renew the lease of ``worker``'s claimed and sending rows."""
        stamp = utc(now or datetime.now(UTC))
        t = deliveries_table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.claimed_by == worker, t.c.state.in_([CLAIMED, SENDING]))
                .values(claimed_at=stamp)
            )
        return int(result.rowcount or 0)

    # -- recovery ----------------------------------------------------------------------------

    def recover(
        self,
        me: str,
        now: datetime | None = None,
        lease: timedelta = DEFAULT_LEASE,
        alive: Callable[[str, str], bool | None] = process_alive,
        nonce_window: timedelta = NONCE_WINDOW,
    ) -> Recovery:
        """Rows a dead worker left: claims go back to the queue; sends in progress become
        ``ambiguous``, except on Discord within the nonce window, where they are queued again
        to be resent with the same nonce. A worker is dead when its process is gone (same host)
        or its lease ran out."""
        stamp = utc(now or datetime.now(UTC))
        t = deliveries_table
        open_rows = t.c.state.in_([CLAIMED, SENDING])
        with self.engine.connect() as conn:
            tags = conn.execute(select(t.c.claimed_by).where(open_rows).distinct()).scalars()
            dead = [tag for tag in tags if tag and alive(tag, me) is False]
        orphaned = or_(t.c.claimed_at < stamp - lease, t.c.claimed_by.in_(dead))
        idempotent = t.c.platform.in_(sorted(IDEMPOTENT_PLATFORMS))
        note = "the worker died while sending"
        with self.engine.begin() as conn:
            claims = conn.execute(
                update(t)
                .where(t.c.state == CLAIMED, orphaned)
                .values(state=QUEUED, claimed_by=None, claimed_at=None, updated_at=stamp)
            ).rowcount
            resend = conn.execute(
                update(t)
                .where(
                    t.c.state == SENDING,
                    orphaned,
                    idempotent,
                    t.c.claimed_at >= stamp - nonce_window,
                )
                .values(
                    state=QUEUED,
                    claimed_by=None,
                    claimed_at=None,
                    not_before=stamp,
                    error=f"{note}; resent with the same nonce",
                    updated_at=stamp,
                )
            ).rowcount
            unsure = conn.execute(
                update(t)
                .where(t.c.state == SENDING, orphaned)
                .values(
                    state=AMBIGUOUS,
                    error=f"{note}; not resent: it may have been posted",
                    updated_at=stamp,
                )
            ).rowcount
        return Recovery(int(claims or 0), int(resend or 0), int(unsure or 0))

    # -- reading -----------------------------------------------------------------------------

    def get(self, delivery_id: int) -> Delivery | None:
        """One row by id."""
        t = deliveries_table
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == delivery_id)).first()
        return None if row is None else _delivery(row)

    def rows(self, day: date | None = None, kind: str | None = None) -> list[Delivery]:
        """Every row (of a local day and kind), by id."""
        t = deliveries_table
        query = select(t).order_by(t.c.id)
        if day is not None:
            query = query.where(t.c.day == day)
        if kind is not None:
            query = query.where(t.c.kind == kind)
        with self.engine.connect() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def counts(self, day: date | None = None) -> dict[tuple[str, str], int]:
        """Number of rows per (kind, state)."""
        t = deliveries_table
        query = select(t.c.kind, t.c.state, func.count()).group_by(t.c.kind, t.c.state)
        if day is not None:
            query = query.where(t.c.day == day)
        with self.engine.connect() as conn:
            return {(kind, state): int(n) for kind, state, n in conn.execute(query)}

    def pending(self, platforms: Sequence[str] | None = None) -> int:
        """Rows not yet finished (queued, claimed or sending)."""
        t = deliveries_table
        query = select(func.count()).where(t.c.state.in_(OPEN_STATES))
        if platforms is not None:
            query = query.where(t.c.platform.in_(list(platforms)))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def recent_alerts(self, since: datetime) -> dict[tuple[str, str, str], list[Delivery]]:
        """Alerts posted or on their way since ``since``, per (platform, chat, channel)."""
        t = deliveries_table
        query = (
            select(t)
            .where(
                t.c.kind == "alert",
                t.c.due_at >= utc(since),
                t.c.state.in_([*OPEN_STATES, SENT, AMBIGUOUS]),
            )
            .order_by(t.c.due_at)
        )
        found: dict[tuple[str, str, str], list[Delivery]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                item = _delivery(row)
                found.setdefault((item.platform, item.chat_id, item.channel_id), []).append(item)
        return found

    def report(self, day: date | None = None, limit: int = 100) -> Report:
        """Counts by kind and state, and the failed and ambiguous rows (at most ``limit``)."""
        t = deliveries_table
        query = select(t).where(t.c.state.in_([FAILED, AMBIGUOUS])).order_by(t.c.id).limit(limit)
        if day is not None:
            query = query.where(t.c.day == day)
        with self.engine.connect() as conn:
            problems = [_delivery(row) for row in conn.execute(query)]
        return Report(day, self.counts(day), problems)


def _delivery(row: Any) -> Delivery:
    m = row._mapping
    return Delivery(
        id=int(m["id"]),
        platform=m["platform"],
        chat_id=m["chat_id"],
        channel_id=m["channel_id"],
        kind=m["kind"],
        key=m["key"],
        day=m["day"],
        state=m["state"],
        nonce=m["nonce"],
        locale=m["locale"],
        payload=json.loads(m["payload"] or "{}"),
        snapshot_version=m["snapshot_version"],
        due_at=utc(m["due_at"]),
        claimed_by=m["claimed_by"],
        claimed_at=None if m["claimed_at"] is None else utc(m["claimed_at"]),
        attempts=int(m["attempts"]),
        sent_at=None if m["sent_at"] is None else utc(m["sent_at"]),
        message_id=m["message_id"],
        error=m["error"],
    )
