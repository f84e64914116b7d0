"""US-minus-Japan rate gaps in basis points: levels, changes, distance from the 3-year peak.

Three gaps: the policy rate (Fed target midpoint minus the BoJ rate, from the decision tables),
the 2-year and the 10-year yield. Each leg keeps its own as-of date, so a reply can say when
the two legs of a gap come from different days. Changes run over calendar horizons
(``analytics.catalogue.horizons``: 1 week, 1, 3 and 12 months) and the peak over three calendar years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue.horizons import Change, column_changes
from analytics.catalogue.values import day_or_none, number_or_none

HORIZONS = ("1w", "1m", "3m", "12m")
PEAK_YEARS = 3


@dataclass(frozen=True)
class GapSpec:
    """One gap: its key and the panel columns of its US and Japanese legs."""

    key: str
    us: str
    jp: str


GAPS = (
    GapSpec("policy", "us_policy", "jp_policy"),
    GapSpec("2y", "us_2y", "jp_2y"),
    GapSpec("10y", "us_10y", "jp_10y"),
)


@dataclass(frozen=True)
class Leg:
    """One side of a gap: its yield or rate (%) and the date that value was observed."""

    value_pct: float | None
    as_of: date | None
    stale: bool


@dataclass(frozen=True)
class GapBlock:
    """A gap on one day: level and changes in bp, distance from its 3-year peak, both legs."""

    key: str
    level_bp: float | None
    changes: tuple[Change, ...]
    peak_3y_bp: float | None
    peak_3y_date: date | None
    from_peak_bp: float | None
    us: Leg
    jp: Leg

    @property
    def stale(self) -> bool:
        """True when a leg has no new value within its series' age limit (no changes then)."""
        return self.us.stale or self.jp.stale

    @property
    def as_of(self) -> date | None:
        """The older of the two legs' dates: the gap is no fresher than that."""
        dates = [d for d in (self.us.as_of, self.jp.as_of) if d is not None]
        return min(dates) if dates else None

    def change(self, horizon: str) -> float | None:
        """The change in bp over ``horizon`` (``1w``, ``1m``, ``3m``, ``12m``)."""
        return next(c.value for c in self.changes if c.horizon == horizon)


def gap_column(key: str) -> str:
    """The column name of a gap in basis points (``gap_2y_bp``)."""
    return f"gap_{key}_bp"


def gaps(values: pd.DataFrame) -> pd.DataFrame:
    """Every gap in basis points for every day of a panel's values."""
    return pd.DataFrame(
        {gap_column(g.key): 100.0 * (values[g.us] - values[g.jp]) for g in GAPS},
        index=values.index,
    )


def block(spec: GapSpec, values: pd.DataFrame, asof: pd.DataFrame, stale: pd.DataFrame) -> GapBlock:
    """The block of one gap on the last day of the panel frames given."""
    gap = 100.0 * (values[spec.us] - values[spec.jp])
    level = number_or_none(gap.iloc[-1])
    observed = np.minimum(asof[spec.us], asof[spec.jp])
    moves = column_changes(gap, observed, stale[spec.us] | stale[spec.jp], HORIZONS)
    day = gap.index[-1]
    window = gap[gap.index > day - pd.DateOffset(years=PEAK_YEARS)].dropna()
    peak = number_or_none(window.max()) if len(window) else None
    peak_date = window.idxmax().date() if len(window) else None
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
    return GapBlock(
        key=spec.key,
        level_bp=level,
        changes=moves,
        peak_3y_bp=peak,
        peak_3y_date=peak_date,
        from_peak_bp=None
        if level is None or peak is None or us.stale or jp.stale
        else level - peak,
        us=us,
        jp=jp,
    )
