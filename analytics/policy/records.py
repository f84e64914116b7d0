"""Decisions stored in the database: read from the banks' feeds, detected live, or added by hand.

One row per bank and decision day (``policy_decisions``). ``record`` inserts a decision or
corrects the one of that day (a correction keeps the row, so it is never announced twice);
``confirm`` marks one the live series showed; ``remove`` deletes the one of a day. A status
never goes back: a confirmed decision stays confirmed when the feed is read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, select, update

from analytics.storage.engine import insert, storable
from analytics.storage.schema import policy_decisions_table

ANNOUNCED, LIVE, CONFIRMED = "announced", "live", "confirmed"
STORED_STATUSES = (ANNOUNCED, LIVE, CONFIRMED)
# Who added a decision: the Fed's or the BoJ's feed, the live series, or the operator by hand.
ADDERS = ("fed-feed", "boj-feed", "live", "operator")
_RANK = {ANNOUNCED: 0, LIVE: 1, CONFIRMED: 2}


@dataclass(frozen=True)
class StoredDecision:
    """One stored decision: the new rate or range (%) from ``effective`` on."""

    bank: str
    decided: date
    effective: date
    lower: float
    upper: float
    status: str
    source: str
    added_by: str
    between_meetings: bool = False
    note: str = ""
    recorded_at: datetime | None = None

    @property
    def mid(self) -> float:
        return (self.lower + self.upper) / 2


class DecisionStore:
    """The ``policy_decisions`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self, bank: str | None = None) -> list[StoredDecision]:
        """Every stored decision (of one bank), oldest first."""
        t = policy_decisions_table
        query = select(t).order_by(t.c.decided, t.c.bank)
        if bank is not None:
            query = query.where(t.c.bank == bank)
        with self.engine.connect() as conn:
            return [_decision(row) for row in conn.execute(query)]

    def get(self, bank: str, decided: date) -> StoredDecision | None:
        t = policy_decisions_table
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.bank == bank, t.c.decided == decided)).first()
        return None if row is None else _decision(row)

    def record(self, decision: StoredDecision, now: datetime | None = None) -> str:
        """Insert ``decision``, or correct the stored one of its bank and day; returns ``new``,
        ``corrected`` or ``unchanged``. A stored status is never lowered (a confirmed decision
        read again from a feed stays confirmed)."""
        if decision.status not in STORED_STATUSES:
            raise ValueError(f"unknown decision status {decision.status!r}")
        stamp = now or datetime.now(UTC)
        t = policy_decisions_table
        values = {
            "bank": decision.bank,
            "decided": decision.decided,
            "effective": decision.effective,
            "lower": decision.lower,
            "upper": decision.upper,
            "status": decision.status,
            "source": storable(decision.source, 512),
            "added_by": decision.added_by,
            "between_meetings": decision.between_meetings,
            "note": storable(decision.note, 256),
            "recorded_at": stamp,
            "updated_at": stamp,
        }
        with self.engine.begin() as conn:
            inserted = conn.execute(
                insert(conn, t).values(**values).on_conflict_do_nothing().returning(t.c.id)
            ).first()
            if inserted is not None:
                return "new"
            old = _decision(
                conn.execute(
                    select(t).where(t.c.bank == decision.bank, t.c.decided == decision.decided)
                ).one()
            )
            status = max(old.status, decision.status, key=_RANK.__getitem__)
            same = (old.effective, old.lower, old.upper, old.source, old.status) == (
                decision.effective,
                decision.lower,
                decision.upper,
                decision.source,
                status,
            )
            if same:
                return "unchanged"
            changes = {k: v for k, v in values.items() if k not in ("recorded_at",)}
            changes["status"] = status
            conn.execute(
                update(t)
                .where(t.c.bank == decision.bank, t.c.decided == decision.decided)
                .values(**changes)
            )
        return "corrected"

    def confirm(self, bank: str, decided: date, now: datetime | None = None) -> bool:
        """Mark a stored decision confirmed (the live series showed it); False if none."""
        t = policy_decisions_table
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.bank == bank, t.c.decided == decided, t.c.status != CONFIRMED)
                .values(status=CONFIRMED, updated_at=now or datetime.now(UTC))
            )
        return bool(result.rowcount)

    def remove(self, bank: str, decided: date) -> StoredDecision | None:
        """Delete the stored decision of ``bank`` on ``decided``; returns it (None: none)."""
        found = self.get(bank, decided)
        if found is None:
            return None
        t = policy_decisions_table
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.bank == bank, t.c.decided == decided))
        return found

    def fingerprint(self) -> tuple[int, str]:
        """Changes whenever a decision is added, corrected or removed."""
        t = policy_decisions_table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c.updated_at)).all()
        return len(rows), str(max((r.updated_at for r in rows), default=""))


def _decision(row: object) -> StoredDecision:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredDecision(
        bank=m["bank"],
        decided=m["decided"],
        effective=m["effective"],
        lower=float(m["lower"]),
        upper=float(m["upper"]),
        status=m["status"],
        source=m["source"],
        added_by=m["added_by"],
        between_meetings=bool(m["between_meetings"]),
        note=m["note"],
        recorded_at=m["recorded_at"],
    )
