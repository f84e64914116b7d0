"""Replaying real intraday history through local fakes of the providers, on a controllable clock.

The real files (``shared/data/raw/intraday``) are read here and served in each provider's wire
format, only the bars that had finished by the replay clock's "now":

- ``USDJPY_H1_mt5_server-time.csv``: hourly USD/JPY from a MetaTrader 5 export, in the broker's
  server time: UTC+3 in northern summer, UTC+2 in winter (EET/EEST, EU switching dates),
  converted to UTC here. Served as Twelve Data ``/time_series`` answers with ``interval=1h``,
  the resolution the file has (asking for another interval is refused, as Twelve Data refuses
  what a plan does not allow).
- ``BTCUSDT-5m-2024-07.csv`` / ``-08.csv``: Binance's 5-minute BTCUSDT klines (UTC), served as
  Kraken ``OHLC`` answers (XXBTZUSD) and as Binance ``klines``. Kraken would quote BTC/USD, not
  USDT: the replay treats the two as one price, as the watch does.

The Twelve Data fake counts requests per minute and per UTC day and answers its real 429 JSON
beyond the free plan (8 a minute, 800 a day), so a replay proves the poller stays within it.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.sources import binance, kraken, twelvedata
from tests.support.http_server import Hit, LocalServer, Reply
from tests.support.paths import raw_path

SERVER_ZONE = ZoneInfo("EET")  # EET in winter (UTC+2), EEST in summer (UTC+3)
FREE_PER_MINUTE, FREE_PER_DAY = 8, 800
FAKE_KEY = "td-test-key-0000"


@functools.cache
def _mt5() -> pd.DataFrame:
    path = raw_path("intraday/USDJPY_H1_mt5_server-time.csv")
    raw = pd.read_csv(path)
    local = pd.to_datetime(raw["DateTime"], format="%Y.%m.%d %H:%M:%S")
    starts = local.dt.tz_localize(SERVER_ZONE, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(
        UTC
    )
    frame = pd.DataFrame(
        {
            "start": starts,
            "open": raw["Open"],
            "high": raw["High"],
            "low": raw["Low"],
            "close": raw["Close"],
        }
    ).dropna(subset=["start"])
    return frame.sort_values("start").reset_index(drop=True)


def usdjpy_hourly() -> pd.DataFrame:
    """The MT5 hourly USD/JPY bars with UTC starts (the hour repeated at the autumn change is
    dropped, as is the one skipped in spring)."""
    return _mt5()


@functools.cache
def _klines() -> pd.DataFrame:
    frames = []
    for name in ("BTCUSDT-5m-2024-07.csv", "BTCUSDT-5m-2024-08.csv"):
        raw = pd.read_csv(raw_path(f"intraday/{name}"), header=None)
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {
            "start": pd.to_datetime(raw[0], unit="ms", utc=True),
            "open": raw[1].astype(float),
            "high": raw[2].astype(float),
            "low": raw[3].astype(float),
            "close": raw[4].astype(float),
            "raw": raw.astype(str).to_numpy().tolist(),
        }
    )


def bitcoin_5m() -> pd.DataFrame:
    """Binance's 5-minute BTCUSDT klines of July and August 2024 (UTC starts)."""
    return _klines()


class ReplayClock:
    """A clock the test moves: ``now()`` for the poller and the fakes alike."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = max(self._now, when)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


@dataclass
class TwelveDataFake:
    """``/time_series`` from the MT5 bars, as Twelve Data answers it, with the free plan's limits."""

    clock: ReplayClock
    key: str = FAKE_KEY
    per_minute: Counter[datetime] = field(default_factory=Counter)
    per_day: Counter[object] = field(default_factory=Counter)
    refused: int = 0
    # (time.monotonic(), end of the newest bar served) of every answer with bars
    served: list[tuple[float, datetime]] = field(default_factory=list)

    def install(self, server: LocalServer) -> None:
        server.route(twelvedata.PATH, self.answer)

    def answer(self, hit: Hit) -> Reply:
        now = self.clock.now()
        if hit.header("Authorization") != f"apikey {self.key}":
            return _json(
                {
                    "code": 401,
                    "message": "**apikey** parameter is incorrect or not specified.",
                    "status": "error",
                }
            )
        minute = now.replace(second=0, microsecond=0)
        self.per_minute[minute] += 1
        self.per_day[now.date()] += 1
        if self.per_minute[minute] > FREE_PER_MINUTE or self.per_day[now.date()] > FREE_PER_DAY:
            self.refused += 1
            return _json(
                {
                    "code": 429,
                    "message": "You have run out of API credits for the current minute.",
                    "status": "error",
                }
            )
        if hit.query.get("interval") != "1h" or hit.query.get("symbol") != "USD/JPY":
            return _json({"code": 400, "message": "not in this replay", "status": "error"})
        size = int(hit.query.get("outputsize", "30"))
        bars = usdjpy_hourly()
        end = int(bars["start"].searchsorted(pd.Timestamp(now) - pd.Timedelta(hours=1), "right"))
        done = bars.iloc[max(0, end - size) : end]
        values = [
            {
                "datetime": f"{pd.Timestamp(r.start):%Y-%m-%d %H:%M:%S}",
                "open": f"{r.open:.5f}",
                "high": f"{r.high:.5f}",
                "low": f"{r.low:.5f}",
                "close": f"{r.close:.5f}",
            }
            for r in done.iloc[::-1].itertuples()
        ]
        if len(done):
            newest = pd.Timestamp(done["start"].iloc[-1]) + pd.Timedelta(hours=1)
            self.served.append((time.monotonic(), newest.to_pydatetime()))
        return _json(
            {
                "meta": {
                    "symbol": "USD/JPY",
                    "interval": "1h",
                    "currency_base": "US Dollar",
                    "currency_quote": "Japanese Yen",
                    "type": "Physical Currency",
                },
                "values": values,
                "status": "ok",
            }
        )


