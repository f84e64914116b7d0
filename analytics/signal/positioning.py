"""CFTC yen positioning per weekly report: net % of open interest, flush, leveraged-funds percentile.

Reports are as of Tuesday and released on Friday; every quantity here is per report and is
aligned to days by its release date downstream, so nothing is used before it was public.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SERIES = {
    "cftc.jpy.noncomm_long": "noncomm_long",
    "cftc.jpy.noncomm_short": "noncomm_short",
    "cftc.jpy.oi": "oi",
    "cftc.jpy.lev_long": "lev_long",
    "cftc.jpy.lev_short": "lev_short",
    "cftc.jpy.tff_oi": "tff_oi",
}
RAW_COLUMNS = ["released", *SERIES.values()]
COLUMNS = [
    "released",
    "noncomm_net",
    "noncomm_net_pct_oi",
    "noncomm_flush_start_pct",
    "noncomm_flush_pp",
    "lev_net",
    "lev_net_pct_oi",
    "lev_shortness_pctile",
]
# The CFTC publishes Tuesday's positions on Friday; used when a row carries no release date.
DEFAULT_RELEASE_LAG = pd.Timedelta(days=3)
PERCENTILE_YEARS = 5
MIN_PERCENTILE_REPORTS = 52
FLUSH_REPORTS = 2


def raw_reports(obs: pd.DataFrame) -> pd.DataFrame:
    """The CFTC rows of a long observation frame, one row per report date, with its release date."""
    rows = obs[obs["series"].isin(list(SERIES))]
    if rows.empty:
        empty = pd.DataFrame(columns=RAW_COLUMNS, index=pd.DatetimeIndex([], name="report_date"))
        return empty.astype(
            {c: "float64" for c in SERIES.values()} | {"released": "datetime64[ns]"}
        )
    wide = rows.pivot_table(index="date", columns="series", values="value", aggfunc="last")
    wide = wide.rename(columns=SERIES).reindex(columns=list(SERIES.values()))
    released = rows.groupby("date")["released"].max().reindex(wide.index)
    wide.insert(
        0, "released", released.fillna(pd.Series(wide.index + DEFAULT_RELEASE_LAG, wide.index))
    )
    wide.index = pd.DatetimeIndex(wide.index, name="report_date")
    wide.columns.name = None
    return wide[RAW_COLUMNS]


def reports(raw: pd.DataFrame) -> pd.DataFrame:
    """Per report (sorted by report date): the raw columns and the derived quantities."""
    wide = raw.sort_index()
    out = pd.DataFrame(index=wide.index)
    out["released"] = wide["released"]
    out["noncomm_net"] = wide["noncomm_long"] - wide["noncomm_short"]
    out["noncomm_net_pct_oi"] = 100.0 * out["noncomm_net"] / wide["oi"]
    legacy = out["noncomm_net_pct_oi"].dropna()
    start = legacy.shift(FLUSH_REPORTS)
    out["noncomm_flush_start_pct"] = start.reindex(out.index)
    out["noncomm_flush_pp"] = (legacy - start).reindex(out.index)
    out["lev_net"] = wide["lev_long"] - wide["lev_short"]
    out["lev_net_pct_oi"] = 100.0 * out["lev_net"] / wide["tff_oi"]
    out["lev_shortness_pctile"] = shortness_percentile(-out["lev_net"])
    return pd.concat([out[COLUMNS], wide[list(SERIES.values())]], axis=1)


def shortness_percentile(shortness: pd.Series, years: int = PERCENTILE_YEARS) -> pd.Series:
    """Percent of the trailing ``years`` of reports with shortness at or below this report's.

    NaN until ``MIN_PERCENTILE_REPORTS`` reports lie in the window.
    """
    valid = shortness.dropna()
    dates = valid.index.to_numpy()
    values = valid.to_numpy()
    starts = np.searchsorted(dates, dates - np.timedelta64(365 * years + years // 4, "D"), "right")
    out = np.full(len(values), np.nan)
    for i, first in enumerate(starts):
        window = values[first : i + 1]
        if len(window) >= MIN_PERCENTILE_REPORTS:
            out[i] = 100.0 * np.count_nonzero(window <= values[i]) / len(window)
    return pd.Series(out, index=valid.index).reindex(shortness.index)
