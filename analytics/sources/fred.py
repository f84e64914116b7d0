"""FRED ``fredgraph.csv`` downloads: Treasury yields, Fed funds, USD/JPY, VIX and risk assets.

The risk assets (Nikkei 225, S&P 500, Coinbase Bitcoin) are third-party data FRED republishes by
permission: they are fetched live and never bundled (see ``analytics.catalogue.series``).

Both header layouts (``DATE`` before 2024, ``observation_date`` after) and both missing markers
(``.`` before, an empty field after) are accepted. One request per series: FRED throttles heavy
clients and mixed-frequency multi-series downloads are not documented.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import ValidationError
from analytics.sources.base import Request
from analytics.sources.config import base_url
from analytics.sources.validate import (
    parse_date,
    parse_number,
    reject_cut_off,
    reject_non_data,
)

NAME = "fred"
PATH = "/graph/fredgraph.csv"
HISTORY_START = date(1990, 1, 1)
# Re-read a month behind the last stored date so revisions replace old values.
REVISION_WINDOW = timedelta(days=31)

SERIES_IDS: dict[str, str] = {
    "DGS2": "us.2y",
    "DGS10": "us.10y",
    "DFEDTARU": "us.fed.upper",
    "DFEDTARL": "us.fed.lower",
    "DFEDTAR": "us.fed.target",
    "DFF": "us.effr",
    "DEXJPUS": "fx.usdjpy.h10",
    "VIXCLS": "vix",
    "NIKKEI225": "eq.nikkei225",
    "SP500": "eq.sp500",
    "CBBTCUSD": "crypto.btcusd",
}
# DFEDTAR was discontinued on 2008-12-15: it comes from the seed, never from a live request.
LIVE_CODES = (
    "DGS2",
    "DGS10",
    "DFEDTARU",
    "DFEDTARL",
    "DFF",
    "DEXJPUS",
    "VIXCLS",
    "NIKKEI225",
    "SP500",
    "CBBTCUSD",
)
DATE_HEADERS = ("observation_date", "date")
MISSING = frozenset({"", "."})


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """One fredgraph.csv request per live series, starting a month before what is stored."""
    requests = []
    for code in LIVE_CODES:
        stored = last.get(SERIES_IDS[code])
        start = stored - REVISION_WINDOW if stored else HISTORY_START
        requests.append(
            Request(
                label=code,
                url=f"{base_url(NAME)}{PATH}",
                params={"id": code, "cosd": start.isoformat()},
                parse=parse,
            )
        )
    return requests


def parse(body: bytes) -> pd.DataFrame:
    """Observations for every known FRED series column in a fredgraph.csv body."""
    dates, columns = parse_columns(body)
    unknown = [code for code in columns if code not in SERIES_IDS]
    if unknown:
        raise ValidationError(NAME, f"unexpected series column(s) {', '.join(unknown)}")
    parts = []
    for code, values in columns.items():
        kept = [(d, v) for d, v in zip(dates, values, strict=True) if v is not None]
        parts.append(
            observations.frame(
                [SERIES_IDS[code]] * len(kept), [d for d, _ in kept], [v for _, v in kept]
            )
        )
    return observations.concat(parts)


def parse_columns(body: bytes) -> tuple[list[date], dict[str, list[float | None]]]:
    """Dates and one value list per series column (None where FRED marks a value missing)."""
    reject_non_data(NAME, body)
    reject_cut_off(NAME, body)
    lines = body.decode("utf-8-sig", errors="replace").splitlines()
    header = [field.strip() for field in lines[0].split(",")]
    if header[0].lower() not in DATE_HEADERS or len(header) < 2:
        raise ValidationError(
            NAME, f"unexpected header {lines[0][:80]!r}; expected 'observation_date,SERIES'"
        )
    codes = header[1:]
    dates: list[date] = []
    columns: dict[str, list[float | None]] = {code: [] for code in codes}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != len(header):
            raise ValidationError(
                NAME,
                f"line {number} has {len(fields)} fields, the header {len(header)}: "
                f"the file looks truncated ({line[:40]!r})",
            )
        dates.append(parse_date(NAME, fields[0].strip(), f"line {number}"))
        for code, text in zip(codes, fields[1:], strict=True):
            text = text.strip()
            columns[code].append(
                None if text in MISSING else parse_number(NAME, text, f"{code} line {number}")
            )
    if not dates:
        raise ValidationError(NAME, "the file has a header but no observations")
    return dates, columns
