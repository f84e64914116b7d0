"""Kraken's public ``OHLC`` endpoint: Bitcoin bars for the intraday watch (no key; serves US
addresses).

``GET /0/public/OHLC?pair=XBTUSD&interval=5&since=UNIX`` answers ``{"error": [], "result":
{"XXBTZUSD": [[time, "open", "high", "low", "close", "vwap", "volume", count], …], "last":
UNIX}}``: oldest first, at most 720 rows, the last row the interval still forming. Errors are
strings in ``error`` (``"EGeneral:Too many requests"``, ``"EService:Unavailable"``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from analytics.errors import ValidationError
from analytics.sources import bars
from analytics.sources.config import base_url

NAME = "kraken"
PATH = "/0/public/OHLC"
PAIR = "XBTUSD"
RESULT_KEYS = ("XXBTZUSD", "XBTUSD")
INTERVALS = (1, 5, 15, 30, 60, 240)
RATE_LIMIT_WAIT = timedelta(seconds=30)


def request(interval_minutes: int = 5, since: datetime | None = None) -> bars.BarRequest:
    """Bars of ``interval_minutes`` from ``since`` on (Kraken's last 720 when None)."""
    if interval_minutes not in INTERVALS:
        raise ValueError(f"unknown interval {interval_minutes}; use one of {INTERVALS}")
    params = {"pair": PAIR, "interval": str(interval_minutes)}
    if since is not None:
        params["since"] = str(int(since.timestamp()))
    return bars.BarRequest(
        source=NAME,
        instrument=bars.BTCUSD,
        url=f"{base_url(NAME)}{PATH}",
        parse=lambda body, now: parse(body, now, interval_minutes),
        params=params,
    )


def parse(body: bytes, now: datetime, interval_minutes: int = 5) -> pd.DataFrame:
    """The bars of an OHLC answer; the last row (the interval still forming) is incomplete."""
    doc = bars.load_json(NAME, body)
    if not isinstance(doc, dict):
        raise ValidationError(NAME, "the answer is not a JSON object")
    errors = doc.get("error")
    if errors:
        text = "; ".join(str(e) for e in errors)[:200] if isinstance(errors, list) else str(errors)
        if "Too many requests" in text or "Rate limit" in text:
            raise bars.RateLimited(NAME, text, now + RATE_LIMIT_WAIT)
        raise ValidationError(NAME, f"error: {text}")
    result = doc.get("result")
    if not isinstance(result, dict):
        raise ValidationError(NAME, "no 'result' object in the answer")
    key = next((k for k in RESULT_KEYS if k in result), None)
    if key is None:
        raise ValidationError(NAME, f"no {PAIR} rows in the answer (keys: {', '.join(result)})")
    rows = result[key]
    if not isinstance(rows, list):
        raise ValidationError(NAME, f"'{key}' is not a list of rows")
    col = bars.array_columns(NAME, rows, ("start", "open", "high", "low", "close"), "row")
    starts = col["start"]
    step = pd.Timedelta(minutes=interval_minutes)
    now_ts = pd.Timestamp(now)
    complete = [i < len(starts) - 1 and s + step <= now_ts for i, s in enumerate(starts)]
    found = bars.frame(starts, col["open"], col["high"], col["low"], col["close"], complete)
    bars.check(NAME, found, bars.BTCUSD, now)
    return found
