"""Policy rates as a snapshot reports them, and what a reader must know about the tables behind them.

``readings(today)`` gives each bank's rate in force with the decision that set it, the last
meeting that kept it and the next meeting as the calendar stood (``analytics.policy.decisions``).
``notes(obs, today)`` says when a table disagrees with its live series, when the live check cannot
run (no live data, or too old), and when meetings were held after a table's last row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.catalogue import horizons
from analytics.catalogue.notes import LiveCheckUnavailable, Note, PolicyTableBehind
from analytics.catalogue.series import CATALOGUE
from analytics.policy import decisions as policy


@dataclass(frozen=True)
class PolicyReading:
    """A central bank's policy rate in force (midpoint and bounds, %), the decision that set it
    (``changed_on``), the latest meeting since that left it unchanged (``held_at``), the latest
    decision in use (``decided``) and the next meeting as the calendar stood on the day."""

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


def readings(today: date) -> tuple[PolicyReading, ...]:
    """Each bank's rate in force on ``today``, its last change and hold, and its next meeting."""
    upcoming = {m.bank: m for m in policy.next_meetings(today)}
    out = []
    for bank in policy.BANKS:
        found = policy.standing(bank, today)
        meeting = upcoming.get(bank)
        decision = found.decision if found else None
        out.append(
            PolicyReading(
                bank,
                decision.mid if decision else None,
                decision.lower if decision else None,
                decision.upper if decision else None,
                found.changed.decision_date if found else None,
                found.held_at if found else None,
                decision.decision_date if decision else None,
                decision.status if decision else None,
                meeting.date if meeting else None,
                meeting.status if meeting else None,
            )
        )
    return tuple(out)


FED_RANGE_FROM = pd.Timestamp("2008-12-16")  # a target range since; a single target before
LIVE_SERIES = {"fed": ("us.fed.target", "us.fed.upper"), "boj": ("jp.call",)}


def live_policy_rates(obs: pd.DataFrame, until: date | None = None) -> dict[str, pd.Series]:
    """Live cross-check series up to ``until``: the Fed target (FRED DFEDTAR to Dec 2008, then
    the midpoint of DFEDTARU/DFEDTARL) and the BoJ overnight call rate."""

    wanted = horizons.series_rows(obs, ("us.fed.upper", "us.fed.lower", "us.fed.target", "jp.call"))

    def series(series_id: str) -> pd.Series:
        rows = wanted[wanted["series"] == series_id]
        out = pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]))
        return out if until is None else out[out.index <= pd.Timestamp(until)]

    upper, lower = series("us.fed.upper"), series("us.fed.lower")
    target = series("us.fed.target")
    fed = pd.concat([target[target.index < FED_RANGE_FROM], ((upper + lower) / 2).dropna()])
    return {"fed": fed.sort_index(), "boj": series("jp.call")}


def notes(obs: pd.DataFrame, today: date) -> list[Note]:
    """Tables that disagree with live rates, checks that cannot run, meetings not in a table."""
    notes: list[Note] = []
    for bank, live in live_policy_rates(obs, today).items():
        fresh = len(live) and (today - live.index[-1].date()).days <= _live_age(bank, live)
        if not fresh:
            last = live.index[-1].date() if len(live) else None
            notes.append(LiveCheckUnavailable(bank, _live_series(bank, today), last))
            continue
        disagreement = policy.table_disagrees(bank, live)
        if disagreement:
            notes.append(disagreement)
    for bank in policy.BANKS:
        found = policy.standing(bank, today)
        if found is not None and found.unrecorded:
            notes.append(
                PolicyTableBehind(
                    bank,
                    found.recorded.decision_date,
                    found.recorded.lower,
                    found.recorded.upper,
                    len(found.unrecorded),
                    found.unrecorded[-1].date,
                )
            )
    return notes


def _live_series(bank: str, day: date) -> str:
    if bank == "boj":
        return "jp.call"
    return "us.fed.target" if pd.Timestamp(day) < FED_RANGE_FROM else "us.fed.range"


def _live_age(bank: str, live: pd.Series) -> int:
    """How old the last live value may be for the check to run (the series' age limit)."""
    series = "us.fed.target" if bank == "fed" and live.index[-1] < FED_RANGE_FROM else None
    return CATALOGUE[series or LIVE_SERIES[bank][-1]].max_age_days
