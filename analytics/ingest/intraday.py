"""The intraday poller: USD/JPY bars from Twelve Data and Bitcoin bars from Kraken (Coinbase,
then Binance, when it fails), stored for every process to read.

One poll at a time per deployment: on PostgreSQL a poll runs under an advisory lock (as the
scheduler tick does) and the next poll's time is kept in the database, so however many
processes try, each poll is made once and every other process reads the stored bars. A poll
asks only for the bars after the newest stored one, so a restart does not spend the quota
again. The pace is ``analytics.ingest.intraday_schedule``'s (sessions, movement, the daily cap);
nothing is polled while FX is closed for the weekend.

A provider's refusal (a 429 with its retry time, ``"status": "error"``, an HTML page, a cut-off
body, an absurd price) stores nothing and backs off: until the provider's retry time when it
gave one, else 1 minute doubling to 30. A 451 (Binance outside its markets) marks that provider
unavailable here for a day. The key never appears in a message: each is scrubbed of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import requests
from sqlalchemy import Connection, Engine, text

from analytics.errors import CarrybotError, FetchError, SourceError
from analytics.ingest.intraday_schedule import Pace, fx_open, is_moving, next_open, next_poll
from analytics.ingest.intraday_store import RETENTION, IntradayStore, SourceState
from analytics.sources import bars, binance, coinbase, kraken, twelvedata

log = logging.getLogger(__name__)

POLL_LOCK = 0x6361_7274  # PostgreSQL advisory lock: one process polls at a time
FX_PROVIDER = twelvedata.NAME
BITCOIN_PROVIDERS = (kraken.NAME, coinbase.NAME, binance.NAME)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)
UNAVAILABLE_FOR = timedelta(days=1)
MASK = "<redacted>"
INTERVAL_VARIABLE = "CARRYBOT_INTRADAY_INTERVAL"
TURN_ON = (
    "set TWELVEDATA_API_KEY to a Twelve Data API key (the free plan is enough: "
    "https://twelvedata.com/pricing) and restart"
)


@dataclass(frozen=True)
class WatchConfig:
    """How the watch polls: the key, the bar sizes, the pace, and which Bitcoin sources to try
    in turn."""

    key: str
    fx_interval: str = "5min"
    bitcoin_minutes: int = 5
    pace: Pace = field(default_factory=Pace)
    bitcoin_sources: tuple[str, ...] = BITCOIN_PROVIDERS
    backfill: timedelta = timedelta(days=2)
    retention: timedelta = RETENTION

    @property
    def fx_seconds(self) -> int:
        return twelvedata.INTERVALS[self.fx_interval]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WatchConfig | None:
        """The watch of this deployment, or None when ``TWELVEDATA_API_KEY`` is not set;
        ``CARRYBOT_INTRADAY_INTERVAL`` chooses the USD/JPY bar (default 5min)."""
        env = os.environ if environ is None else environ
        key = env.get(twelvedata.KEY_VARIABLE, "").strip()
        if not key:
            return None
        interval = env.get(INTERVAL_VARIABLE, "").strip() or "5min"
        if interval not in twelvedata.INTERVALS:
            raise CarrybotError(
                f"{INTERVAL_VARIABLE}={interval!r} is not a bar size; use one of "
                + ", ".join(twelvedata.INTERVALS)
            )
        return cls(key=key, fx_interval=interval)


@dataclass(frozen=True)
class WatchStatus:
    """Whether the intraday watch runs here, and if not, how to turn it on."""

    on: bool
    how: str = ""

    def line(self) -> str:
        """One line for ``carrybot status`` and the start-up log."""
        if self.on:
            return "intraday watch: on (USD/JPY from Twelve Data, Bitcoin from Kraken)"
        return f"intraday watch: off; to turn it on, {self.how}"


def watch_status(environ: Mapping[str, str] | None = None) -> WatchStatus:
    """On when a Twelve Data key is set; off with how to turn it on otherwise."""
    if WatchConfig.from_env(environ) is not None:
        return WatchStatus(True)
    return WatchStatus(False, TURN_ON)


@dataclass(frozen=True)
class Outcome:
    """What one provider's request gave: ``stored`` (with the rows new or changed),
    ``rate_limited``, ``failed``, ``unavailable`` or ``skipped`` (not due, backing off)."""

    provider: str
    kind: str
    stored: int = 0
    problem: str = ""
    retry_at: datetime | None = None


@dataclass(frozen=True)
class PollResult:
    """One call of ``IntradayPoller.poll``: whether this process held the lock, whether it
    polled, what each instrument gave, when USD/JPY is next due and the day's requests."""

    ran: bool
    polled: bool = False
    fx: Outcome | None = None
    bitcoin: Outcome | None = None
    next_at: datetime | None = None
    requests_today: int = 0

    @property
    def new_fx_bars(self) -> bool:
        return self.fx is not None and self.fx.kind == "stored" and self.fx.stored > 0


Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IntradayPoller:
    """Polls when due (``poll``), stores bars, keeps the pace and the quota in the database."""

    def __init__(
        self,
        engine: Engine,
        config: WatchConfig,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.store = IntradayStore(engine)
        self.session = session or requests.Session()

    def next_due(self) -> datetime | None:
        """When USD/JPY is next due (None before the first poll: now)."""
        state = self.store.state(FX_PROVIDER)
        due = [t for t in (state.next_at, state.retry_at) if t is not None]
        return max(due) if due else None

    def poll(self, now: datetime, *, deadline: float | None = None) -> PollResult:
        """Poll what is due at ``now``; on PostgreSQL only one process at a time does (the
        others get ``ran=False``)."""
        with self.engine.connect() as lock_conn:
            if not _try_lock(lock_conn):
                return PollResult(ran=False)
            try:
                return self._poll(now, deadline)
            finally:
                _unlock(lock_conn)

    # -- internals ---------------------------------------------------------------------------

    def _poll(self, now: datetime, deadline: float | None) -> PollResult:
        state = self.store.state(FX_PROVIDER)
        due = self.next_due()
        used = self.store.requests_on(FX_PROVIDER, now.astimezone(UTC).date())
        if due is not None and now < due:
            return PollResult(True, next_at=due, requests_today=used)
        if not fx_open(now):
            opens = next_open(now)
            self.store.save_state(replace(state, next_at=opens), now)
            return PollResult(True, next_at=opens, requests_today=used)
        if used >= self.config.pace.daily_cap:
            later = next_poll(now, used, False, self.config.pace)
            self.store.save_state(replace(state, next_at=later), now)
            return PollResult(True, next_at=later, requests_today=used)
        fx = self._fetch_fx(now, state, deadline)
        used = self.store.requests_on(FX_PROVIDER, now.astimezone(UTC).date())
        recent = self.store.bars(bars.USDJPY.id, since=now - timedelta(hours=6))
        closes = pd.Series(recent["close"].to_numpy(), index=pd.DatetimeIndex(recent["start"]))
        moving = is_moving(closes, now, self.config.pace)
        planned = next_poll(now, used, moving, self.config.pace)
        state = self.store.state(FX_PROVIDER)
        self.store.save_state(replace(state, next_at=planned), now)
        bitcoin = self._fetch_bitcoin(now, deadline)
        self.store.prune(now, self.config.retention)
        next_at = max(t for t in (planned, state.retry_at or planned) if t is not None)
        return PollResult(True, True, fx, bitcoin, next_at, used)

    def _fetch_fx(self, now: datetime, state: SourceState, deadline: float | None) -> Outcome:
        step = timedelta(seconds=self.config.fx_seconds)
        last = self.store.last_start(bars.USDJPY.id)
        span = now - last if last is not None else self.config.backfill
        size = int(span / step) + 2
        request = twelvedata.request(self.config.key, self.config.fx_interval, size)
        self.store.count_request(FX_PROVIDER, now)
        return self._run(request, now, state, self.config.fx_seconds, deadline)

    def _fetch_bitcoin(self, now: datetime, deadline: float | None) -> Outcome | None:
        minutes = self.config.bitcoin_minutes
        tried: list[Outcome] = []
        for name in self.config.bitcoin_sources:
            state = self.store.state(name)
            if state.next_at is not None and now < state.next_at:
                return None  # not due yet: Bitcoin bars are five minutes long
            if state.retry_at is not None and now < state.retry_at:
                tried.append(Outcome(name, "skipped", problem=state.last_error))
                continue
            last = self.store.last_start(bars.BTCUSD.id)
            # From the newest stored bar on: it may have been stored while still forming.
            since = (
                last - timedelta(minutes=minutes)
                if last is not None
                else now - self.config.backfill
            )
            request = _bitcoin_request(name, minutes, since, now)
            outcome = self._run(request, now, state, minutes * 60, deadline)
            if outcome.kind == "stored":
                for other in self.config.bitcoin_sources:  # the chain is due again together
                    self.store.save_state(
                        replace(self.store.state(other), next_at=now + timedelta(minutes=minutes)),
                        now,
                    )
                return outcome
            tried.append(outcome)
        return tried[0] if tried else None

    def _run(
        self,
        request: bars.BarRequest,
        now: datetime,
        state: SourceState,
        interval_s: int,
        deadline: float | None,
    ) -> Outcome:
        name = request.source
        try:
            found = bars.fetch(request, now, session=self.session, deadline=deadline)
        except bars.RateLimited as exc:
            return self._failed(state, now, "rate_limited", self._scrub(exc.problem), exc.retry_at)
        except bars.Unavailable as exc:
            problem = f"unavailable here ({self._scrub(exc.problem)})"
            return self._failed(state, now, "unavailable", problem, now + UNAVAILABLE_FOR)
        except (FetchError, SourceError) as exc:
            return self._failed(state, now, "failed", self._scrub(exc.problem), None)
        except Exception as exc:  # a bug must not stop the watch; say what it was
            log.exception("intraday %s: unexpected error", name)
            problem = self._scrub(f"unexpected {type(exc).__name__}: {exc}")
            return self._failed(state, now, "failed", problem, None)
        stored = self.store.upsert_bars(request.instrument.id, name, interval_s, found, now)
        if state.failures:
            log.warning("intraday %s: fetched again after %d failure(s)", name, state.failures)
        self.store.save_state(replace(state, retry_at=None, failures=0, last_ok_at=now), now)
        return Outcome(name, "stored", stored)

    def _failed(
        self,
        state: SourceState,
        now: datetime,
        kind: str,
        problem: str,
        retry_at: datetime | None,
    ) -> Outcome:
        failures = state.failures + 1
        if retry_at is None:
            wait = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (failures - 1))
            retry_at = now + wait
        if state.failures == 0 or state.last_error != problem:
            log.warning("intraday %s %s: %s; next try %s", state.provider, kind.replace("_", " "),
                        problem, retry_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))  # fmt: skip
        self.store.save_state(
            replace(state, retry_at=retry_at, failures=failures, last_error=problem), now
        )
        return Outcome(state.provider, kind, problem=problem, retry_at=retry_at)

    def _scrub(self, message: str) -> str:
        key = self.config.key
        return message.replace(key, MASK) if key else message


def _bitcoin_request(name: str, minutes: int, since: datetime, now: datetime) -> bars.BarRequest:
    if name == kraken.NAME:
        return kraken.request(minutes, since)
    if name == coinbase.NAME:
        return coinbase.request(minutes * 60, since, now=now)
    if name == binance.NAME:
        span = int((now - since) / timedelta(minutes=minutes)) + 2
        return binance.request(f"{minutes}m", span)
    raise ValueError(f"unknown Bitcoin source {name!r}")


def _try_lock(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": POLL_LOCK}).scalar()
    conn.commit()
    return bool(got)


def _unlock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": POLL_LOCK})
        conn.commit()
