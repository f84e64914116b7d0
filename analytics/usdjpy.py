"""USD/JPY from the freshest source: FRED's H.10 noon rate, completed by the ECB reference cross.

Rule, day by day and using nothing after the day: the H.10 rate when H.10 has that day; else the
ECB cross (JPY per EUR ÷ USD per EUR, fixed 14:15 CET) times the median H.10 ÷ ECB ratio of
the last ``SPLICE_DAYS`` days both have (so the level does not jump); else the last value
carried forward. H.10 lags about a week, so live the last days come from the ECB until the
next H.10 batch replaces them; in history the ECB also fills H.10's US holidays. Each day keeps
the source and observation date of the value it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.align import align

H10 = "fx.usdjpy.h10"
ECB = "fx.usdjpy.ecb"
SPLICE_DAYS = 20


@dataclass(frozen=True)
class SpliceInfo:
    """H.10's last date, the ratios of the last common days and the factor they give."""

    h10_last: pd.Timestamp | None
    ratios: pd.Series

    @property
    def factor(self) -> float:
        """Median H.10 ÷ ECB over the last common days: what an ECB value is multiplied by."""
        return float(np.median(self.ratios.to_numpy())) if len(self.ratios) else 1.0


@dataclass(frozen=True)
class Spliced:
    """The spliced series on a business-day index, with each day's source and observation date."""

    values: pd.Series
    source: pd.Series
    as_of: pd.Series
    info: SpliceInfo


def splice(h10: pd.Series, ecb: pd.Series, index: pd.DatetimeIndex) -> Spliced:
    """Splice two series indexed by observation date onto the business days of ``index``."""
    h10 = _clean(h10)
    ecb = _clean(ecb)
    ratios = (h10 / ecb).dropna()
    factors = ratios.rolling(SPLICE_DAYS, min_periods=1).median()
    ecb_only = ecb[~ecb.index.isin(h10.index)]
    factor, _ = align(factors.index, factors.index, factors.to_numpy(), ecb_only.index)
    filled = ecb_only * np.where(np.isnan(factor), 1.0, factor)
    combined = pd.concat([h10.rename("v"), filled.rename("v")]).sort_index()
    values, as_of = align(combined.index, combined.index, combined.to_numpy(), index)
    from_h10 = np.isin(as_of, h10.index.to_numpy())
    source = np.where(np.isnat(as_of), "", np.where(from_h10, "h10", "ecb"))
    info = SpliceInfo(h10.index[-1] if len(h10) else None, ratios.iloc[-SPLICE_DAYS:])
    return Spliced(
        pd.Series(values, index=index, name="usdjpy"),
        pd.Series(source, index=index, name="usdjpy", dtype=object),
        pd.Series(as_of, index=index, name="usdjpy"),
        info,
    )


def _clean(series: pd.Series) -> pd.Series:
    series = series.dropna()
    series = series[~series.index.duplicated(keep="last")]
    return series.sort_index().astype("float64")
