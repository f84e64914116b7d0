"""Deployment settings read from the environment (never secrets in code or logs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

# Scheme and host of each public service; CARRYBOT_<SOURCE>_URL overrides one.
DEFAULT_BASE_URLS: dict[str, str] = {
    "fred": "https://fred.stlouisfed.org",
    "mof": "https://www.mof.go.jp",
    "treasury": "https://home.treasury.gov",
    "cftc": "https://www.cftc.gov",
    "ecb": "https://www.ecb.europa.eu",
    "boj": "https://www.stat-search.boj.or.jp",
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


def home_dir() -> Path:
    """Directory for the embedded database and caches (CARRYBOT_HOME moves it)."""
    configured = os.environ.get("CARRYBOT_HOME", "").strip()
    path = Path(configured).expanduser() if configured else Path(user_data_dir("carrybot"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """SQLAlchemy URL: CARRYBOT_DATABASE_URL, else a SQLite file under the home directory."""
    configured = os.environ.get("CARRYBOT_DATABASE_URL", "").strip()
    if configured:
        return configured
    return f"sqlite:///{home_dir() / 'carrybot.sqlite3'}"


def redact_url(url: str) -> str:
    """A database URL with any password replaced, safe to print."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"
