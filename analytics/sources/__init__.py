"""The public data sources: one registry, every other list of sources derived from it.

Each ``Source`` names its module under ``analytics.sources`` (which builds the requests and parses
the answers), the scheme and host it is fetched from (``CARRYBOT_<NAME>_URL`` overrides it), whether
``carrybot refresh`` fetches it, and the families of raw public files its parsers read (as in
``shared/data/raw``). This module imports nothing heavy: the CLI's parser reads it.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics.sources.base import SourceModule


@dataclass(frozen=True)
class RawFamily:
    """A family of raw file names (a glob) and the function of the source's module that reads it.

    Where two files hold the same series and date, the lower ``rank`` loses (US Treasury files
    only fill dates FRED lacks, as a live refresh does).
    """

    pattern: str
    parser: str = "parse"
    rank: int = 1

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.pattern)


@dataclass(frozen=True)
class Source:
    """One public source: its module, its host, and what the project reads of it."""

    name: str
    title: str
    base_url: str | None  # None: read from raw files only
    refreshed: bool = True  # fetched by `carrybot refresh` and the run loop
    raw_files: tuple[RawFamily, ...] = ()


SOURCES: tuple[Source, ...] = (
    Source(
        "fred",
        "FRED",
        "https://fred.stlouisfed.org",
        raw_files=tuple(
            RawFamily(pattern)
            for pattern in (
                "DFEDTAR.csv",
                "DFEDTARU*.csv",
                "DFEDTARL*.csv",
                "DFF*.csv",
                "DGS2*.csv",
                "DGS10*.csv",
                "DEXJPUS*.csv",
                "VIXCLS*.csv",
                "NIKKEI225*.csv",
                "SP500*.csv",
                "CBBTCUSD*.csv",
            )
        ),
    ),
    Source(
        "mof",
        "Japan's MoF",
        "https://www.mof.go.jp",
        raw_files=(RawFamily("jgbcme_all*.csv"),),
    ),
    Source(
        "treasury",
        "US Treasury",
        "https://home.treasury.gov",
        raw_files=(RawFamily("UST_par_yield_curve*.csv", rank=0),),
    ),
    Source(
        "ecb",
        "ECB",
        "https://www.ecb.europa.eu",
        raw_files=(RawFamily("eurofxref-hist*.csv", "parse_history"),),
    ),
    Source("boj", "Bank of Japan", "https://www.stat-search.boj.or.jp"),
    Source(
        "cftc",
        "CFTC",
        "https://www.cftc.gov",
        raw_files=(
            RawFamily("CFTC_legacy_FO_*_JPY_rows.txt", "parse_legacy_text"),
            RawFamily("CFTC_TFF_FO_*_JPY_rows.txt", "parse_tff_text"),
        ),
    ),
    # The banks' own announcements, watched on meeting days (analytics.policy.watch, which
    # reads them with analytics.policy.feeds), never by the daily refresh.
    Source("fedfeed", "the Fed's monetary press releases", "https://www.federalreserve.gov", False),
    Source("bojfeed", "the BoJ's what's new", "https://www.boj.or.jp", False),
    Source(
        "cboe",
        "Cboe",
        None,
        refreshed=False,  # the VIX is fetched from FRED; Cboe's own file is read from raw files
        raw_files=(RawFamily("VIX_cboe*.csv", "parse_history"),),
    ),
    # Intraday prices for the intraday watch (analytics.ingest.intraday), not the daily refresh.
    Source("twelvedata", "Twelve Data", "https://api.twelvedata.com", refreshed=False),
    Source("kraken", "Kraken", "https://api.kraken.com", refreshed=False),
    Source("coinbase", "Coinbase Exchange", "https://api.exchange.coinbase.com", refreshed=False),
    Source("binance", "Binance", "https://api.binance.com", refreshed=False),
)
BY_NAME: dict[str, Source] = {source.name: source for source in SOURCES}
REFRESHED: tuple[str, ...] = tuple(source.name for source in SOURCES if source.refreshed)


def source_module(name: str) -> SourceModule:
    """The module that builds a refreshed source's requests and parses its answers."""
    if name not in REFRESHED:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(REFRESHED)}")
    module: SourceModule = importlib.import_module(f"analytics.sources.{name}")
    return module


def raw_parser(source: str, family: RawFamily) -> Callable[[bytes], Any]:
    """The function of ``source``'s module that reads files of ``family``."""
    module = importlib.import_module(f"analytics.sources.{source}")
    parser: Callable[[bytes], Any] = getattr(module, family.parser)
    return parser
