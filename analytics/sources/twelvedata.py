"""Twelve Data ``/time_series``: USD/JPY bars for the intraday watch (an API key is required).

``GET /time_series?symbol=USD/JPY&interval=5min&outputsize=N&timezone=UTC`` answers
``{"meta": {"symbol": "USD/JPY", "interval": "5min", …}, "values": [{"datetime":
"2024-04-29 06:31:00", "open": "155.86000", "high": …, "low": …, "close": …}, …], "status": "ok"}``,
newest first, prices as strings, times without a zone (hence ``timezone=UTC``). The newest value
is the bar still forming. Errors come as ``{"code": 429|401|400, "message": …, "status":
"error"}``; a 429 for the minute renews at the next minute, one for the day at 00:00 UTC.

The key (``TWELVEDATA_API_KEY``) travels in the ``Authorization: apikey …`` header, never in the
URL, so no URL in a log or an error message carries it. Every call costs one credit of the free
plan's 8 a minute and 800 a day; the poller (``analytics.ingest.intraday``) budgets them. Their
terms ask for the credit line "Data provided by Twelve Data" where the prices are shown.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pandas as pd

from analytics.errors import ValidationError
from analytics.sources import bars
from analytics.sources.config import base_url

NAME = "twelvedata"
PATH = "/time_series"
KEY_VARIABLE = "TWELVEDATA_API_KEY"
SYMBOL = "USD/JPY"
INTERVALS = {"1min": 60, "5min": 300, "15min": 900, "30min": 1800, "1h": 3600}
MAX_OUTPUTSIZE = 5000


def api_key() -> str:
    """The operator's key from the environment ("" when the watch is off)."""
    return os.environ.get(KEY_VARIABLE, "").strip()


def request(key: str, interval: str = "5min", outputsize: int = 120) -> bars.BarRequest:
    """The request for the last ``outputsize`` bars of ``interval`` (1 to 5000)."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
    size = max(1, min(MAX_OUTPUTSIZE, int(outputsize)))
    return bars.BarRequest(
        source=NAME,
        instrument=bars.USDJPY,
        url=f"{base_url(NAME)}{PATH}",
        parse=lambda body, now: parse(body, now, interval),
        params={
            "symbol": SYMBOL,
            "interval": interval,
            "outputsize": str(size),
            "timezone": "UTC",
        },
        headers={"Authorization": f"apikey {key}"},
    )


def parse(body: bytes, now: datetime, interval: str = "5min") -> pd.DataFrame:
    """The bars of a ``/time_series`` answer (the newest marked incomplete until its end)."""
    doc = bars.load_json(NAME, body)
    if not isinstance(doc, dict):
        raise ValidationError(NAME, "the answer is not a JSON object")
    if doc.get("status") == "error" or "values" not in doc:
        raise _refusal(doc, now)
    meta = doc.get("meta") or {}
    if meta.get("symbol") != SYMBOL:
        raise ValidationError(NAME, f"the answer is for {meta.get('symbol')!r}, not {SYMBOL}")
    sent = meta.get("interval")
    if sent != interval:
        raise ValidationError(NAME, f"the answer has {sent!r} bars, {interval!r} were asked for")
    values = doc["values"]
    if not isinstance(values, list):
        raise ValidationError(NAME, "'values' is not a list")
    step = timedelta(seconds=INTERVALS[interval])
    starts, o, h, lo, c = [], [], [], [], []
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise ValidationError(NAME, f"value {i} is not an object")
        try:
            start = pd.Timestamp(datetime.strptime(str(value.get("datetime")), "%Y-%m-%d %H:%M:%S"))
        except ValueError:
            raise ValidationError(
                NAME, f"value {i} has datetime {value.get('datetime')!r}, not YYYY-MM-DD HH:MM:SS"
            ) from None
        starts.append(start.tz_localize("UTC"))
        o.append(bars.number(NAME, value.get("open"), f"value {i} open"))
        h.append(bars.number(NAME, value.get("high"), f"value {i} high"))
        lo.append(bars.number(NAME, value.get("low"), f"value {i} low"))
        c.append(bars.number(NAME, value.get("close"), f"value {i} close"))
    now_ts = pd.Timestamp(now)
    complete = [start + step <= now_ts for start in starts]
    found = bars.frame(starts, o, h, lo, c, complete)
    bars.check(NAME, found, bars.USDJPY, now)
    return found


def _refusal(doc: dict[str, object], now: datetime) -> Exception:
    code = doc.get("code")
    message = str(doc.get("message") or "no message")[:200]
    if code == 429:
        per_day = "for the day" in message or "daily" in message.lower()
        retry = bars.next_utc_midnight(now) if per_day else bars.next_minute(now)
        return bars.RateLimited(NAME, f"out of API credits ({message})", retry)
    if code == 401:
        return ValidationError(NAME, f"the API key was refused ({message}); check {KEY_VARIABLE}")
    return ValidationError(NAME, f"error {code}: {message}")
