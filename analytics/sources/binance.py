"""Binance spot klines: an optional Bitcoin source (no key). Binance refuses US addresses with
HTTP 451, which means "unavailable here", not an error worth retrying.

``GET /api/v3/klines?symbol=BTCUSDT&interval=5m&limit=N`` answers an array of the 12 kline
fields (open time in ms UTC, open, high, low, close, volume, close time, …), prices as strings,
oldest first; the last kline is still forming until its close time. Bitcoin here is quoted in
USDT, a dollar stablecoin, which the watch reads as dollars.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.errors import ValidationError
from analytics.sources import bars
from analytics.sources.config import base_url

NAME = "binance"
PATH = "/api/v3/klines"
SYMBOL = "BTCUSDT"
INTERVALS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}


def request(interval: str = "5m", limit: int = 120) -> bars.BarRequest:
    """The last ``limit`` klines of ``interval`` (1 to 1000)."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    return bars.BarRequest(
        source=NAME,
        instrument=bars.BTCUSD,
        url=f"{base_url(NAME)}{PATH}",
        parse=lambda body, now: parse(body, now),
        params={"symbol": SYMBOL, "interval": interval, "limit": str(max(1, min(1000, limit)))},
    )


def parse(body: bytes, now: datetime) -> pd.DataFrame:
    """The klines of an answer; one whose close time is still ahead is incomplete."""
    doc = bars.load_json(NAME, body)
    if isinstance(doc, dict):
        message = str(doc.get("msg") or doc)[:200]
        raise ValidationError(NAME, f"error {doc.get('code')}: {message}")
    if not isinstance(doc, list):
        raise ValidationError(NAME, "the answer is not a list of klines")
    layout = ("start", "open", "high", "low", "close", "volume", "close_time")
    col = bars.array_columns(NAME, doc, layout, "kline", unit="ms")
    now_ms = now.timestamp() * 1000
    complete = [closing < now_ms for closing in col["close_time"]]
    found = bars.frame(col["start"], col["open"], col["high"], col["low"], col["close"], complete)
    bars.check(NAME, found, bars.BTCUSD, now)
    return found
