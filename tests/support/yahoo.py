"""Test-only reader for the yfinance capture of the Nikkei 225 (``N225_yahoo_2006-2026.csv``).

Not a product source: the bot reads the Nikkei live from FRED. This capture is the only copy that
covers April 2020 to November 2025, so tests that need Nikkei closes in those years read it here.
Its closes carry float32 noise (``31458.419921875``); they are rounded to FRED's two decimals.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from analytics.catalogue import observations
from tests.support.paths import raw_path

NAME = "N225_yahoo_2006-2026.csv"
SERIES = "eq.nikkei225"
# The source column of the capture's rows: a test fixture, never a source the bot reads.
SOURCE = "yfinance"


def nikkei_closes() -> pd.DataFrame:
    """The capture's closes as ``eq.nikkei225`` observations (with a ``source`` column)."""
    text = raw_path(NAME).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "Close" not in rows[0]:
        raise ValueError(f"{NAME}: expected a yfinance 'Date,…,Close,…' header")
    days = [row["Date"] for row in rows]
    closes = [round(float(row["Close"]), 2) for row in rows]
    obs = observations.frame([SERIES] * len(days), days, closes)
    return obs.assign(source=SOURCE)


def write_fred_nikkei(path: Path, start: str = "2020-03-28", end: str = "2025-11-30") -> Path:
    """The capture's closes from ``start`` to ``end`` as a FRED ``NIKKEI225`` fredgraph.csv at
    ``path`` (a temp folder: the capture is a fixture, never a file the project ships)."""
    closes = nikkei_closes()
    closes = closes[(closes["date"] >= start) & (closes["date"] <= end)]
    rows = [f"{d:%Y-%m-%d},{v:.2f}" for d, v in zip(closes["date"], closes["value"], strict=True)]
    path.write_text("\n".join(["observation_date,NIKKEI225", *rows]) + "\n", encoding="utf-8")
    return path


def with_nikkei_gap_filled(obs: pd.DataFrame) -> pd.DataFrame:
    """``obs`` plus the capture's Nikkei closes on the dates FRED's copies lack."""
    own = obs[obs["series"] == SERIES]
    extra = nikkei_closes()
    extra = extra[~extra["date"].isin(own["date"])]
    combined = pd.concat([obs, extra], ignore_index=True)
    return combined.sort_values(["series", "date"], ignore_index=True)
