"""Where the public sources live, read from the environment (the database: ``analytics.storage.location``)."""

from __future__ import annotations

import os

# Scheme and host of each public service; CARRYBOT_<SOURCE>_URL overrides one.
DEFAULT_BASE_URLS: dict[str, str] = {
    "fred": "https://fred.stlouisfed.org",
    "mof": "https://www.mof.go.jp",
    "treasury": "https://home.treasury.gov",
    "cftc": "https://www.cftc.gov",
    "ecb": "https://www.ecb.europa.eu",
    "boj": "https://www.stat-search.boj.or.jp",
    # Intraday prices (analytics.ingest.intraday): USD/JPY keyed, Bitcoin keyless.
    "twelvedata": "https://api.twelvedata.com",
    "kraken": "https://api.kraken.com",
    "coinbase": "https://api.exchange.coinbase.com",
    "binance": "https://api.binance.com",
}
# The CFTC's reporting API lives on its own host; an override of CARRYBOT_CFTC_URL covers both.
CFTC_API_DEFAULT = "https://publicreporting.cftc.gov"


def base_url(source: str) -> str:
    """Base URL (scheme and host, no trailing slash) for a source, honouring the override."""
    override = os.environ.get(f"CARRYBOT_{source.upper()}_URL", "").strip()
    if override:
        return override.rstrip("/")
    return DEFAULT_BASE_URLS[source]


def cftc_api_base_url() -> str:
    """Base URL of the CFTC public reporting (Socrata) API."""
    override = os.environ.get("CARRYBOT_CFTC_URL", "").strip()
    return override.rstrip("/") if override else CFTC_API_DEFAULT
