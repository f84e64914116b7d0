"""Intraday price bars as every intraday source hands them over, and the checks they all pass.

A bars frame has one row per bar: ``start`` (UTC, the bar's opening instant), ``open``,
``high``, ``low``, ``close`` and ``complete`` (False for the bar still forming: Twelve Data's
newest value, Kraken's last row). An intraday answer is refused whole, with a reason, when one
bar is absurd: a price outside the instrument's plausible range, a high below its low or its
open/close, a time in the future. Refusals a caller reacts to differently from a plain error:

- ``RateLimited``: the provider said "too many requests"; ``retry_at`` is when to ask again;
- ``Unavailable``: the provider refuses this place for good (Binance answers HTTP 451 to US
  addresses), not worth retrying.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
import requests

from analytics.errors import FetchError, SourceError, ValidationError
from analytics.sources import http
from analytics.sources.http import RetryPolicy
from analytics.sources.validate import reject_non_data

COLUMNS = ("start", "open", "high", "low", "close", "complete")
PRICES = ("open", "high", "low", "close")


@dataclass(frozen=True)
class Instrument:
    """What a bars frame is of, and the range a price of it may plausibly take."""

    id: str
    name: str
    low: float
    high: float


USDJPY = Instrument("usdjpy", "USD/JPY", 50.0, 400.0)
BTCUSD = Instrument("btcusd", "Bitcoin", 100.0, 10_000_000.0)
INSTRUMENTS = {i.id: i for i in (USDJPY, BTCUSD)}


class RateLimited(SourceError):
    """The provider refused for now (HTTP 429 or its own "too many requests" answer)."""

    def __init__(self, source: str, problem: str, retry_at: datetime) -> None:
        super().__init__(source, problem)
        self.retry_at = retry_at


class Unavailable(SourceError):
    """The provider refuses to serve this place at all (HTTP 451): skip it, do not retry."""


def frame(
    starts: Sequence[datetime] | pd.DatetimeIndex,
    opens: Sequence[float],
    highs: Sequence[float],
    lows: Sequence[float],
    closes: Sequence[float],
    complete: Sequence[bool],
) -> pd.DataFrame:
    """A bars frame sorted by start (a start given twice keeps its last row)."""
    index = pd.DatetimeIndex(list(starts)) if len(starts) else pd.DatetimeIndex([], tz="UTC")
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    out = pd.DataFrame(
        {
            "start": index,
            "open": np.asarray(opens, dtype="float64"),
            "high": np.asarray(highs, dtype="float64"),
            "low": np.asarray(lows, dtype="float64"),
            "close": np.asarray(closes, dtype="float64"),
            "complete": np.asarray(complete, dtype=bool),
        }
    )
    if not out["start"].is_monotonic_increasing or out["start"].duplicated().any():
        out = out.drop_duplicates("start", keep="last").sort_values("start", kind="stable")
    return out.reset_index(drop=True)


def empty() -> pd.DataFrame:
    """A bars frame without rows."""
    return frame([], [], [], [], [], [])


def check(source: str, bars: pd.DataFrame, instrument: Instrument, now: datetime) -> None:
    """Refuse the whole answer if one bar is absurd: NaN, out of range, inconsistent, future."""
    if bars.empty:
        return
    prices = bars[list(PRICES)].to_numpy(dtype="float64")
    if np.isnan(prices).any():
        raise ValidationError(source, "a bar has a missing price")
    bad = (prices < instrument.low) | (prices > instrument.high)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        value = prices[row][bad[row]][0]
        raise ValidationError(
            source,
            f"implausible {instrument.name} price {value:g} in the bar of "
            f"{_when(bars, row)} (expected {instrument.low:g} to {instrument.high:g})",
        )
    o, h, lo, c = (prices[:, i] for i in range(4))
    inconsistent = (h < lo) | (h < np.maximum(o, c)) | (lo > np.minimum(o, c))
    if inconsistent.any():
        row = int(np.flatnonzero(inconsistent)[0])
        raise ValidationError(
            source, f"the bar of {_when(bars, row)} has its high below its low, open or close"
        )
    # A minute of slack for clocks that disagree a little.
    latest = pd.Timestamp(bars["start"].max())
    if latest > pd.Timestamp(now) + timedelta(minutes=1):
        raise ValidationError(source, f"a bar starts at {latest:%Y-%m-%d %H:%M} UTC, in the future")


def _when(bars: pd.DataFrame, row: int) -> str:
    return f"{pd.Timestamp(bars['start'].iloc[row]):%Y-%m-%d %H:%M} UTC"


BarParser = Callable[[bytes, datetime], pd.DataFrame]


@dataclass(frozen=True)
class BarRequest:
    """One HTTP GET for bars and the pure function that reads its body (given the time now,
    which tells a finished bar from the one still forming)."""

    source: str
    instrument: Instrument
    url: str
    parse: BarParser
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def load_json(source: str, body: bytes) -> Any:
    """The JSON document of an answer, or a ValidationError naming an HTML page, an empty or a
    cut-off body."""
    reject_non_data(source, body, "JSON")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationError(source, "the answer is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        tail = body[-30:].decode("utf-8", "replace")
        raise ValidationError(
            source,
            f"the answer is not complete JSON ({exc.msg} at byte {exc.pos}; ends {tail!r}): "
            "the download looks truncated",
        ) from None


def number(source: str, value: Any, where: str) -> float:
    """A price sent as a string or a number, or a ValidationError naming where it was."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(source, f"no number at {where} ({value!r})")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError(source, f"non-numeric value {value!r} at {where}") from None


