"""Policy rates as a snapshot reports them, and what a reader must know about where they come from.

``policy_state(obs, today, stored, now)`` merges, for each bank, the packaged decision tables,
the decisions stored in the database and the live rates (``analytics.policy.history``: the live
series win where they disagree) and gives:

- ``readings``: each bank's rate in force with the decision that set it and where that decision
  comes from (a table row, a feed's document, the operator, a live series), the last meeting
  that kept it, a decision taken but not yet in force, and the next meeting as the calendar stood
  at ``now`` (a meeting whose decision is out is never "next");
- ``notes``: a live rate shown instead of the tables' (once per bank), a live check that cannot run
  (no live data, or too old), and meetings held after the last decision known;
- ``rate``: the rate in force on each day, for the signal's panel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics.catalogue.notes import LiveCheckUnavailable, LiveRateUsed, Note, PolicyTableBehind
from analytics.catalogue.series import CATALOGUE
from analytics.policy import decisions as policy
from analytics.policy import live as live_rates
from analytics.policy.history import History, KnownDecision, known
from analytics.policy.records import StoredDecision


@dataclass(frozen=True)
class PolicyReading:
    """A central bank's policy rate in force (midpoint and bounds, %), the decision that set it
    (``changed_on``), the latest meeting since that left it unchanged (``held_at``), the latest
    decision (``decided``), and the next meeting as the calendar stood at the time of writing.

    ``effective`` is the first day the rate applied; ``status`` (``table``, ``announced``, ``live``,
    ``confirmed``), ``origin`` (``table``, ``fed-feed``, ``boj-feed``, ``operator``, ``live``),
    ``source`` (a document URL or a live series id) and ``tag`` (the table's label) say where the
    rate in force comes from. ``pending_*`` describe a decision taken but not yet in force.
    """

    bank: str
    rate_pct: float | None
    lower: float | None
    upper: float | None
    changed_on: date | None
    held_at: date | None
    decided: date | None
    status: str | None
    next_meeting: date | None
    next_meeting_status: str | None
    effective: date | None = None
    origin: str | None = None
    source: str | None = None
    tag: str | None = None
    between_meetings: bool = False
    pending_lower: float | None = None
    pending_upper: float | None = None
    pending_effective: date | None = None


@dataclass(frozen=True)
class PolicyState:
    """Both banks' merged decision histories and what a snapshot says about them."""

    histories: dict[str, History]
    readings: tuple[PolicyReading, ...]
    notes: tuple[Note, ...]

    def rate(self, bank: str, index: pd.DatetimeIndex) -> pd.Series:
        """The rate in force each day of ``index`` (the panel's ``PolicyRate``)."""
        return self.histories[bank].rate_on_days(index)


def policy_state(
    obs: pd.DataFrame,
    today: date,
    stored: Iterable[StoredDecision] = (),
    now: datetime | None = None,
) -> PolicyState:
    """The decisions known on ``today`` (tables, ``stored``, live series in ``obs`` up to it)."""
    moment = now or policy.evening(today)
    stored = list(stored)
    live = live_rates.from_observations(obs, today)
    histories = {bank: known(bank, today, stored, live[bank]) for bank in policy.BANKS}
    tables = {bank: known(bank, today, stored) for bank in policy.BANKS}
    decided = frozenset((bank, d.decided) for bank, h in histories.items() for d in h.decisions)
    upcoming = {m.bank: m for m in policy.next_meetings(today, now=moment, decided=decided)}
    readings = tuple(_reading(histories[b], upcoming.get(b), today) for b in policy.BANKS)
    notes: list[Note] = []
    for bank in policy.BANKS:
        notes.extend(_live_notes(bank, histories[bank], tables[bank], obs, today))
    for bank in policy.BANKS:
        behind = _behind(histories[bank], today, moment)
        if behind is not None:
            notes.append(behind)
    return PolicyState(histories, readings, tuple(notes))


def _reading(h: History, meeting: policy.Meeting | None, today: date) -> PolicyReading:
    current = h.in_force(today)
    latest = h.latest(today)
    if current is None:
        return PolicyReading(
            h.bank, None, None, None, None, None, None, None,
            meeting.date if meeting else None, meeting.status if meeting else None,
        )  # fmt: skip
    changed = h.changed(current)
    pending = latest if latest is not None and latest.effective > today else None
    return PolicyReading(
        bank=h.bank,
        rate_pct=current.mid,
        lower=current.lower,
        upper=current.upper,
        changed_on=changed.decided,
        held_at=_held_at(h, current, changed, today),
        decided=latest.decided if latest else None,
        status=current.status,
        next_meeting=meeting.date if meeting else None,
        next_meeting_status=meeting.status if meeting else None,
        effective=changed.effective,
        origin=changed.origin,
        source=changed.source,
        tag=changed.tag,
        between_meetings=changed.between_meetings,
        pending_lower=pending.lower if pending else None,
        pending_upper=pending.upper if pending else None,
        pending_effective=pending.effective if pending else None,
    )


def _held_at(
    h: History, current: KnownDecision, changed: KnownDecision, today: date
) -> date | None:
    """The latest meeting after the change that kept the rate: a hold decision, or a meeting
    inside the span the decisions are known to be complete for."""
    holds = [
        d.decided
        for d in h.decisions
        if changed.decided < d.decided <= today and d.same_rate(current.lower, current.upper)
    ]
    complete_to = min(today, max(d.decided for d in h.decisions))
    holds += [
        m.date
        for m in policy.meetings()
        if m.bank == h.bank and m.held and changed.decided < m.date <= complete_to
    ]
    return max(holds) if holds else None


def _live_notes(
    bank: str, h: History, tables: History, obs: pd.DataFrame, today: date
) -> list[Note]:
    """A live check that cannot run, or the live rate shown instead of the tables'."""
    if bank == "boj" and today < live_rates.BOJ_LIVE_FROM:
        return []  # the call rate is not read as the BoJ's guideline before then: the table is
    live = h.live
    last = live.observed_to if live is not None else None
    if last is None or (today - last).days > _max_age(bank, last):
        seen = last or _stored_last(bank, obs, today)
        return [LiveCheckUnavailable(bank, _live_series(bank, today), seen)]
    current, table = h.in_force(today), tables.in_force(today)
    if current is None or table is None or current.same_rate(table.lower, table.upper):
        return []
    return [
        LiveRateUsed(
            bank,
            live.series if live is not None else "",
            current.lower,
            current.upper,
            h.changed(current).effective,
            h.changed(current).decided,
            h.changed(current).between_meetings,
            table.lower,
            table.upper,
            tables.changed(table).decided,
        )
    ]


def _behind(h: History, today: date, now: datetime) -> PolicyTableBehind | None:
    """Meetings held (decision out by ``now``) after the last decision known: the tables are
    complete up to their last row in use (a meeting before it without a row was a hold)."""
    latest = h.latest(today)
    if latest is None:
        return None
    complete_to = max(latest.decided, policy.decisions(h.bank)[-1].decision_date)
    missing = [
        m
        for m in policy.meetings()
        if m.bank == h.bank
        and m.held
        and m.kind != "unscheduled"
        and complete_to < m.date <= today
        and policy.out_by(h.bank, m.date) <= now
    ]
    if not missing:
        return None
    return PolicyTableBehind(
        h.bank, latest.decided, latest.lower, latest.upper, len(missing), missing[-1].date
    )


FED_RANGE_FROM = date(2008, 12, 16)  # a target range since; a single target before


def _live_series(bank: str, day: date) -> str:
    if bank == "boj":
        return "jp.call"
    return "us.fed.target" if day < FED_RANGE_FROM else "us.fed.range"


def _max_age(bank: str, day: date) -> int:
    series = "jp.call" if bank == "boj" else "us.fed.upper"
    if bank == "fed" and day < FED_RANGE_FROM:
        series = "us.fed.target"
    return CATALOGUE[series].max_age_days


def _stored_last(bank: str, obs: pd.DataFrame, today: date) -> date | None:
    """The last stored value of the bank's live series up to ``today``."""
    series = ("us.fed.upper", "us.fed.target") if bank == "fed" else ("jp.call",)
    rows = obs[obs["series"].isin(series) & (obs["date"] <= pd.Timestamp(today))]
    return None if rows.empty else pd.Timestamp(rows["date"].max()).date()
