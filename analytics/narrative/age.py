"""How old the latest stored close is, in a unit a reader counts in (days, weeks, months, years).

A briefing computed on day D reads the last close on or before D. The close of D itself may not
be out yet, and one weekday holiday may sit between: that is the normal same-day lag. Anything
older is ``behind``, and the briefing opens by saying how old it is (``count`` ``unit``; the
templates word it, with plurals, in the chat's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

NORMAL_LAG_WEEKDAYS = 1  # weekdays strictly between the close and today: one holiday
DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"


@dataclass(frozen=True)
class Age:
    """``days`` between two dates, said as ``count`` ``unit`` (1 ``day`` reads "yesterday")."""

    days: int
    count: int
    unit: str


def behind(latest: date, today: date) -> bool:
    """Whether ``latest`` is older than the normal lag before ``today``."""
    if latest >= today:
        return False
    between = int(np.busday_count(latest + timedelta(days=1), today))
    return between > NORMAL_LAG_WEEKDAYS


def age_of(latest: date, today: date) -> Age:
    """The age of ``latest`` on ``today`` in the largest unit that keeps it a whole count."""
    days = (today - latest).days
    if days < 14:
        return Age(days, days, DAY)
    if days < 60:
        return Age(days, round(days / 7), WEEK)
    if days < 730:
        return Age(days, round(days / 30.44), MONTH)
    return Age(days, round(days / 365.25), YEAR)
