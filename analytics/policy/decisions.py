"""Fed and BoJ policy-rate decisions, kept as data in ``analytics/data``, and checks against live rates.

Tables (``policy_fed.csv``, ``policy_boj.csv``): ``decision_date,lower,upper,status,note[,effective]``,
one row per decision (holds included, so the last decision date is known); a single rate has
lower == upper. ``status`` is ``confirmed`` (primary or wire source, or checked against real
data), ``unchecked`` (from public history or memory, not yet checked; used), ``secondary``
(strong secondary evidence: several sources citing the bank's own document; used, and labelled
so) or ``unconfirmed`` (secondary reports only; not used until a live series confirms it). A
rate applies from its ``effective`` day when the row gives one (the BoJ's 18 Sep 2026 hike took
effect on 24 Sep), else from its decision date.

The tables are the history and the fallback: ``analytics.policy.history`` merges them with the
decisions stored in the database and the live rates (``analytics.policy.live``), which win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.catalogue.tables import csv_rows, package_text

BANKS = ("fed", "boj")
STATUSES = frozenset({"confirmed", "unconfirmed", "unchecked", "secondary"})
TABLE_COLUMNS = ["decision_date", "lower", "upper", "status", "note", "effective"]
MEETING_COLUMNS = ["bank", "date", "kind", "status", "note"]
# scheduled: on the calendar published in advance; unscheduled: an intermeeting or extraordinary
# decision, known only when it happened; cancelled: on the calendar, then moved or shortened.
MEETING_KINDS = frozenset({"scheduled", "unscheduled", "cancelled"})
REPLACEMENT_WINDOW = timedelta(days=14)  # a moved meeting's replacement lies this close before it


@dataclass(frozen=True)
class Decision:
    """One policy decision: the new rate (or range, in %) from ``decision_date`` on."""

    decision_date: date
    lower: float
    upper: float
    status: str
    note: str
    effective: date | None = None

    @property
    def in_force_from(self) -> date:
        """The first day the new rate applies: the stated effective day, else the decision day."""
        return self.effective or self.decision_date

    @property
    def mid(self) -> float:
        """The midpoint of the range (the rate itself when it is a single rate)."""
        return (self.lower + self.upper) / 2

    def describe(self) -> str:
        """The rate as people write it: ``0.75%`` or ``3.50–3.75%``."""
        if self.lower == self.upper:
            return f"{self.lower:.2f}%"
        return f"{self.lower:.2f}–{self.upper:.2f}%"


@dataclass(frozen=True)
class Meeting:
    """A decision day (the last day of a meeting): ``kind`` is one of ``MEETING_KINDS``."""

    bank: str
    date: date
    kind: str
    status: str
    note: str

    @property
    def held(self) -> bool:
        """True when a decision was taken that day (not a cancelled calendar entry)."""
        return self.kind != "cancelled"


# --- loading --------------------------------------------------------------------------------


def parse_table(text: str, name: str = "policy table") -> tuple[Decision, ...]:
    """Decisions from a table's CSV text, oldest first; ValueError names the bad line."""
    decisions_: list[Decision] = []
    for line, row in csv_rows(text, TABLE_COLUMNS, name, required=TABLE_COLUMNS[:-2]):
        where = f"{name} line {line}"
        try:
            effective = (row["effective"] or "").strip()
            decision = Decision(
                decision_date=date.fromisoformat(row["decision_date"].strip()),
                lower=float(row["lower"]),
                upper=float(row["upper"]),
                status=row["status"].strip(),
                note=(row["note"] or "").strip(),
                effective=date.fromisoformat(effective) if effective else None,
            )
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}: {exc}") from None
        if decision.status not in STATUSES:
            raise ValueError(f"{where}: status {decision.status!r} is not one of {_statuses()}")
        if decision.lower > decision.upper:
            raise ValueError(f"{where}: lower {decision.lower} is above upper {decision.upper}")
        if decision.effective is not None and decision.effective < decision.decision_date:
            raise ValueError(f"{where}: effective {decision.effective} is before the decision")
        if decisions_ and decision.decision_date <= decisions_[-1].decision_date:
            raise ValueError(f"{where}: dates must increase ({decision.decision_date})")
        decisions_.append(decision)
    if not decisions_:
        raise ValueError(f"{name} has no decisions")
    return tuple(decisions_)


@cache
def table(bank: str) -> tuple[Decision, ...]:
    """Every row of a bank's table, whatever its status (loaded once, on first use)."""
    _check_bank(bank)
    name = f"policy_{bank}.csv"
    return parse_table(package_text(name), name)


def parse_meetings(text: str, name: str = "meetings") -> tuple[Meeting, ...]:
    """Scheduled meetings from CSV text (``#`` lines are provenance comments), sorted by date."""
    meetings_: list[Meeting] = []
    for line, row in csv_rows(text, MEETING_COLUMNS, name, required=MEETING_COLUMNS[:-1]):
        bank = row["bank"].strip()
        kind = row["kind"].strip()
        status = row["status"].strip()
        if bank not in BANKS or status not in STATUSES or kind not in MEETING_KINDS:
            raise ValueError(
                f"{name} line {line}: unknown bank {bank!r}, kind {kind!r} or status {status!r}"
            )
        try:
            day = date.fromisoformat(row["date"].strip())
        except ValueError as exc:
            raise ValueError(f"{name} line {line}: {exc}") from None
        meetings_.append(Meeting(bank, day, kind, status, (row["note"] or "").strip()))
    return tuple(sorted(meetings_, key=lambda meeting: (meeting.date, meeting.bank)))


@cache
def meetings() -> tuple[Meeting, ...]:
    """The scheduled FOMC and BoJ decision days kept in ``meetings.csv``."""
    return parse_meetings(package_text("meetings.csv"), "meetings.csv")


