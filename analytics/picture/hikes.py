"""Every BoJ hike and what followed: USD/JPY, the Nikkei, the S&P 500, Bitcoin and the 2-year gap.

Hikes come from the decision table (``analytics.policy.decisions``): every decision in use whose rate
(midpoint) is above the previous decision's, from ``STUDY_START`` (before 1998 the table holds
discount-rate steps, not a call-rate target), so a newly confirmed hike appears by itself. Each
reaction runs from the last close on or before the decision day (the BoJ announces before the
Tokyo close, so that close already prices it) to the last close on or before 1, 5 and 20
business days (Mon–Fri) later; a close more than ``MAX_GAP_DAYS`` before its day is none.
Prices move in percent, the gap (US minus JGB 2-year) in bp between same-day pairs: the closes of
the last day on or before each end when both legs closed (``analytics.catalogue.pairs``), dated
by that day.
The median across hikes is taken over the hikes with a value; the latest hike is marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from analytics.catalogue import horizons, pairs
from analytics.catalogue.horizons import Points
from analytics.picture import markets
from analytics.policy import decisions as policy

STUDY_START = date(1999, 1, 1)
DAYS_AFTER = (1, 5, 20)
PRICES = ("usdjpy", *markets.RISK_ASSETS)
GAP = "gap_2y"
GAP_LEGS = ("us.2y", "jp.2y")
PCT, BP = "pct", "bp"
MAX_GAP_DAYS = 7


@dataclass(frozen=True)
class Hike:
    """A BoJ decision that raised the policy rate (midpoints in %, the new and the previous
    decision's bounds)."""

    decision_date: date
    from_pct: float
    to_pct: float
    lower: float
    upper: float
    status: str
    from_lower: float | None = None
    from_upper: float | None = None


@dataclass(frozen=True)
class Reaction:
    """One series from the decision-day close to the close ``days`` business days later."""

    key: str
    days: int
    unit: str
    base_date: date
    base_value: float
    target_day: date
    end_date: date
    end_value: float
    change: float


@dataclass(frozen=True)
class HikeEvent:
    """A hike and the reactions that the data cover; ``pending`` lists the horizons (business
    days) not reached yet on the study's day, so an absent reaction there means "not yet",
    elsewhere "no data"."""

    hike: Hike
    latest: bool
    reactions: tuple[Reaction, ...]
    pending: tuple[int, ...] = ()

    def reaction(self, key: str, days: int) -> Reaction | None:
        return next((r for r in self.reactions if r.key == key and r.days == days), None)


@dataclass(frozen=True)
class Median:
    """The median reaction of one series over ``count`` hikes."""

    key: str
    days: int
    unit: str
    median: float
    count: int


@dataclass(frozen=True)
class HikeStudy:
    """Every hike decided by ``day``, oldest first, and the medians across them."""

    day: date
    events: tuple[HikeEvent, ...]
    medians: tuple[Median, ...]

    def median(self, key: str, days: int) -> Median | None:
        return next((m for m in self.medians if m.key == key and m.days == days), None)


def hikes(on: date, confirmed_by: set[date] | None = None) -> tuple[Hike, ...]:
    """The BoJ hikes from ``STUDY_START`` to ``on`` in the decisions in use."""
    rows = policy.decisions("boj", confirmed_by=confirmed_by)
    found = []
    for before, after in pairwise(rows):
        day = after.decision_date
        if STUDY_START <= day <= on and after.mid > before.mid:
            found.append(
                Hike(
                    day,
                    before.mid,
                    after.mid,
                    after.lower,
                    after.upper,
                    after.status,
                    before.lower,
                    before.upper,
                )
            )
    return tuple(found)


def study(
    obs: pd.DataFrame,
    day: date,
    usdjpy: pd.Series | None = None,
    confirmed_by: set[date] | None = None,
) -> HikeStudy:
    """The event study with what is dated on or before ``day``.

    ``usdjpy``: observed USD/JPY by date; by default spliced from ``obs`` as the signal does.
    """
    fx = usdjpy if usdjpy is not None else markets.usdjpy_observations(obs, day)
    points = {
        name: p.until(day)
        for name, p in horizons.by_series(obs, [*markets.RISK_ASSETS, *GAP_LEGS]).items()
    }
    fx = fx[fx.index <= pd.Timestamp(day)].dropna()
    points["usdjpy"] = Points(
        "usdjpy",
        fx.index.to_numpy(dtype="datetime64[ns]"),
        fx.to_numpy(dtype="float64"),
        np.full(len(fx), ""),
    )
    found = hikes(day, confirmed_by)
    events = []
    for i, hike in enumerate(found):
        reactions = [
            r
            for days in DAYS_AFTER
            for r in (
                *(_price(points[key], key, hike.decision_date, days, day) for key in PRICES),
                _gap(points, hike.decision_date, days, day),
            )
            if r is not None
        ]
        pending = tuple(d for d in DAYS_AFTER if business_days_after(hike.decision_date, d) > day)
        events.append(HikeEvent(hike, i == len(found) - 1, tuple(reactions), pending))
    return HikeStudy(day, tuple(events), _medians(events))


def business_days_after(day: date, days: int) -> date:
    """``day`` plus ``days`` business days (Mon–Fri; holidays are not skipped)."""
    shifted = np.busday_offset(np.datetime64(day, "D"), days, roll="forward")
    return pd.Timestamp(shifted).date()


def _close(points: Points, day: date) -> tuple[date, float] | None:
    position = horizons.on_or_before(points, day)
    if position is None:
        return None
    seen = points.date_at(position)
    if (day - seen).days > MAX_GAP_DAYS:
        return None
    return seen, float(points.values[position])


def _price(points: Points, key: str, decided: date, days: int, day: date) -> Reaction | None:
    target = business_days_after(decided, days)
    if target > day:
        return None
    start, end = _close(points, decided), _close(points, target)
    if start is None or end is None or end[0] <= start[0]:
        return None
    change = (end[1] / start[1] - 1) * 100
    return Reaction(key, days, PCT, start[0], start[1], target, end[0], end[1], change)


def _gap(points: dict[str, Points], decided: date, days: int, day: date) -> Reaction | None:
    """The 2-year gap's move between same-day pairs (``analytics.catalogue.pairs``): from the
    last day on or before the decision when both legs closed to the last such day on or before
    the target day."""
    target = business_days_after(decided, days)
    if target > day:
        return None
    us, jp = (points[name] for name in GAP_LEGS)
    found = pairs.from_points(us, jp, MAX_GAP_DAYS)
    start, end = pairs.at(found, decided), pairs.at(found, target)
    if start is None or end is None:
        return None
    if (decided - start.date).days > MAX_GAP_DAYS or (target - end.date).days > MAX_GAP_DAYS:
        return None
    if end.date <= start.date:
        return None  # no day with both closes after the decision yet (a holiday)
    return Reaction(
        GAP, days, BP, start.date, start.value, target, end.date, end.value, end.value - start.value
    )


def _medians(events: list[HikeEvent]) -> tuple[Median, ...]:
    out = []
    for key in (*PRICES, GAP):
        for days in DAYS_AFTER:
            found = [r for e in events if (r := e.reaction(key, days)) is not None]
            if found:
                out.append(
                    Median(
                        key,
                        days,
                        found[0].unit,
                        float(np.median([r.change for r in found])),
                        len(found),
                    )
                )
    return tuple(out)
