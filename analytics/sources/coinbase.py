"""Coinbase Exchange candles: Bitcoin bars when Kraken fails (no key; not for frequent polling,
per its own documentation, so it is only the fallback).

``GET /products/BTC-USD/candles?granularity=300&start=ISO&end=ISO`` answers an array of
``[time, low, high, open, close, volume]`` rows, newest first (low before high, open after
them), at most 300 a call. An error is an object ``{"message": "…"}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from analytics.errors import ValidationError
from analytics.sources import bars
from analytics.sources.config import base_url

NAME = "coinbase"
PATH = "/products/BTC-USD/candles"
GRANULARITIES = (60, 300, 900, 3600)
MAX_CANDLES = 300
RATE_LIMIT_WAIT = timedelta(seconds=30)


def request(
    granularity: int = 300, since: datetime | None = None, *, now: datetime
) -> bars.BarRequest:
    """Candles of ``granularity`` seconds from ``since`` (at most 300 of them) to ``now``."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity}; use one of {GRANULARITIES}")
    earliest = now - timedelta(seconds=granularity * (MAX_CANDLES - 1))
    start = max(since, earliest) if since is not None else earliest
    return bars.BarRequest(
        source=NAME,
        instrument=bars.BTCUSD,
        url=f"{base_url(NAME)}{PATH}",
        parse=lambda body, at: parse(body, at, granularity),
        params={
            "granularity": str(granularity),
            "start": start.isoformat(),
            "end": now.isoformat(),
        },
    )


def parse(body: bytes, now: datetime, granularity: int = 300) -> pd.DataFrame:
    """The candles of an answer, oldest first; one that has not ended by ``now`` is incomplete."""
    doc = bars.load_json(NAME, body)
    if isinstance(doc, dict):
        message = str(doc.get("message") or doc)[:200]
        if "rate limit" in message.lower():
            raise bars.RateLimited(NAME, message, now + RATE_LIMIT_WAIT)
        raise ValidationError(NAME, f"error: {message}")
    if not isinstance(doc, list):
        raise ValidationError(NAME, "the answer is not a list of candles")
    col = bars.array_columns(NAME, doc, ("start", "low", "high", "open", "close"), "candle")
    starts = col["start"]
    step = pd.Timedelta(seconds=granularity)
    now_ts = pd.Timestamp(now)
    complete = [s + step <= now_ts for s in starts]
    found = bars.frame(starts, col["open"], col["high"], col["low"], col["close"], complete)
    bars.check(NAME, found, bars.BTCUSD, now)
    return found
