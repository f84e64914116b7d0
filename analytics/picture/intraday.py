"""The provisional intraday reading: where USD/JPY stands between two daily closes.

From the latest bars joined to the daily computation: USD/JPY's move since the last daily close
and over the last 1, 3 and 6 hours, its distance from the 60-day high (the daily highs and
today's bars), its fall from the six-hour high (the alert's measure: from which bar, how far),
Bitcoin over the same hours, and unwind pressure recomputed with the intraday level. Only the
USD/JPY-based components are recomputed (C1 drawdown, C2 speed, C3 volatility surprise, C4's
gate); the others are held at their last values and named with their dates. Everything here is
numbers, instants and codes: the templates word them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.signal import pipeline
from analytics.signal import scores as signal
from analytics.signal.panel import Panel, with_provisional_fx

HOURS = (1, 3, 6)
FALL_WINDOW = timedelta(hours=6)
HIGH_DAYS = signal.HIGH_WINDOW
RECOMPUTED = ("C1", "C2", "C3", "C4")
HELD = ("C5",)
# Past this age while FX trades, the last bar is not a current price: the reading says so.
STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Fall:
    """USD/JPY's fall from its highest point of the last six hours: where and when it started
    (the bar that made the high), and how far below it the latest price is (percent, ≤ 0)."""

    high: float
    started: datetime
    pct: float


@dataclass(frozen=True)
class Held:
    """An input of unwind pressure held at its last value (``code``: vix, cftc), with its date."""

    code: str
    as_of: date | None


@dataclass(frozen=True)
class IntradayReading:
    """The provisional reading at ``at`` (the end of the newest bar, UTC)."""

    at: datetime
    level: float
    source: str
    stale: bool
    moves: dict[int, float | None]
    fall: Fall | None
    close: float | None = None
    close_date: date | None = None
    close_source: str = ""
    since_close_pct: float | None = None
    high_60d: float | None = None
    high_60d_date: date | None = None
    from_high_pct: float | None = None
    pressure: float | None = None
    pressure_close: float | None = None
    recomputed: tuple[str, ...] = RECOMPUTED
    held: tuple[Held, ...] = ()
    bitcoin: float | None = None
    bitcoin_source: str = ""
    bitcoin_moves: dict[int, float | None] = field(default_factory=dict)
    bitcoin_since_fall_pct: float | None = None

    @property
    def between_closes(self) -> bool:
        """True when the reading is newer than the last daily close (worth showing beside it)."""
        return self.close_date is None or self.at.date() > self.close_date


def reading(
    fx: pd.DataFrame,
    bitcoin: pd.DataFrame,
    computation: pipeline.Computation | None,
    now: datetime,
) -> IntradayReading | None:
    """The reading from stored bars (``analytics.ingest.intraday_store.IntradayStore.bars``) and
    the daily computation (None: no daily history, so no close or pressure); None without bars."""
    if fx.empty:
        return None
    closes = _closes(fx)
    last = fx.iloc[-1]
    step = pd.Timedelta(seconds=int(last["interval_s"])) if "interval_s" in fx else pd.Timedelta(0)
    at = min(pd.Timestamp(last["start"]) + step, pd.Timestamp(now)).to_pydatetime()
    level = float(last["close"])
    moves = {h: _move(closes, at, timedelta(hours=h)) for h in HOURS}
    fall = fall_from_high(fx, at)
    stale = pd.Timestamp(now) - pd.Timestamp(at) > STALE_AFTER
    base = _with_bitcoin(
        IntradayReading(
            at=at,
            level=level,
            source=str(last["source"]) if "source" in fx else "",
            stale=stale,
            moves=moves,
            fall=fall,
        ),
        bitcoin,
    )
    if computation is None:
        return base
    return _with_daily(base, fx, computation)


def fall_from_high(fx: pd.DataFrame, at: datetime, window: timedelta = FALL_WINDOW) -> Fall | None:
    """The fall of the latest close from the highest high of the bars started in the ``window``
    before ``at`` (None without bars there)."""
    start = pd.Timestamp(at) - window
    recent = fx[fx["start"] >= start]
    if recent.empty:
        return None
    highs = recent["high"].to_numpy(dtype="float64")
    top = int(np.argmax(highs))
    high = float(highs[top])
    level = float(fx["close"].iloc[-1])
    started = pd.Timestamp(recent["start"].iloc[top]).to_pydatetime()
    return Fall(high, started, (level / high - 1) * 100)


def _with_daily(
    base: IntradayReading, fx: pd.DataFrame, computation: pipeline.Computation
) -> IntradayReading:
    panel = computation.panel
    daily_fx = panel.values["usdjpy"].dropna()
    if daily_fx.empty:
        return base
    close_day = pd.Timestamp(panel.asof["usdjpy"].iloc[-1])
    close = float(daily_fx.iloc[-1])
    close_source = str(panel.fx_source.iloc[-1])
    window = daily_fx.iloc[-HIGH_DAYS:]
    top = window.idxmax()
    high, high_day = float(window.max()), pd.Timestamp(top).date()
    since_close = fx[fx["start"] >= (close_day + pd.Timedelta(days=1)).tz_localize("UTC")]
    if not since_close.empty and float(since_close["high"].max()) > high:
        high = float(since_close["high"].max())
        high_day = pd.Timestamp(since_close.loc[since_close["high"].idxmax(), "start"]).date()
    day = _provisional_day(base.at)
    pressure = pressure_close = None
    held: list[Held] = []
    if day >= panel.index[-1]:
        pressure = provisional_pressure(computation, day, base.level)
        pressure_close = _number(computation.signal["C"].iloc[-1])
        held = _held(panel)
    return replace(
        base,
        close=close,
        close_date=close_day.date(),
        close_source=close_source,
        since_close_pct=(base.level / close - 1) * 100,
        high_60d=high,
        high_60d_date=high_day,
        from_high_pct=(base.level / high - 1) * 100,
        pressure=pressure,
        pressure_close=pressure_close,
        held=tuple(held),
    )


_PRESSURE_MEMO: dict[tuple[int, pd.Timestamp, float], tuple[object, float | None]] = {}


def provisional_pressure(
    computation: pipeline.Computation, day: pd.Timestamp, level: float
) -> float | None:
    """Unwind pressure (C) on ``day`` with USD/JPY at ``level``, every other input as it stands
    (remembered per computation, day and level: a poll that brings no new USD/JPY price, only
    Bitcoin's, does not recompute it)."""
    key = (id(computation), day, round(level, 6))
    found = _PRESSURE_MEMO.get(key)
    if found is not None and found[0] is computation:
        return found[1]
    provisional = with_provisional_fx(computation.panel.tail(pipeline.WINDOW), day, level)
    value = _number(signal.compute(provisional)["C"].iloc[-1])
    if len(_PRESSURE_MEMO) > 256:
        _PRESSURE_MEMO.clear()
    _PRESSURE_MEMO[key] = (computation, value)
    return value


def _provisional_day(at: datetime) -> pd.Timestamp:
    """The business day an intraday price counts for: its UTC date, a weekend's next Monday (FX
    reopens on Sunday evening UTC for Monday)."""
    day = pd.Timestamp(at).tz_convert("UTC").tz_localize(None).normalize()
    return day if day.weekday() < 5 else day + pd.offsets.BDay(1)


def _held(panel: Panel) -> list[Held]:
    """The inputs held at their last values (one never stored is left out of the score, not
    held, and is not named here)."""
    asof = panel.asof
    found = [
        Held("vix", _day(asof["vix"].iloc[-1])),
        Held("cftc", _day(asof["cftc_net_pct_oi"].iloc[-1])),
    ]
    return [h for h in found if h.as_of is not None]


def _with_bitcoin(base: IntradayReading, bitcoin: pd.DataFrame) -> IntradayReading:
    """Bitcoin's last price, its moves and its move since USD/JPY's fall started."""
    upto = bitcoin[bitcoin["start"] <= pd.Timestamp(base.at)]
    if upto.empty:
        return base
    closes = _closes(upto)
    since_fall = None
    if base.fall is not None:
        before = closes[closes.index <= pd.Timestamp(base.fall.started)]
        if not before.empty:
            since_fall = (float(closes.iloc[-1]) / float(before.iloc[-1]) - 1) * 100
    return replace(
        base,
        bitcoin=float(closes.iloc[-1]),
        bitcoin_source=str(upto["source"].iloc[-1]) if "source" in upto else "",
        bitcoin_moves={h: _move(closes, base.at, timedelta(hours=h)) for h in HOURS},
        bitcoin_since_fall_pct=since_fall,
    )


def _closes(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        frame["close"].to_numpy(dtype="float64"), index=pd.DatetimeIndex(frame["start"])
    )


def _move(closes: pd.Series, at: datetime, span: timedelta) -> float | None:
    """Percent change of the last close from the close of the bar that ended ``span`` before
    ``at`` (None when the bars do not reach back that far)."""
    then = pd.Timestamp(at) - span
    earlier = closes[closes.index < then]
    if earlier.empty:
        return None
    return (float(closes.iloc[-1]) / float(earlier.iloc[-1]) - 1) * 100


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _day(value: object) -> date | None:
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


@dataclass(frozen=True)
class Verdict:
    """Whether a day's close confirmed an intraday alert: ``confirmed``, ``not_confirmed`` or
    ``pending`` (the close is not in yet), with the close, its change on the day and unwind
    pressure at the close; ``by_move`` / ``by_pressure`` say which condition held."""

    status: str
    day: date
    close: float | None = None
    change_pct: float | None = None
    pressure: float | None = None
    by_move: bool = False
    by_pressure: bool = False


def close_verdict(
    computation: pipeline.Computation,
    at: datetime,
    move_threshold: float,
    pressure_threshold: float,
) -> Verdict:
    """The verdict of the close of the trading day an alert at ``at`` fell in: confirmed when
    USD/JPY closed ``move_threshold`` percent or more below the close before, or unwind pressure
    at the close reached ``pressure_threshold``."""
    day = _provisional_day(at)
    index = computation.panel.index
    if day not in index:
        return Verdict("pending", day.date())
    fx = computation.panel.values["usdjpy"]
    asof = pd.Timestamp(computation.panel.asof["usdjpy"].loc[day])
    if pd.isna(asof) or asof.normalize() != day:
        return Verdict("pending", day.date())  # that day's rate is not published yet
    position = index.get_loc(day)
    close = float(fx.iloc[position])
    before = float(fx.iloc[position - 1]) if position > 0 else math.nan
    change = (close / before - 1) * 100 if not math.isnan(before) else None
    pressure = _number(computation.signal["C"].loc[day])
    by_move = change is not None and change <= -move_threshold
    by_pressure = pressure is not None and pressure >= pressure_threshold
    status = "confirmed" if by_move or by_pressure else "not_confirmed"
    return Verdict(status, day.date(), close, change, pressure, by_move, by_pressure)
