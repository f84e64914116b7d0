"""Policy rates read from live series: the level each bank's rate sat at, and when it moved.

The Fed's range is FRED's ``DFEDTARU``/``DFEDTARL`` (``us.fed.upper``/``us.fed.lower``), exact
from the day the new range takes effect. The BoJ has no target series: its guideline is read
from the uncollateralized overnight call rate (BoJ API ``FM01``/``STRDCLUCON``, ``jp.call``),
which settles a few bp below it (0.727 under 0.75, 0.977 under 1.0, 1.227 under 1.25). Each
observation is rounded to the BoJ's steps (``boj_guideline``); a level that holds for
``PERSIST`` observations in a row is the rate, so a blip that reverts (a quarter-end spike) is
no decision. Read this way only from 19 Mar 2024, when the BoJ went back to guiding the call rate
(``BOJ_LIVE_FROM``); before that the tables are the history.

A move of a live level is a decision, dated to the last scheduled meeting on or before its
effective day (within ``MEETING_WINDOW``), or "between meetings" when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.catalogue import horizons
from analytics.policy import decisions as policy

PERSIST = 3  # observations in a row at a new level before it counts (business days)
BOJ_LIVE_FROM = date(2024, 3, 19)  # the BoJ guides the call rate again (0-0.1%)
FED_LIVE_FROM = date(2008, 12, 16)  # FRED publishes a target range since
BOJ_STEP = 0.25  # guideline steps above the 0-0.1% band
BOJ_SETTLES_BELOW = 0.023  # the call rate sits about this far under a single-rate guideline
BOJ_NOISE = 0.10  # farther than this from every step: not a reading of the guideline
BOJ_BAND = (0.0, 0.1)  # the 0-0.1% guideline of Mar-Jul 2024 (the call rate traded ~0.077)
BOJ_BAND_TOP = 0.15  # a call rate under this is read as the band
# A move takes effect at most this long after the meeting that decided it (BoJ: six days in
# Sep 2026; the Fed: the next day). A move with no scheduled meeting in it is "between meetings".
MEETING_WINDOW = timedelta(days=14)
LIVE_SERIES = {"fed": "us.fed.range", "boj": "jp.call"}


@dataclass(frozen=True)
class Level:
    """A live rate level from ``start`` (its first observation) to ``last`` (its latest)."""

    start: date
    last: date
    lower: float
    upper: float
    observed: float  # the live value's mean over the level (the call rate, or the Fed's midpoint)

    @property
    def mid(self) -> float:
        return (self.lower + self.upper) / 2

    def same_rate(self, lower: float, upper: float) -> bool:
        return abs(self.lower - lower) < 1e-9 and abs(self.upper - upper) < 1e-9


@dataclass(frozen=True)
class LiveRates:
    """One bank's live levels, oldest first, and the series they come from (``us.fed.range``
    or ``jp.call``); ``last_seen`` is the date of its latest observation."""

    bank: str
    series: str
    levels: tuple[Level, ...]
    observed_to: date | None = None  # the latest observation read, at a level or not

    @property
    def last_seen(self) -> date | None:
        return self.levels[-1].last if self.levels else None

    @property
    def first_seen(self) -> date | None:
        return self.levels[0].start if self.levels else None

    def level_on(self, day: date) -> Level | None:
        """The level in force on ``day`` (None before the first observation)."""
        for level in reversed(self.levels):
            if level.start <= day:
                return level
        return None

    def moves(self) -> tuple[Level, ...]:
        """Every level after the first: each begins with a move of the rate."""
        return self.levels[1:]


def boj_guideline(call_rate: float) -> tuple[float, float] | None:
    """The BoJ guideline (lower, upper) a call-rate reading sits under, or None when it is too far
    from every step to be one (a spike)."""
    if not np.isfinite(call_rate) or call_rate < -0.05:
        return None
    if call_rate < BOJ_BAND_TOP:
        return BOJ_BAND
    step = round((call_rate + BOJ_SETTLES_BELOW) / BOJ_STEP) * BOJ_STEP
    if abs(call_rate - (step - BOJ_SETTLES_BELOW)) > BOJ_NOISE:
        return None
    return (step, step)


def fed_levels(
    upper: pd.Series,
    lower: pd.Series,
    until: date | None = None,
    target: pd.Series | None = None,
) -> LiveRates:
    """The Fed's target levels: FRED's upper and lower bounds (days with both) from 16 Dec 2008,
    and its single target (``DFEDTAR``, ``target``) before."""
    frame = pd.concat({"upper": _clean(upper), "lower": _clean(lower)}, axis=1).dropna()
    frame = frame[frame.index >= pd.Timestamp(FED_LIVE_FROM)]
    if target is not None:
        single = _clean(target)
        single = single[single.index < pd.Timestamp(FED_LIVE_FROM)]
        frame = pd.concat([pd.DataFrame({"upper": single, "lower": single}), frame])
    if until is not None:
        frame = frame[frame.index <= pd.Timestamp(until)]
    values = frame[["lower", "upper"]].to_numpy()
    days = frame.index
    if not len(values):
        return LiveRates("fed", LIVE_SERIES["fed"], ())
    starts = np.flatnonzero(np.r_[True, (np.diff(values, axis=0) != 0).any(axis=1)])
    ends = np.r_[starts[1:] - 1, len(values) - 1]
    levels = tuple(
        Level(
            days[s].date(),
            days[e].date(),
            float(values[s][0]),
            float(values[s][1]),
            float(values[s].mean()),
        )
        for s, e in zip(starts, ends, strict=True)
    )
    return LiveRates("fed", LIVE_SERIES["fed"], levels, days[-1].date())


def boj_levels(call: pd.Series, until: date | None = None, persist: int = PERSIST) -> LiveRates:
    """The BoJ guideline levels the call rate shows: a new level counts once ``persist``
    observations in a row round to it; readings between steps are skipped."""
    series = _clean(call)
    series = series[series.index >= pd.Timestamp(BOJ_LIVE_FROM)]
    if until is not None:
        series = series[series.index <= pd.Timestamp(until)]
    steps = [boj_guideline(float(v)) for v in series.to_numpy()]
    days = [d.date() for d in series.index]
    values = series.to_numpy()
    levels: list[Level] = []
    current: tuple[float, float] | None = None
    members: list[int] = []
    i = 0
    while i < len(steps):
        step = steps[i]
        if step is None:
            i += 1
            continue
        if step == current:
            members.append(i)
            levels[-1] = _level(days, values, members, current)
            i += 1
            continue
        # A candidate new level: ``persist`` consecutive readings at it (skipped spikes break it).
        run = [i]
        j = i + 1
        while j < len(steps) and len(run) < persist and steps[j] == step:
            run.append(j)
            j += 1
        if len(run) < persist:
            i += 1
            continue
        current = step
        members = list(run)
        levels.append(_level(days, values, members, current))
        i = j
    last = days[-1] if days else None
    return LiveRates("boj", LIVE_SERIES["boj"], tuple(levels), last)


def from_observations(obs: pd.DataFrame, until: date | None = None) -> dict[str, LiveRates]:
    """Each bank's live levels from a long observation frame, up to ``until``."""
    wanted = horizons.series_rows(obs, ("us.fed.upper", "us.fed.lower", "us.fed.target", "jp.call"))

    def series(series_id: str) -> pd.Series:
        rows = wanted[wanted["series"] == series_id]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]))

    return {
        "fed": fed_levels(
            series("us.fed.upper"), series("us.fed.lower"), until, series("us.fed.target")
        ),
        "boj": boj_levels(series("jp.call"), until),
    }


def meeting_for(bank: str, effective: date) -> policy.Meeting | None:
    """The last scheduled meeting on or before ``effective`` within ``MEETING_WINDOW`` (None:
    the move came between meetings)."""
    found = [
        m
        for m in policy.meetings()
        if m.bank == bank and m.held and effective - MEETING_WINDOW <= m.date <= effective
    ]
    return found[-1] if found else None


def _level(
    days: list[date], values: np.ndarray, members: list[int], step: tuple[float, float]
) -> Level:
    return Level(
        days[members[0]], days[members[-1]], step[0], step[1], float(values[members].mean())
    )


def _clean(series: pd.Series) -> pd.Series:
    out = pd.Series(series, dtype="float64").dropna()
    out.index = pd.DatetimeIndex(pd.to_datetime(out.index)).normalize()
    out = out[~out.index.duplicated(keep="last")]
    return out.sort_index()
