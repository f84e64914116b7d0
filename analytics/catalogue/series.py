"""The series catalogue: stable ids, where each comes from, its unit, publication lag and sane range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SeriesSpec:
    """One observed series. ``max_age_days`` is how old its last value may be before it is stale;
    a series that ``ended`` (was discontinued) on a date gets no new values after it, so from then
    on it is never stale and never fetched."""

    id: str
    name: str
    source: str
    unit: str
    max_age_days: int
    low: float
    high: float
    redistributable: bool = True
    ended: date | None = None

    def ended_by(self, day: date) -> bool:
        """True when the series had been discontinued by ``day``."""
        return self.ended is not None and self.ended < day


_SPECS = [
    SeriesSpec("us.2y", "US 2-year Treasury yield", "fred", "%", 5, -1.0, 20.0),
    SeriesSpec("us.10y", "US 10-year Treasury yield", "fred", "%", 5, -1.0, 20.0),
    SeriesSpec("us.fed.upper", "Fed funds target, upper bound", "fred", "%", 9, -1.0, 25.0),
    SeriesSpec("us.fed.lower", "Fed funds target, lower bound", "fred", "%", 9, -1.0, 25.0),
    SeriesSpec(
        "us.fed.target",
        "Fed funds target (single value, to 2008)",
        "fred",
        "%",
        9,
        -1.0,
        25.0,
        ended=date(2008, 12, 15),
    ),
    SeriesSpec("us.effr", "Effective federal funds rate", "fred", "%", 9, -1.0, 25.0),
    SeriesSpec(
        "fx.usdjpy.h10", "USD/JPY, New York noon (Fed H.10)", "fred", "JPY", 14, 50.0, 400.0
    ),
    SeriesSpec("fx.usdjpy.ecb", "USD/JPY, ECB reference cross", "ecb", "JPY", 5, 50.0, 400.0),
    SeriesSpec("jp.2y", "JGB 2-year yield", "mof", "%", 5, -1.5, 15.0),
    SeriesSpec("jp.10y", "JGB 10-year yield", "mof", "%", 5, -1.5, 15.0),
    SeriesSpec("jp.20y", "JGB 20-year yield", "mof", "%", 5, -1.5, 15.0),
    SeriesSpec("jp.30y", "JGB 30-year yield", "mof", "%", 5, -1.5, 15.0),
    SeriesSpec("jp.40y", "JGB 40-year yield", "mof", "%", 5, -1.5, 15.0),
    SeriesSpec("jp.call", "BoJ uncollateralized overnight call rate", "boj", "%", 5, -1.0, 15.0),
    SeriesSpec("vix", "Cboe VIX close", "fred", "index", 5, 5.0, 150.0, redistributable=False),
    # Risk assets: third-party data FRED republishes by permission; fetched live, never bundled.
    # Tokyo's longest regular closures (New Year, Golden Week) leave up to six calendar days
    # without a close, and FRED may post a close a day later: 8 days before the Nikkei is stale.
    SeriesSpec(
        "eq.nikkei225",
        "Nikkei 225 close (Tokyo)",
        "fred",
        "index",
        8,
        50.0,
        500_000.0,
        redistributable=False,
    ),
    SeriesSpec(
        "eq.sp500",
        "S&P 500 close",
        "fred",
        "index",
        5,
        50.0,
        100_000.0,
        redistributable=False,
    ),
    # Coinbase's value is taken every calendar day at 5 pm Pacific, after New York's close, so a
    # morning reading has yesterday's at best: 3 days (a missed day and a day's posting lag).
    SeriesSpec(
        "crypto.btcusd",
        "Bitcoin in US dollars (Coinbase, 5 pm Pacific)",
        "fred",
        "USD",
        3,
        1.0,
        10_000_000.0,
        redistributable=False,
    ),
    SeriesSpec(
        "cftc.jpy.noncomm_long",
        "Yen futures, non-commercial long",
        "cftc",
        "contracts",
        12,
        0,
        2_000_000,
    ),
    SeriesSpec(
        "cftc.jpy.noncomm_short",
        "Yen futures, non-commercial short",
        "cftc",
        "contracts",
        12,
        0,
        2_000_000,
    ),
    SeriesSpec(
        "cftc.jpy.oi",
        "Yen futures, open interest (legacy report)",
        "cftc",
        "contracts",
        12,
        0,
        3_000_000,
    ),
    SeriesSpec(
        "cftc.jpy.lev_long",
        "Yen futures, leveraged funds long",
        "cftc",
        "contracts",
        12,
        0,
        2_000_000,
    ),
    SeriesSpec(
        "cftc.jpy.lev_short",
        "Yen futures, leveraged funds short",
        "cftc",
        "contracts",
        12,
        0,
        2_000_000,
    ),
    SeriesSpec(
        "cftc.jpy.tff_oi",
        "Yen futures, open interest (TFF report)",
        "cftc",
        "contracts",
        12,
        0,
        3_000_000,
    ),
]

CATALOGUE: dict[str, SeriesSpec] = {spec.id: spec for spec in _SPECS}


def spec(series_id: str) -> SeriesSpec:
    """The catalogue entry for ``series_id``; KeyError names the unknown id."""
    try:
        return CATALOGUE[series_id]
    except KeyError:
        raise KeyError(f"unknown series id {series_id!r}") from None