def _check_bank(bank: str) -> None:
    if bank not in BANKS:
        raise ValueError(f"unknown bank {bank!r}; expected one of {', '.join(BANKS)}")


def _statuses() -> str:
    return ", ".join(sorted(STATUSES))


# --- queries --------------------------------------------------------------------------------


def decisions(
    bank: str, include_unconfirmed: bool = False, confirmed_by: set[date] | None = None
) -> list[Decision]:
    """The decisions in use: all but ``unconfirmed`` ones, unless included or confirmed.

    ``confirmed_by`` holds decision dates a live series confirmed (``analytics.policy.history``
    reconciles the tables with the live rates).
    """
    confirmed = confirmed_by or set()
    return [
        decision
        for decision in table(bank)
        if decision.status != "unconfirmed"
        or include_unconfirmed
        or decision.decision_date in confirmed
    ]


def daily_rate(
    bank: str,
    index: pd.DatetimeIndex,
    include_unconfirmed: bool = False,
    confirmed_by: set[date] | None = None,
) -> pd.Series:
    """The policy rate (midpoint, %) on each day of ``index`` from each decision's first day in
    force; NaN before the first decision."""
    rows = decisions(bank, include_unconfirmed, confirmed_by)
    return rate_on_days(rows, index, name=f"{bank}.policy")


def rate_on_days(
    rows: Sequence[Decision], index: pd.DatetimeIndex, name: str | None = None
) -> pd.Series:
    """The midpoint of the decision in force on each day of ``index`` (``rows`` ordered by
    their first day in force); NaN before the first."""
    starts = pd.DatetimeIndex([pd.Timestamp(row.in_force_from) for row in rows])
    mids = np.array([row.mid for row in rows], dtype="float64")
    days = pd.DatetimeIndex(index).normalize()
    position = starts.searchsorted(days, side="right") - 1
    values = np.where(position >= 0, mids[np.clip(position, 0, None)], np.nan)
    return pd.Series(values, index=index, name=name, dtype="float64")


def last_decision(
    bank: str,
    on: date,
    include_unconfirmed: bool = False,
    confirmed_by: set[date] | None = None,
) -> Decision | None:
    """The latest decision taken on or before ``on`` (None before the table starts)."""
    earlier = [
        row for row in decisions(bank, include_unconfirmed, confirmed_by) if row.decision_date <= on
    ]
    return earlier[-1] if earlier else None


# Both banks meet at least every three months; a later listed date is not the next meeting.
NEXT_MEETING_HORIZON = timedelta(days=100)


# When a decision is announced: the Fed at 14:00 New York time (fixed); the BoJ around noon Tokyo
# time with no fixed time, always out by mid-afternoon.
ANNOUNCED_AT = {"fed": (time(14, 0), "America/New_York"), "boj": (time(12, 0), "Asia/Tokyo")}
FIXED_TIME = frozenset({"fed"})
OUT_BY = {"fed": time(14, 0), "boj": time(15, 0)}


def announcement(bank: str, day: date) -> datetime:
    """The (UTC) moment a decision of ``day`` is announced: fixed for the Fed, the usual time
    for the BoJ."""
    at, zone = ANNOUNCED_AT[bank]
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(UTC)


def out_by(bank: str, day: date) -> datetime:
    """The (UTC) moment a decision of ``day`` has been public in practice."""
    return datetime.combine(day, OUT_BY[bank], ZoneInfo(ANNOUNCED_AT[bank][1])).astimezone(UTC)


def evening(day: date) -> datetime:
    """The end of ``day`` (UTC): a briefing of a past day reads as it would have that evening."""
    return datetime.combine(day, time(23, 59), UTC)


def phase(day: date, now: datetime) -> tuple[tuple[str, bool], ...]:
    """For each meeting of ``day``, whether its decision is out at ``now`` (a snapshot of the day
    reads differently before and after)."""
    return tuple(
        (m.bank, out_by(m.bank, m.date) <= now) for m in meetings() if m.date == day and m.held
    )


def next_meetings(
    on: date,
    include_unchecked: bool = True,
    now: datetime | None = None,
    decided: frozenset[tuple[str, date]] = frozenset(),
) -> list[Meeting]:
    """Each bank's next decision day from ``on`` as the calendar stood then, soonest first.

    A meeting of ``on`` itself counts until its decision is out at ``now`` (default: the evening
    of ``on``) or known (``decided``: (bank, day) pairs): a meeting already held is never next.
    Unscheduled decisions are left out (nobody knew them in advance); a cancelled calendar entry
    counts until the meeting that replaced it. A bank is missing when the file holds no date within
    ``NEXT_MEETING_HORIZON`` (its schedule for that period is not entered).
    """
    moment = now or evening(on)
    upcoming: dict[str, Meeting] = {}
    for meeting in meetings():
        if meeting.date < on or meeting.date > on + NEXT_MEETING_HORIZON:
            continue
        if (meeting.bank, meeting.date) in decided or out_by(meeting.bank, meeting.date) <= moment:
            continue
        if meeting.bank in upcoming or meeting.kind == "unscheduled":
            continue
        if meeting.kind == "cancelled" and not on < _replaced_on(meeting):
            continue
        if meeting.status == "unchecked" and not include_unchecked:
            continue
        upcoming[meeting.bank] = meeting
    return sorted(upcoming.values(), key=lambda meeting: (meeting.date, meeting.bank))


def _replaced_on(cancelled: Meeting) -> date:
    """The day of the meeting held instead of a cancelled one (itself when none is found)."""
    held = [
        m.date
        for m in meetings()
        if m.bank == cancelled.bank
        and m.held
        and cancelled.date - REPLACEMENT_WINDOW <= m.date < cancelled.date
    ]
    return max(held) if held else cancelled.date
