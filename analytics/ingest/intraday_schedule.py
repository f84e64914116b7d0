"""When the intraday watch asks for USD/JPY again: by session, by recent movement, within quota.

FX trades from Sunday 17:00 to Friday 17:00 New York time; outside it nothing is polled. Inside
it the pace follows the sessions (zone-aware, so DST is handled): every ``busy`` minutes while
Tokyo (09:00–18:00 JST) or London (08:00–17:00 local) is open, every ``afternoon`` minutes in
New York's afternoon, every ``quiet`` minutes on the quiet evening before Tokyo opens, and every
``moving`` minutes while the last bars moved (see ``is_moving``).

The daily allowance (``daily_cap`` requests per UTC day, the day a provider's count resets on)
is never overspent: the moving pace is used only while the requests spent plus what the base
pace needs for the rest of the day fit the cap; when even the base pace does not fit, the polls
left are spread evenly over the open hours that remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")
WEEK_CLOSE = time(17, 0)  # New York: Friday's close and Sunday's open


@dataclass(frozen=True)
class Pace:
    """Minutes between polls in each state, and the daily allowance to stay within."""

    busy: float = 5.0
    afternoon: float = 10.0
    quiet: float = 20.0
    moving: float = 2.0
    daily_cap: int = 400
    # A move this large (percent) over the last hour, or a fall this large over six hours,
    # counts as moving.
    moving_1h_pct: float = 0.4
    moving_6h_pct: float = 1.0


def fx_open(now: datetime) -> bool:
    """Whether FX trades at ``now`` (Sunday 17:00 to Friday 17:00 in New York)."""
    local = now.astimezone(NEW_YORK)
    weekday, clock = local.weekday(), local.time()
    if weekday == 5:
        return False
    if weekday == 4:
        return clock < WEEK_CLOSE
    if weekday == 6:
        return clock >= WEEK_CLOSE
    return True


def next_open(now: datetime) -> datetime:
    """The next instant FX trades (``now`` itself when it is open)."""
    if fx_open(now):
        return now
    local = now.astimezone(NEW_YORK)
    days = (6 - local.weekday()) % 7
    sunday = local.date() + timedelta(days=days)
    return datetime.combine(sunday, WEEK_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)


def session(now: datetime) -> str:
    """``closed``, ``busy`` (Tokyo or London open), ``afternoon`` (New York only) or ``quiet``."""
    if not fx_open(now):
        return "closed"
    tokyo, london, york = (now.astimezone(z) for z in (TOKYO, LONDON, NEW_YORK))
    if _within(tokyo, 9, 18) or _within(london, 8, 17):
        return "busy"
    if _within(york, 8, 17):
        return "afternoon"
    return "quiet"


def base_minutes(now: datetime, pace: Pace) -> float:
    """Minutes to the next poll at the base pace of ``now``'s session (inf when closed)."""
    return {
        "closed": float("inf"),
        "busy": pace.busy,
        "afternoon": pace.afternoon,
        "quiet": pace.quiet,
    }[session(now)]


def is_moving(closes: pd.Series, now: datetime, pace: Pace) -> bool:
    """Whether USD/JPY moved enough lately to poll faster: over the last hour by
    ``moving_1h_pct`` either way, or down ``moving_6h_pct`` from the six-hour high.
    ``closes`` is indexed by bar start (UTC)."""
    if closes.empty:
        return False
    stamp = pd.Timestamp(now)
    last = float(closes.iloc[-1])
    hour = closes[closes.index >= stamp - pd.Timedelta(hours=1)]
    six = closes[closes.index >= stamp - pd.Timedelta(hours=6)]
    if len(hour) >= 2 and abs(last / float(hour.iloc[0]) - 1) * 100 >= pace.moving_1h_pct:
        return True
    return len(six) >= 2 and (last / float(six.max()) - 1) * 100 <= -pace.moving_6h_pct


def base_requests_until(start: datetime, end: datetime, pace: Pace) -> int:
    """How many polls the base pace makes from ``start`` (exclusive) to ``end``."""
    count, at = 0, start
    while True:
        at = _next_base(at, pace)
        if at >= end:
            return count
        count += 1


def next_poll(
    now: datetime,
    used_today: int,
    moving: bool,
    pace: Pace = Pace(),
) -> datetime:
    """When to poll next, given the requests spent today (UTC) including the one just made."""
    end_of_day = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), UTC)
    if not fx_open(now):
        return next_open(now)
    left = pace.daily_cap - used_today
    if left <= 0:
        return next_open(end_of_day)
    base = _next_base(now, pace)
    if moving:
        fast = now + timedelta(minutes=pace.moving)
        if fast < end_of_day and used_today + 1 + base_requests_until(fast, end_of_day, pace) <= (
            pace.daily_cap
        ):
            return min(fast, base)
    if base >= end_of_day or used_today + base_requests_until(now, end_of_day, pace) <= (
        pace.daily_cap
    ):
        return base
    # Even the base pace would overspend: spread what is left over the open time that remains.
    open_left = _open_seconds(now, end_of_day)
    return now + timedelta(seconds=max(pace.moving * 60, open_left / left))


def _next_base(at: datetime, pace: Pace) -> datetime:
    """The next poll after ``at`` at the base pace (the next open when FX is closed)."""
    if not fx_open(at):
        return next_open(at)
    nxt = at + timedelta(minutes=base_minutes(at, pace))
    return nxt if fx_open(nxt) else next_open(nxt)


def _open_seconds(start: datetime, end: datetime) -> float:
    """Seconds FX trades between ``start`` and ``end`` (a scan by minutes)."""
    seconds, at = 0.0, start
    while at < end:
        step = min(timedelta(minutes=5), end - at)
        if fx_open(at):
            seconds += step.total_seconds()
        at += step
    return seconds


def _within(local: datetime, start_hour: int, end_hour: int) -> bool:
    return local.weekday() < 5 and start_hour <= local.hour < end_hour
