"""How often a chat may be alerted: the per-chat alert budget (a delivery policy, pure).

At most one alert a day and three in seven days per chat; a regime change posts within that
budget, otherwise only a move of unwind pressure (C) by 15 points since the last alert does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SentAlert:
    """An alert already posted to a chat: when (chat-local time), what kind, C at that time."""

    at: datetime
    kind: str
    c: float | None


@dataclass(frozen=True)
class AlertDecision:
    post: bool
    kind: str | None  # regime or move; None when nothing is posted


@dataclass(frozen=True)
class AlertBudget:
    """At most ``per_day`` alerts a day and ``per_week`` in 7 days per chat; a regime change
    posts within that budget, otherwise only a move of C by ``c_move`` points since the last
    alert does. Pure: the caller passes the chat's past alerts."""

    per_day: int = 1
    per_week: int = 3
    c_move: float = 15.0

    def decide(
        self,
        sent: Sequence[SentAlert],
        now: datetime,
        regime_changed: bool,
        c: float | None,
        reference_c: float | None = None,
    ) -> AlertDecision:
        today = sum(1 for a in sent if a.at.date() == now.date())
        week = sum(1 for a in sent if timedelta(0) <= now - a.at < timedelta(days=7))
        if today >= self.per_day:
            return AlertDecision(False, None)
        if week >= self.per_week:
            return AlertDecision(False, None)
        if regime_changed:
            return AlertDecision(True, "regime")
        last = max(sent, key=lambda a: a.at) if sent else None
        base = reference_c if reference_c is not None else (last.c if last else None)
        if c is not None and base is not None and abs(c - base) >= self.c_move:
            return AlertDecision(True, "move")
        return AlertDecision(False, None)
