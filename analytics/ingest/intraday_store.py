"""The intraday watch's tables: bars, requests spent per provider and UTC day, polling state.

Bars are kept ``RETENTION`` (ten days) and upserted by (instrument, start): a bar fetched while
it was forming is replaced by its finished version. Every process reads them; only the one
that holds the poll lock writes (``analytics.ingest.intraday``). The request ledger survives
restarts, so a restarted poller neither re-fetches what it has nor forgets what it spent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, func, select, update

from analytics.sources import bars as bar_frames
from analytics.storage.engine import insert, storable, upsert
from analytics.storage.schema import (
    intraday_bars_table,
    intraday_requests_table,
    intraday_sources_table,
)

RETENTION = timedelta(days=10)


def utc(value: datetime) -> datetime:
    """A UTC-aware datetime (SQLite hands back naive values; they were stored in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class SourceState:
    """A provider's polling state: when it is next due, backing off until, failures in a row."""

    provider: str
    next_at: datetime | None = None
    retry_at: datetime | None = None
    failures: int = 0
    last_ok_at: datetime | None = None
    last_error: str = ""


class IntradayStore:
    """Read and write the intraday tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- bars --------------------------------------------------------------------------------

    def upsert_bars(
        self,
        instrument: str,
        source: str,
        interval_s: int,
        found: pd.DataFrame,
        fetched_at: datetime,
    ) -> int:
        """Store bars (a finished bar replaces its forming version); returns how many rows were
        new or changed."""
        if found.empty:
            return 0
        t = intraday_bars_table
        first = pd.Timestamp(found["start"].min()).to_pydatetime()
        existing = self.bars(instrument, since=first)
        known = {
            pd.Timestamp(r.start): (r.open, r.high, r.low, r.close, bool(r.complete))
            for r in existing.itertuples()
        }
        rows = []
        for r in found.itertuples():
            start = pd.Timestamp(r.start)
            values = (float(r.open), float(r.high), float(r.low), float(r.close), bool(r.complete))
            if known.get(start) == values:
                continue
            rows.append(
                {
                    "instrument": instrument,
                    "start": start.to_pydatetime(),
                    "source": source,
                    "interval_s": interval_s,
                    "open": values[0],
                    "high": values[1],
                    "low": values[2],
                    "close": values[3],
                    "complete": values[4],
                    "fetched_at": utc(fetched_at),
                }
            )
        if not rows:
            return 0
        with self.engine.begin() as conn:
            upsert(conn, t, rows)
        return len(rows)

    def bars(
        self, instrument: str, since: datetime | None = None, until: datetime | None = None
    ) -> pd.DataFrame:
        """The stored bars of an instrument from ``since`` to ``until`` (inclusive), oldest first,
        with their ``source`` and ``interval_s``."""
        t = intraday_bars_table
        query = select(t).where(t.c.instrument == instrument).order_by(t.c.start)
        if since is not None:
            query = query.where(t.c.start >= utc(since))
        if until is not None:
            query = query.where(t.c.start <= utc(until))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = bar_frames.frame(
            [utc(r.start) for r in rows],
            [r.open for r in rows],
            [r.high for r in rows],
            [r.low for r in rows],
            [r.close for r in rows],
            [bool(r.complete) for r in rows],
        )
        found["source"] = np.array([r.source for r in rows], dtype=object)
        found["interval_s"] = np.array([r.interval_s for r in rows], dtype="int64")
        return found

    def last_start(self, instrument: str) -> datetime | None:
        """The start of the newest stored bar of an instrument."""
        t = intraday_bars_table
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(t.c.start)).where(t.c.instrument == instrument)
            ).scalar_one_or_none()
        return None if value is None else utc(value)

    def fingerprint(self) -> tuple[int, str]:
        """Changes whenever a bar is stored or replaced (for caches of readings)."""
        t = intraday_bars_table
        with self.engine.connect() as conn:
            count, last = conn.execute(select(func.count(), func.max(t.c.fetched_at))).one()
        return int(count), str(last)

    def prune(self, now: datetime, keep: timedelta = RETENTION) -> int:
        """Delete bars older than ``keep``; returns how many."""
        t = intraday_bars_table
        with self.engine.begin() as conn:
            return int(conn.execute(delete(t).where(t.c.start < utc(now) - keep)).rowcount or 0)

    # -- the request ledger ------------------------------------------------------------------

    def count_request(self, provider: str, now: datetime) -> int:
        """Record one request to ``provider`` on ``now``'s UTC day; returns the day's count."""
        t = intraday_requests_table
        day = utc(now).date()
        with self.engine.begin() as conn:
            conn.execute(
                insert(conn, t)
                .values(provider=provider, day=day, requests=0, updated_at=utc(now))
                .on_conflict_do_nothing()
            )
            conn.execute(
                update(t)
                .where(t.c.provider == provider, t.c.day == day)
                .values(requests=t.c.requests + 1, updated_at=utc(now))
            )
            count = conn.execute(
                select(t.c.requests).where(t.c.provider == provider, t.c.day == day)
            ).scalar_one()
        return int(count)

    def requests_on(self, provider: str, day: date) -> int:
        """Requests made to ``provider`` on a UTC day."""
        t = intraday_requests_table
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.c.requests).where(t.c.provider == provider, t.c.day == day)
            ).scalar_one_or_none()
        return int(value or 0)

    def requests_by_day(self, provider: str) -> dict[date, int]:
        """Every UTC day's request count of a provider."""
        t = intraday_requests_table
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.day, t.c.requests).where(t.c.provider == provider).order_by(t.c.day)
            ).all()
        return {r.day: int(r.requests) for r in rows}

    # -- polling state -----------------------------------------------------------------------

    def state(self, provider: str) -> SourceState:
        """A provider's polling state (a fresh one when it was never polled)."""
        t = intraday_sources_table
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.provider == provider)).first()
        if row is None:
            return SourceState(provider)
        return SourceState(
            provider,
            _maybe_utc(row.next_at),
            _maybe_utc(row.retry_at),
            int(row.failures),
            _maybe_utc(row.last_ok_at),
            row.last_error,
        )

    def states(self) -> Mapping[str, SourceState]:
        """Every provider's polling state."""
        t = intraday_sources_table
        with self.engine.connect() as conn:
            names = [r.provider for r in conn.execute(select(t.c.provider))]
        return {name: self.state(name) for name in names}

    def save_state(self, state: SourceState, now: datetime) -> None:
        """Store a provider's polling state."""
        t = intraday_sources_table
        values: dict[str, Any] = {
            "next_at": state.next_at,
            "retry_at": state.retry_at,
            "failures": state.failures,
            "last_ok_at": state.last_ok_at,
            "last_error": storable(state.last_error, 256),
            "updated_at": utc(now),
        }
        with self.engine.begin() as conn:
            stmt = insert(conn, t).values(provider=state.provider, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["provider"], set_=values))


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)
