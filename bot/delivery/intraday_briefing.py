"""The next briefing's word on a chat's intraday alert: did the close confirm it?

When the tick enqueues a chat's briefing, the chat's latest intraday alert of the last few days
is looked up; unless an earlier briefing already gave its verdict, the verdict of the close of
the alert's trading day is computed from the current daily computation and attached to the
briefing's payload (``intraday``): confirmed, not confirmed, or not in yet (then the next
briefing asks again). The briefing template words it (``replies/intraday_confirmation.j2``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from analytics.picture.intraday import close_verdict
from analytics.signal.pipeline import Computation
from analytics.storage.schema import deliveries_table
from bot.delivery.intraday_alerts import PAYLOAD_KIND
from bot.delivery.queue import AMBIGUOUS, OPEN_STATES, SENT, NewDelivery, utc

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=4)


class BriefingNotes:
    """Adds the verdict on each chat's last intraday alert to its briefing rows."""

    def __init__(self, engine: Engine, computation: Callable[[], Computation | None]) -> None:
        self.engine = engine
        self.computation = computation

    def __call__(self, rows: Sequence[NewDelivery], now: datetime) -> list[NewDelivery]:
        out = list(rows)
        wanted = [
            i for i, row in enumerate(out) if row.kind == "briefing" and row.state == "queued"
        ]
        if not wanted:
            return out
        try:
            computation = self.computation()
        except Exception:
            log.exception("no computation for the intraday verdicts")
            return out
        if computation is None:
            return out
        for i in wanted:
            row = out[i]
            note = self._note(row, computation, now)
            if note is not None:
                out[i] = replace(row, payload={**dict(row.payload), "intraday": note})
        return out

    def _note(
        self, row: NewDelivery, computation: Computation, now: datetime
    ) -> dict[str, Any] | None:
        alert = self._last_alert(row, now)
        if alert is None:
            return None
        facts, due_at = alert
        if self._already_given(row, str(facts.get("episode")), due_at):
            return None
        at = datetime.fromisoformat(str(facts["at"]))
        verdict = close_verdict(
            computation, at, float(facts["move_threshold"]), float(facts["pressure_threshold"])
        )
        return {
            "episode": facts.get("episode"),
            "at": facts["at"],
            "tz": facts.get("tz", "UTC"),
            "status": verdict.status,
            "day": verdict.day.isoformat(),
            "close": verdict.close,
            "change_pct": verdict.change_pct,
            "pressure": verdict.pressure,
            "by_move": verdict.by_move,
            "by_pressure": verdict.by_pressure,
        }

    def _last_alert(
        self, row: NewDelivery, now: datetime
    ) -> tuple[dict[str, Any], datetime] | None:
        t = deliveries_table
        query = (
            select(t.c.payload, t.c.due_at)
            .where(
                t.c.platform == row.platform,
                t.c.chat_id == row.chat_id,
                t.c.channel_id == row.channel_id,
                t.c.kind == "alert",
                t.c.due_at >= utc(now) - LOOK_BACK,
                t.c.state.in_([*OPEN_STATES, SENT, AMBIGUOUS]),
            )
            .order_by(t.c.due_at.desc())
        )
        with self.engine.connect() as conn:
            for payload, due_at in conn.execute(query):
                facts = json.loads(payload or "{}")
                if facts.get("kind") == PAYLOAD_KIND:
                    return facts, utc(due_at)
        return None

    def _already_given(self, row: NewDelivery, episode: str, since: datetime) -> bool:
        """Whether an earlier briefing of the chat gave this episode's final verdict."""
        t = deliveries_table
        query = select(t.c.payload).where(
            t.c.platform == row.platform,
            t.c.chat_id == row.chat_id,
            t.c.channel_id == row.channel_id,
            t.c.kind == "briefing",
            t.c.due_at >= since,
            t.c.key != row.key,
        )
        with self.engine.connect() as conn:
            for (payload,) in conn.execute(query):
                note = json.loads(payload or "{}").get("intraday") or {}
                if note.get("episode") == episode and note.get("status") != "pending":
                    return True
        return False
