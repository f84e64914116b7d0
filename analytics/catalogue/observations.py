"""The long observation frame every parser returns: series, date, value, released."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd

COLUMNS = ["series", "date", "value", "released"]


def frame(
    series: Iterable[str],
    dates: Iterable[date | pd.Timestamp],
    values: Iterable[float],
    released: Iterable[date | pd.Timestamp | None] | None = None,
) -> pd.DataFrame:
    """Build an observation frame; ``released`` is when the value became public (None = same day)."""
    series_list = list(series)
    out = pd.DataFrame(
        {
            "series": pd.Series(series_list, dtype=object),
            "date": _dates(list(dates)),
            "value": pd.Series(list(values), dtype="float64"),
        }
    )
    rel = list(released) if released is not None else [None] * len(series_list)
    out["released"] = _dates(rel)
    return out[COLUMNS]


def _dates(values: Sequence[object]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object)).dt.normalize().astype("datetime64[ns]")


def empty() -> pd.DataFrame:
    """An observation frame with no rows and the right dtypes."""
    return frame([], [], [])


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate observation frames (ignoring empty ones)."""
    parts = [f for f in frames if not f.empty]
    if not parts:
        return empty()
    return pd.concat(parts, ignore_index=True)[COLUMNS]
