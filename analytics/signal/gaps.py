"""The three US-minus-Japan gaps of a panel, in basis points, as same-day pairs.

The policy-rate gap (Fed target midpoint minus the BoJ rate, from the decision tables), the
2-year and the 10-year yield gap. Each is read through ``analytics.catalogue.pairs``: on every
panel day, the gap of the last day on or before it when both legs closed, with that day and
whether it is older than the legs' age limit. The signal's components, the snapshot's gap
blocks, the day's moves and the charts all read these, so one gap has one figure everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalogue import pairs
from analytics.signal.panel import max_age_days

KEYS = ("policy", "2y", "10y")


@dataclass(frozen=True)
class GapSpec:
    """One gap: its key and the panel columns of its US and Japanese legs."""

    key: str
    us: str
    jp: str

    @property
    def max_age_days(self) -> float:
        """How old a pair may be before it is stale: the stricter leg's limit."""
        return min(max_age_days(self.us), max_age_days(self.jp))


GAPS = (
    GapSpec("policy", "us_policy", "jp_policy"),
    GapSpec("2y", "us_2y", "jp_2y"),
    GapSpec("10y", "us_10y", "jp_10y"),
)


def spec(key: str) -> GapSpec:
    """The gap ``policy``, ``2y`` or ``10y``."""
    return next(g for g in GAPS if g.key == key)


def gap_pairs(gap: GapSpec, values: pd.DataFrame, asof: pd.DataFrame) -> pairs.Pairs:
    """The same-day pairs of a gap from a panel's values and observation dates."""
    return pairs.from_columns(
        values[gap.us].to_numpy(dtype="float64"),
        asof[gap.us].to_numpy(dtype="datetime64[ns]"),
        values[gap.jp].to_numpy(dtype="float64"),
        asof[gap.jp].to_numpy(dtype="datetime64[ns]"),
        gap.max_age_days,
    )


def column(key: str) -> str:
    """The column name of a gap in basis points (``gap_2y_bp``)."""
    return f"gap_{key}_bp"


def daily(values: pd.DataFrame, asof: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per panel day and gap: ``gap_K_bp`` (the pair read that day), ``gap_K_on`` (its day,
    datetime64) and ``gap_K_stale`` (True when missing or older than the age limit)."""
    index = pd.DatetimeIndex(values.index)
    out: dict[str, np.ndarray] = {}
    for gap in GAPS:
        read = pairs.on_days(gap_pairs(gap, values, asof), index)
        out[column(gap.key)] = read.values
        out[f"gap_{gap.key}_on"] = read.dates
        out[f"gap_{gap.key}_stale"] = read.stale
    return out


def daily_change(
    gap: GapSpec, values: pd.DataFrame, asof: pd.DataFrame, horizon: str
) -> pairs.PairChanges:
    """A gap's change over ``horizon`` on every panel day (``pairs.changes_on_days``)."""
    return pairs.changes_on_days(gap_pairs(gap, values, asof), values.index, horizon)
