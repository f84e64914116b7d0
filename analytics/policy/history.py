"""Every Fed and BoJ decision known on a day: the packaged tables, the stored decisions and the
live rates, merged with the live rates winning.

The packaged tables (``analytics.policy.decisions``) are the history and the fallback; stored
decisions (``analytics.policy.records``: read from the banks' feeds, or added by the operator)
correct or extend them, one per bank and day. Where a live series covers a day
(``analytics.policy.live``), it decides:

- a live move matching a known decision of the same rate taken up to ``MEETING_WINDOW`` before it
  confirms that decision (its effective day becomes the day the move shows);
- a live move nobody recorded is a decision of its own (status ``live``), dated to the last
  scheduled meeting on or before it, or between meetings;
- a known change the live series does not show once it had time to, or a hold at a rate the live
  series was not at, is overridden (kept aside, not used);
- a meeting after the last known decision that the live series shows no move after is a hold.

Statuses: ``table`` (a packaged row), ``announced`` (read from a feed or added by hand, not yet
seen live), ``live`` (seen only in the live series) and ``confirmed`` (a known decision the live
series shows).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from analytics.policy import decisions as policy
from analytics.policy import live as live_rates
from analytics.policy.live import Level, LiveRates
from analytics.policy.records import StoredDecision

TABLE, ANNOUNCED, LIVE, CONFIRMED = "table", "announced", "live", "confirmed"
# How long after a meeting the live series must run, with no move, before the meeting counts as
# a hold: FRED shows a new Fed range from the next day; a BoJ change may take effect a week later.
HOLD_EVIDENCE = {"fed": timedelta(days=3), "boj": timedelta(days=10)}
# A known change the live series still does not show this long after its effective day is wrong.
CHANGE_EVIDENCE = timedelta(days=5)


@dataclass(frozen=True)
class KnownDecision:
    """One decision as the bot knows it: the rate or range (%) from ``effective`` on.

    ``origin`` says where it comes from (``table``, ``fed-feed``, ``boj-feed``, ``operator``,
    ``live``), ``source`` the document's URL or the live series id (``us.fed.range``,
    ``jp.call``; empty for a table row), ``tag`` the table's own label (``confirmed``,
    ``unchecked``, ``secondary``, ``unconfirmed``) for a table row.
    """

    bank: str
    decided: date
    effective: date
    lower: float
    upper: float
    status: str
    origin: str
    source: str = ""
    tag: str = ""
    between_meetings: bool = False
    note: str = ""

    @property
    def mid(self) -> float:
        return (self.lower + self.upper) / 2

    def same_rate(self, lower: float, upper: float) -> bool:
        return abs(self.lower - lower) < 1e-9 and abs(self.upper - upper) < 1e-9

    def as_decision(self) -> policy.Decision:
        """The row as ``analytics.policy.decisions`` reads decisions."""
        return policy.Decision(
            self.decided, self.lower, self.upper, self.status, self.note, self.effective
        )


@dataclass(frozen=True)
class History:
    """One bank's decisions in use on a day (by first day in force), the ones the live series
    overrode, and the live levels behind them (None: no live data)."""

    bank: str
    day: date
    decisions: tuple[KnownDecision, ...]
    overridden: tuple[KnownDecision, ...]
    live: LiveRates | None

    def in_force(self, day: date | None = None) -> KnownDecision | None:
        """The decision whose rate applies on ``day`` (default: the history's day)."""
        on = day or self.day
        found = [d for d in self.decisions if d.effective <= on]
        return found[-1] if found else None

    def latest(self, day: date | None = None) -> KnownDecision | None:
        """The latest decision taken on or before ``day``, in force or not yet."""
        on = day or self.day
        found = [d for d in self.decisions if d.decided <= on]
        return max(found, key=lambda d: d.decided) if found else None

    def previous(self, decision: KnownDecision) -> KnownDecision | None:
        """The decision in force before ``decision`` took effect."""
        at = self.decisions.index(decision)
        return self.decisions[at - 1] if at > 0 else None

    def changed(self, decision: KnownDecision) -> KnownDecision:
        """The decision that set ``decision``'s rate (itself unless it was a hold)."""
        at = self.decisions.index(decision)
        while at > 0 and self.decisions[at - 1].same_rate(decision.lower, decision.upper):
            at -= 1
        return self.decisions[at]

    def rate_on_days(self, index: pd.DatetimeIndex) -> pd.Series:
        """The midpoint in force on each day of ``index`` (NaN before the first decision)."""
        rows = [d.as_decision() for d in self.decisions]
        return policy.rate_on_days(rows, index, name=f"{self.bank}.policy")


def known(
    bank: str,
    day: date,
    stored: Iterable[StoredDecision] = (),
    live: LiveRates | None = None,
) -> History:
    """The decisions of ``bank`` known on ``day``: tables and stored ones taken on or before it,
    reconciled with ``live`` (levels up to ``day``)."""
    rows: dict[date, KnownDecision] = {
        d.decision_date: _from_table(bank, d) for d in policy.table(bank) if d.decision_date <= day
    }
    rows.update(_implied_holds(bank, day, rows))
    for s in stored:
        if s.bank == bank and s.decided <= day:
            rows[s.decided] = _from_stored(s)
    candidates = sorted(rows.values(), key=lambda d: (d.effective, d.decided))
    if live is None or not live.levels:
        used = [d for d in candidates if d.tag != "unconfirmed"]
        return History(bank, day, tuple(used), (), live)
    return _reconcile(bank, day, candidates, live)


def _implied_holds(
    bank: str, day: date, rows: dict[date, KnownDecision]
) -> dict[date, KnownDecision]:
    """A scheduled meeting without a row, before the table's last row in use, kept the rate: the
    tables list every change (and are checked against the live series for it)."""
    complete_to = min(day, policy.decisions(bank)[-1].decision_date)
    used = sorted((d for d in rows.values() if d.tag != "unconfirmed"), key=lambda d: d.decided)
    starts = [d.decided for d in used]
    holds = {}
    for meeting in policy.meetings():
        if meeting.bank != bank or meeting.kind != "scheduled":
            continue
        if meeting.date > complete_to:
            break
        at = bisect_left(starts, meeting.date) - 1
        if at < 0:
            continue
        rate = used[at]
        row = rows.get(meeting.date)
        # A row in use is the decision; an unconfirmed hold at the rate in force is implied
        # anyway (the table goes on from that rate), an unconfirmed move is not.
        if row is not None and (
            row.tag != "unconfirmed" or not row.same_rate(rate.lower, rate.upper)
        ):
            continue
        holds[meeting.date] = KnownDecision(
            bank,
            meeting.date,
            meeting.date,
            rate.lower,
            rate.upper,
            TABLE,
            "table",
            tag="implied",
            note="a meeting with no row before the table's last row: a hold",
        )
    return holds


def _reconcile(
    bank: str, day: date, candidates: Sequence[KnownDecision], live: LiveRates
) -> History:
    first, last = live.first_seen, live.last_seen
    assert first is not None and last is not None
    confirmed: dict[date, date] = {}  # decided → effective day the live series shows
    added: list[KnownDecision] = []
    overridden: dict[date, KnownDecision] = {}
    by_day = {d.decided: d for d in candidates}
    levels = live.levels
    for at in range(1, len(levels)):
        level, before = levels[at], levels[at - 1]
        match = [
            d
            for d in candidates
            if level.start - live_rates.MEETING_WINDOW <= d.decided <= level.start
            and d.same_rate(level.lower, level.upper)
        ]
        if match:
            confirmed[match[-1].decided] = level.start
            continue
        meeting = live_rates.meeting_for(bank, level.start)
        clash = by_day.get(meeting.date) if meeting is not None else None
        if meeting is None or (clash is not None and clash.same_rate(before.lower, before.upper)):
            added.append(_from_live(bank, level, live, level.start, between=True))
            continue
        if clash is not None:
            overridden[clash.decided] = clash
        added.append(_from_live(bank, level, live, meeting.date, between=False))
    used: list[KnownDecision] = []
    rate: tuple[float, float] | None = None
    for d in candidates:
        if d.decided in overridden:
            continue
        is_change = rate is None or not d.same_rate(*rate)
        if d.decided in confirmed:
            effective = confirmed[d.decided] if is_change else d.effective
            used.append(replace(d, status=CONFIRMED, effective=max(effective, d.decided)))
            rate = (d.lower, d.upper)
            continue
        verdict = _check(d, is_change, live, first, last)
        if verdict is None:  # not covered by the live series
            if d.tag != "unconfirmed":
                used.append(d)
                rate = (d.lower, d.upper)
        elif verdict:
            used.append(replace(d, status=CONFIRMED))
            rate = (d.lower, d.upper)
        elif d.tag != "unconfirmed":
            overridden[d.decided] = d
    path = sorted([*used, *added], key=lambda d: (d.effective, d.decided))
    path = _explain_levels(bank, path, live)
    path = _fill_holds(bank, day, path, live, last)
    return History(bank, day, tuple(path), tuple(sorted(overridden.values(), key=_day)), live)


def _check(
    d: KnownDecision, is_change: bool, live: LiveRates, first: date, last: date
) -> bool | None:
    """Whether the live series agrees with a known decision it did not see as a move (None: it
    does not cover the decision's days yet)."""
    if d.effective < first:
        return None
    if is_change:
        if last < d.effective + CHANGE_EVIDENCE:
            return None  # too early to tell
        # Seen only when the series starts at the new rate (no move to match); a level that
        # began with a move belongs to the decision that move is dated to.
        level = live.level_on(d.effective + CHANGE_EVIDENCE)
        return level is live.levels[0] and level.same_rate(d.lower, d.upper)
    if d.decided > last:
        return None
    level = live.level_on(d.decided)
    return level is not None and level.same_rate(d.lower, d.upper)


def _fill_holds(
    bank: str, day: date, path: list[KnownDecision], live: LiveRates, last: date
) -> list[KnownDecision]:
    """Holds at the meetings after the last known decision that the live series shows no move
    after."""
    if not path:
        return path
    known_days = {d.decided for d in path}
    recorded = [d.decided for d in path if d.origin != "live"]
    after = max(recorded) if recorded else path[0].decided
    holds = []
    for meeting in policy.meetings():
        if meeting.bank != bank or not meeting.held or meeting.kind == "unscheduled":
            continue
        if not (after < meeting.date <= day) or meeting.date in known_days:
            continue
        if meeting.date + HOLD_EVIDENCE[bank] > last:
            continue
        moved = any(
            meeting.date < level.start <= meeting.date + live_rates.MEETING_WINDOW
            for level in live.moves()
        )
        level = live.level_on(meeting.date)
        if moved or level is None:
            continue
        holds.append(
            KnownDecision(
                bank,
                meeting.date,
                meeting.date,
                level.lower,
                level.upper,
                LIVE,
                "live",
                live.series,
                note="no move in the live rate after the meeting",
            )
        )
    return sorted([*path, *holds], key=lambda d: (d.effective, d.decided))


def _explain_levels(bank: str, path: list[KnownDecision], live: LiveRates) -> list[KnownDecision]:
    """A live level the decisions do not give (the first one, when the series starts after a
    move nobody recorded) becomes a decision of its own from the level's first day."""
    out = list(path)
    for level in live.levels:
        in_force = [d for d in out if d.effective <= level.last]
        if in_force and in_force[-1].same_rate(level.lower, level.upper):
            continue
        out.append(_from_live(bank, level, live, level.start, between=True))
        out.sort(key=lambda d: (d.effective, d.decided))
    return out


def _from_table(bank: str, d: policy.Decision) -> KnownDecision:
    return KnownDecision(
        bank,
        d.decision_date,
        d.in_force_from,
        d.lower,
        d.upper,
        TABLE,
        "table",
        tag=d.status,
        note=d.note,
    )


def _from_stored(s: StoredDecision) -> KnownDecision:
    return KnownDecision(
        s.bank,
        s.decided,
        s.effective,
        s.lower,
        s.upper,
        s.status,
        s.added_by,
        s.source,
        between_meetings=s.between_meetings,
        note=s.note,
    )


def _from_live(
    bank: str, level: Level, live: LiveRates, decided: date, between: bool
) -> KnownDecision:
    return KnownDecision(
        bank,
        decided,
        level.start,
        level.lower,
        level.upper,
        LIVE,
        "live",
        live.series,
        between_meetings=between,
        note=f"live level {level.observed:.3f}% from {level.start.isoformat()}",
    )


def _day(d: KnownDecision) -> date:
    return d.decided