@dataclass
class KrakenFake:
    """``/0/public/OHLC`` (XXBTZUSD, 5-minute) from the Binance klines, finished bars only."""

    clock: ReplayClock

    def install(self, server: LocalServer) -> None:
        server.route(kraken.PATH, self.answer)

    def answer(self, hit: Hit) -> Reply:
        now = pd.Timestamp(self.clock.now())
        since = pd.Timestamp(int(hit.query.get("since", "0")), unit="s", tz="UTC")
        klines = bitcoin_5m()
        end = int(klines["start"].searchsorted(now - pd.Timedelta(minutes=5), "right"))
        first = max(int(klines["start"].searchsorted(since, "left")), end - 720)
        done = klines.iloc[first:end]
        rows = [
            [
                int(pd.Timestamp(r.start).timestamp()),
                f"{r.open:.1f}",
                f"{r.high:.1f}",
                f"{r.low:.1f}",
                f"{r.close:.1f}",
                f"{r.close:.1f}",
                "1.0",
                1,
            ]
            for r in done.itertuples()
        ]
        last = rows[-1][0] if rows else int(since.timestamp())
        return _json({"error": [], "result": {"XXBTZUSD": rows, "last": last}})


@dataclass
class BinanceFake:
    """``/api/v3/klines`` with the real kline rows (``refuse``: HTTP 451, as to a US address)."""

    clock: ReplayClock
    refuse: bool = False

    def install(self, server: LocalServer) -> None:
        server.route(binance.PATH, self.answer)

    def answer(self, hit: Hit) -> Reply:
        if self.refuse:
            body = {"code": 0, "msg": "Service unavailable from a restricted location."}
            return Reply(451, json.dumps(body).encode(), {"Content-Type": "application/json"})
        now = pd.Timestamp(self.clock.now())
        klines = bitcoin_5m()
        done = klines[klines["start"] + pd.Timedelta(minutes=5) <= now].tail(
            int(hit.query.get("limit", "500"))
        )
        rows = [[int(r[0]), *r[1:6], int(r[6]), r[7], int(r[8]), *r[9:12]] for r in done["raw"]]
        return _json(rows)


def _json(doc: object) -> Reply:
    return Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})


def start_of(day: str, hour: int = 0) -> datetime:
    """``day`` (YYYY-MM-DD) at ``hour`` UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class ReplayResult:
    """What a replay did: the alerts enqueued (with the replay time they were), the requests
    Twelve Data received per UTC day, the polls made and the fake's refusals."""

    alerts: list[tuple[datetime, dict[str, object]]]
    requests_by_day: dict[object, int]
    polls: int
    refused: int


def replay(
    engine: object,
    server: LocalServer,
    clock: ReplayClock,
    end: datetime,
    *,
    computation: object,
    chats: object,
    fx_interval: str = "1h",
) -> ReplayResult:
    """Poll and run the intraday alert step on the replay clock until ``end``, jumping from one
    due poll to the next; the fakes must be installed on ``server`` and the source URLs set."""
    from analytics.ingest.intraday import IntradayPoller, WatchConfig
    from analytics.ingest.intraday_store import IntradayStore
    from bot.delivery.intraday_alerts import IntradayAlerts
    from bot.delivery.queue import DeliveryQueue
    from commands.intraday import IntradayProvider

    store = IntradayStore(engine)  # type: ignore[arg-type]
    poller = IntradayPoller(engine, WatchConfig(key=FAKE_KEY, fx_interval=fx_interval))  # type: ignore[arg-type]
    queue = DeliveryQueue(engine)  # type: ignore[arg-type]

    class _Snapshots:
        def current(self) -> object:
            return type("C", (), {"computation": computation, "version": "replay"})()

    provider = IntradayProvider(store, _Snapshots(), on=True, clock=clock.now)  # type: ignore[arg-type]
    step = IntradayAlerts(engine, chats, queue, provider.reading)  # type: ignore[arg-type]
    alerts: list[tuple[datetime, dict[str, object]]] = []
    polls = 0
    seen: set[int] = set()
    while clock.now() < end:
        now = clock.now()
        result = poller.poll(now)
        polls += result.polled
        step.run(now)
        for row in queue.rows(kind="alert"):
            if row.id not in seen:
                seen.add(row.id)
                alerts.append((now, row.payload))
        due = result.next_at if result.next_at is not None else now + timedelta(minutes=1)
        clock.set(max(due, now + timedelta(seconds=30)))
    return ReplayResult(alerts, store.requests_by_day("twelvedata"), polls, 0)
