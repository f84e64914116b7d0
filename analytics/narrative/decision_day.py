"""Decision days: a bank deciding today, and a decision just taken, as claims (codes and numbers).

``news(state, signal, today, now)`` gathers what the lede says about central-bank decisions at the
time of writing: each meeting of ``today`` whose decision is not out yet (with its fixed time,
where the bank has one), and each decision taken today or on the previous business day, with the rate
before and after, what it did to the policy-rate gap, and carry incentive before it and on the
last computed day. ``claims(news)`` turns that into the lede's first claims: the decision first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.narrative.claim import Claim
from analytics.policy import decisions as policy
from analytics.policy.effect import HELD, effect
from analytics.policy.history import KnownDecision
from analytics.policy.status import PolicyState

# A decision is news in the briefings of its day and of the next business day (a Friday BoJ
# decision is still news on Monday morning; the Fed's, announced in the Tokyo night, too).
NEWS_BUSINESS_DAYS = 1
INCENTIVE_MOVE = 1.0  # carry incentive points: a smaller change is "the scores did not move"


@dataclass(frozen=True)
class MeetingToday:
    """A meeting of the day whose decision is not out yet: ``at`` is the fixed announcement
    (in the bank's own zone; None when the bank has no fixed time, as the BoJ), ``usual`` its
    usual time."""

    bank: str
    day: date
    at: datetime | None
    usual: datetime
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class RecentDecision:
    """A decision still news (taken today or on the previous business day) and what it did."""

    bank: str
    decided: date
    effective: date
    lower: float
    upper: float
    previous_lower: float | None
    previous_upper: float | None
    action: str
    change_bp: float
    status: str
    origin: str
    source: str
    between_meetings: bool
    gap_before_bp: float | None
    gap_after_bp: float | None
    incentive_before: float | None
    incentive_before_day: date | None
    incentive_after: float | None
    incentive_after_day: date | None


@dataclass(frozen=True)
class DecisionNews:
    """What the lede says about decisions at the time of writing."""

    today: tuple[MeetingToday, ...] = ()
    recent: tuple[RecentDecision, ...] = ()


@dataclass(frozen=True)
class DecidesToday(Claim):
    """``bank`` decides today; ``at`` is the fixed time (in the bank's zone) or None (the BoJ:
    usually around ``usual``); the rate in force before it."""

    code: ClassVar[str] = "decides_today"
    bank: str
    day: date
    at: datetime | None
    usual: datetime
    lower: float | None
    upper: float | None
    local: datetime | None = None  # ``at`` in the chat's zone, where a reply knows it

    def in_zone(self, zone: str | None) -> DecidesToday:
        """The claim with its fixed time also in the chat's zone ``zone``."""
        if self.at is None or not zone or zone == str(self.at.tzinfo):
            return self
        return replace(self, local=self.at.astimezone(ZoneInfo(zone)))


@dataclass(frozen=True)
class DecisionClaim(Claim):
    """A decision just taken: ``action`` (raised, cut, held), the new rate, the effective day
    when later than the decision, the policy-rate gap before and after, and carry incentive
    before and after when the scores moved (else None)."""

    code: ClassVar[str] = "decision"
    bank: str
    decided: date
    action: str
    lower: float
    upper: float
    previous_lower: float | None
    previous_upper: float | None
    change_bp: float
    effective: date | None
    status: str
    origin: str
    source: str
    between_meetings: bool
    gap_before_bp: float | None
    gap_after_bp: float | None
    incentive_before: float | None
    incentive_after: float | None
    incentive_after_day: date | None


def news(
    state: PolicyState, signal: pd.DataFrame, today: date, now: datetime | None = None
) -> DecisionNews:
    """Meetings of ``today`` not decided by ``now`` (default: the evening of ``today``) and the
    decisions still news (``news_since``)."""
    moment = now or policy.evening(today)
    decided = {(bank, d.decided) for bank, h in state.histories.items() for d in h.decisions}
    pending = []
    for meeting in policy.meetings():
        if meeting.date != today or not meeting.held or meeting.kind == "unscheduled":
            continue
        if (meeting.bank, meeting.date) in decided or policy.out_by(meeting.bank, today) <= moment:
            continue
        rate = state.histories[meeting.bank].in_force(today)
        fixed = meeting.bank in policy.FIXED_TIME
        zone = ZoneInfo(policy.ANNOUNCED_AT[meeting.bank][1])
        usual = policy.announcement(meeting.bank, today).astimezone(zone)
        pending.append(
            MeetingToday(
                meeting.bank,
                today,
                usual if fixed else None,
                usual,
                rate.lower if rate else None,
                rate.upper if rate else None,
            )
        )
    recent = [
        _recent(state, d, signal, today)
        for bank in policy.BANKS
        for d in state.histories[bank].decisions
        if news_since(today) <= d.decided <= today
    ]
    # Latest first; on one day a change before a hold, and the Fed (New York's afternoon) after
    # the BoJ (Tokyo's noon).
    recent.sort(key=lambda r: (r.decided, r.action != HELD, r.bank == "fed"), reverse=True)
    return DecisionNews(tuple(pending), tuple(recent))


def news_since(today: date) -> date:
    """The first decision day still news on ``today``: ``NEWS_BUSINESS_DAYS`` business days back."""
    day, left = today, NEWS_BUSINESS_DAYS
    while left:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def claims(news_: DecisionNews) -> tuple[Claim, ...]:
    """The lede's decision claims: decisions just taken (latest first), then meetings of today."""
    out: list[Claim] = []
    for r in news_.recent:
        # What the decision did to carry incentive: its own day's scores against the day before.
        moved = (
            r.action != HELD
            and r.incentive_before is not None
            and r.incentive_after is not None
            and r.incentive_after_day == r.decided
            and abs(r.incentive_after - r.incentive_before) >= INCENTIVE_MOVE
        )
        out.append(
            DecisionClaim(
                bank=r.bank,
                decided=r.decided,
                action=r.action,
                lower=r.lower,
                upper=r.upper,
                previous_lower=r.previous_lower,
                previous_upper=r.previous_upper,
                change_bp=r.change_bp,
                effective=r.effective if r.effective > r.decided + timedelta(days=1) else None,
                status=r.status,
                origin=r.origin,
                source=r.source,
                between_meetings=r.between_meetings,
                gap_before_bp=r.gap_before_bp,
                gap_after_bp=r.gap_after_bp,
                incentive_before=r.incentive_before if moved else None,
                incentive_after=r.incentive_after if moved else None,
                incentive_after_day=r.incentive_after_day if moved else None,
            )
        )
    for m in news_.today:
        out.append(DecidesToday(m.bank, m.day, m.at, m.usual, m.lower, m.upper))
    return tuple(out)


def _recent(
    state: PolicyState, d: KnownDecision, signal: pd.DataFrame, today: date
) -> RecentDecision:
    history = state.histories[d.bank]
    before = history.previous(d)
    other = "boj" if d.bank == "fed" else "fed"
    other_rate = state.histories[other].in_force(max(today, d.effective))
    done = effect(
        d.bank, d.mid, before.mid if before else None, other_rate.mid if other_rate else None
    )
    incentive = signal["A"] if "A" in signal else pd.Series(dtype="float64")
    before_day, before_value = _value_before(incentive, d.decided)
    after_day, after_value = _last_value(incentive, d.decided)
    return RecentDecision(
        bank=d.bank,
        decided=d.decided,
        effective=d.effective,
        lower=d.lower,
        upper=d.upper,
        previous_lower=before.lower if before else None,
        previous_upper=before.upper if before else None,
        action=done.action,
        change_bp=done.change_bp,
        status=d.status,
        origin=d.origin,
        source=d.source,
        between_meetings=d.between_meetings,
        gap_before_bp=done.gap_before_bp,
        gap_after_bp=done.gap_after_bp,
        incentive_before=before_value,
        incentive_before_day=before_day,
        incentive_after=after_value,
        incentive_after_day=after_day,
    )


def _value_before(series: pd.Series, day: date) -> tuple[date | None, float | None]:
    """The last value strictly before ``day``."""
    part = series[series.index < pd.Timestamp(day)].dropna()
    if part.empty:
        return None, None
    return part.index[-1].date(), float(part.iloc[-1])


def _last_value(series: pd.Series, day: date) -> tuple[date | None, float | None]:
    """The last value, when it is of ``day`` or later (the scores after the decision)."""
    part = series.dropna()
    if part.empty or part.index[-1] < pd.Timestamp(day):
        return None, None
    value = float(part.iloc[-1])
    return part.index[-1].date(), (None if np.isnan(value) else value)


__all__ = [
    "DecidesToday",
    "DecisionClaim",
    "DecisionNews",
    "MeetingToday",
    "RecentDecision",
    "claims",
    "news",
]
