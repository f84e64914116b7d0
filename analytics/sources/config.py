"""Where the public sources live, read from the environment (the database: ``analytics.storage.location``)."""

from __future__ import annotations

import os

from analytics.sources import BY_NAME

# The CFTC's reporting API lives on its own host; an override of CARRYBOT_CFTC_URL covers both.
CFTC_API_DEFAULT = "https://publicreporting.cftc.gov"


def base_url(source: str) -> str:
    """Base URL (scheme and host, no trailing slash) for a source, honouring the override."""
    override = os.environ.get(f"CARRYBOT_{source.upper()}_URL", "").strip()
    if override:
        return override.rstrip("/")
    default = BY_NAME[source].base_url
    if default is None:
        raise ValueError(f"{source} is read from raw files only: it has no base URL")
    return default


def cftc_api_base_url() -> str:
    """Base URL of the CFTC public reporting (Socrata) API."""
    override = os.environ.get("CARRYBOT_CFTC_URL", "").strip()
    return override.rstrip("/") if override else CFTC_API_DEFAULT
