"""Reading one value out of pandas: a float or a day, None where pandas has a gap (NaN, NaT, None)."""

from __future__ import annotations

from datetime import date

import pandas as pd


def number_or_none(value: object) -> float | None:
    """The value as a float, None for a missing one."""
    if value is None or pd.isna(value):
        return None
    return float(value)  # type: ignore[arg-type]


def day_or_none(value: object) -> date | None:
    """The value as a calendar day, None for a missing one."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()
