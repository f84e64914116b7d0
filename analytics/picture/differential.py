"""US-minus-Japan rate gaps in basis points: levels, changes, distance from the 3-year peak.

Three gaps: the policy rate (Fed target midpoint minus the BoJ rate, from the decision tables),
the 2-year and the 10-year yield. Every level and change is a same-day pair
(``analytics.signal.gaps``, ``analytics.catalogue.pairs``): the closes of the last day on or
before the day asked when both legs have one, labelled with that day (``GapBlock.day``). Each
leg keeps its own latest close and date as well, so a reply can say which leg has no new close.
Changes run over calendar horizons (``analytics.catalogue.horizons``: 1 week, 1, 3 and 12
months) counted back from the pair's day, and the peak over three calendar years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.catalogue import pairs
from analytics.catalogue.horizons import Change
from analytics.catalogue.values import day_or_none, number_or_none
from analytics.signal.gaps import GAPS, GapSpec, column, gap_pairs

HORIZONS = ("1w", "1m", "3m", "12m")
PEAK_YEARS = 3

__all__ = ["GAPS", "HORIZONS", "GapBlock", "GapSpec", "Leg", "block", "gap_column", "gaps"]


@dataclass(frozen=True)
class Leg:
    """One side of a gap: its latest yield or rate (%) and the date that value was observed."""

    value_pct: float | None
    as_of: date | None
    stale: bool


@dataclass(frozen=True)
class GapBlock:
    """A gap on one day: level and changes in bp from same-day pairs, distance from its 3-year
    peak, the day both legs closed that the level uses (``day``), and both legs' latest closes.
    """

    key: str
    level_bp: float | None
    changes: tuple[Change, ...]
    peak_3y_bp: float | None
    peak_3y_date: date | None
    from_peak_bp: float | None
    us: Leg
    jp: Leg
    day: date | None = None
    pair_stale: bool = False

    @property
    def stale(self) -> bool:
        """True when the last same-day pair (or a leg) is older than the age limit: no changes."""
        return self.pair_stale or self.us.stale or self.jp.stale

    @property
    def as_of(self) -> date | None:
        """The day both legs closed that the level comes from."""
        return self.day

    def change(self, horizon: str) -> float | None:
        """The change in bp over ``horizon`` (``1w``, ``1m``, ``3m``, ``12m``)."""
        return next(c.value for c in self.changes if c.horizon == horizon)


def gap_column(key: str) -> str:
    """The column name of a gap in basis points (``gap_2y_bp``)."""
    return column(key)


def gaps(values: pd.DataFrame, asof: pd.DataFrame) -> pd.DataFrame:
    """Every gap in basis points (same-day pairs) for every day of a panel's values."""
    index = pd.DatetimeIndex(values.index)
    return pd.DataFrame(
        {column(g.key): pairs.on_days(gap_pairs(g, values, asof), index).values for g in GAPS},
        index=values.index,
    )


def block(spec: GapSpec, values: pd.DataFrame, asof: pd.DataFrame, stale: pd.DataFrame) -> GapBlock:
    """The block of one gap on the last day of the panel frames given."""
    found = gap_pairs(spec, values, asof)
    day = pd.Timestamp(values.index[-1]).date()
    now = pairs.at(found, day)
    pair_stale = pairs.is_stale(found, day)
    moves = tuple(pairs.change(found, day, h) for h in HORIZONS)
    peak = peak_date = None
    if now is not None:
        history = pairs.series(found)
        end = pd.Timestamp(now.date)
        window = history[
            (history.index > end - pd.DateOffset(years=PEAK_YEARS)) & (history.index <= end)
        ]
        if len(window):
            peak, peak_date = float(window.max()), window.idxmax().date()
    us = Leg(
        number_or_none(values[spec.us].iloc[-1]),
        day_or_none(asof[spec.us].iloc[-1]),
        bool(stale[spec.us].iloc[-1]),
    )
    jp = Leg(
        number_or_none(values[spec.jp].iloc[-1]),
        day_or_none(asof[spec.jp].iloc[-1]),
        bool(stale[spec.jp].iloc[-1]),
    )
    level = None if now is None else now.value
    current = not (pair_stale or us.stale or jp.stale)
    return GapBlock(
        key=spec.key,
        level_bp=level,
        changes=moves,
        peak_3y_bp=peak,
        peak_3y_date=peak_date,
        from_peak_bp=level - peak if level is not None and peak is not None and current else None,
        us=us,
        jp=jp,
        day=None if now is None else now.date,
        pair_stale=pair_stale,
    )