def array_columns(
    source: str, rows: list[Any], layout: Sequence[str], label: str, unit: str = "s"
) -> dict[str, list[Any]]:
    """The columns of an answer made of arrays, one a bar: ``layout`` names a row's leading
    positions in the provider's order (``start`` is the epoch time in ``unit``, the others
    numbers); a short row or a value that is not a number is rejected with its position."""
    columns: dict[str, list[Any]] = {name: [] for name in layout}
    shape = ", ".join("time" if name == "start" else name for name in layout)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) < len(layout):
            raise ValidationError(source, f"{label} {i} is not [{shape}, …]")
        for name, value in zip(layout, row, strict=False):
            where = f"{label} {i} {'time' if name == 'start' else name}"
            figure = number(source, value, where)
            if name == "start":
                columns[name].append(pd.Timestamp(int(figure), unit=unit, tz="UTC"))
            else:
                columns[name].append(figure)
    return columns


def next_minute(now: datetime) -> datetime:
    """The start of the next minute (a per-minute allowance renews then), a second past it."""
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)


def next_utc_midnight(now: datetime) -> datetime:
    """00:00 UTC after ``now`` (a daily allowance renews then)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(0, 0, 5), tzinfo=UTC)


# One attempt per poll: a retry would spend another credit of a metered plan; the poller
# waits for its next turn (or the provider's retry time) instead.
ONE_ATTEMPT = RetryPolicy(attempts=1, connect_timeout=10.0, read_timeout=20.0)
UNAVAILABLE_STATUS = 451


def fetch(
    request: BarRequest,
    now: datetime,
    *,
    session: requests.Session | None = None,
    deadline: float | None = None,
) -> pd.DataFrame:
    """GET one bar request and parse it; a 429 becomes ``RateLimited`` (at its Retry-After, else
    in a minute) and a 451 ``Unavailable``; other failures raise the source's FetchError or
    ValidationError."""
    try:
        response = http.fetch(
            request.source,
            request.url,
            request.params,
            session=session,
            policy=ONE_ATTEMPT,
            deadline=deadline,
            headers=request.headers,
        )
    except FetchError as exc:
        if exc.status == 429:
            wait = exc.retry_after if exc.retry_after is not None else 60.0
            raise RateLimited(
                request.source, "HTTP 429: too many requests", now + timedelta(seconds=wait)
            ) from None
        if exc.status == UNAVAILABLE_STATUS:
            raise Unavailable(
                request.source, "HTTP 451: the provider does not serve this location"
            ) from None
        raise
    return request.parse(response.body, now)
