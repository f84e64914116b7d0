"""ECB euro foreign exchange reference rates: USD/JPY as the cross JPY per EUR / USD per EUR.

The ECB fixes at 14:15 CET and publishes around 16:00 CET, so this is not the New York noon
rate (FRED H.10). Two files: the full history (``eurofxref-hist.zip``, ISO dates, newest first)
and the latest day (``eurofxref.zip``, spaces after commas, dates like ``30 October 2026``).
Every line of both ends in a comma, and missing rates are ``N/A``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
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
    reject_non_data,
    require_columns,
)

NAME = "ecb"
SERIES_ID = "fx.usdjpy.ecb"
HISTORY_PATH = "/stats/eurofxref/eurofxref-hist.zip"
DAILY_PATH = "/stats/eurofxref/eurofxref.zip"
HISTORY_MEMBER = "eurofxref-hist.csv"
DAILY_MEMBER = "eurofxref.csv"
MISSING = frozenset({"", "N/A"})
DECIMALS = 4

ECB_DATES = ("%Y-%m-%d", "%d %B %Y")  # the history file; the daily file ("5 August 2024")


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """The daily zip when it cannot skip a day, else the full history zip.

    The daily file holds only the latest fixing (today's after ~16:00 CET, else the previous
    business day's), so it is enough only while at most one weekday lies after the last stored
    date. Otherwise, including a first run, the history zip (~650 KB) is fetched: with a
    threshold of several days the days in between would be lost for good.
    """
    stored = last.get(SERIES_ID)
    if stored is not None and _weekdays_after(stored, today) <= 1:
        return [Request(label=f"{NAME} daily", url=base_url(NAME) + DAILY_PATH, parse=parse_daily)]
    return [
        Request(label=f"{NAME} history", url=base_url(NAME) + HISTORY_PATH, parse=parse_history)
    ]


def parse_history(body: bytes) -> pd.DataFrame:
    """USD/JPY observations from ``eurofxref-hist.zip`` or the bare ``eurofxref-hist.csv``."""
    return _parse_csv(_unzip(body, HISTORY_MEMBER))


def parse_daily(body: bytes) -> pd.DataFrame:
    """USD/JPY observation(s) from ``eurofxref.zip`` or the bare ``eurofxref.csv``."""
    return _parse_csv(_unzip(body, DAILY_MEMBER))


def _weekdays_after(stored: date, today: date) -> int:
    days = (stored + timedelta(days=n) for n in range(1, (today - stored).days + 1))
    return sum(1 for day in days if day.weekday() < 5)


def _unzip(body: bytes, member: str) -> bytes:
    """The CSV inside a zip (``member``, or its only .csv), or ``body`` itself when not a zip."""
    reject_non_data(NAME, body, "a zip or CSV file")
    if not body.startswith(b"PK"):
        return body
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
            csvs = [name for name in names if name.lower().endswith(".csv")]
            if member in names:
                chosen = member
            elif len(csvs) == 1:
                chosen = csvs[0]
            else:
                raise ValidationError(
                    NAME, f"the zip holds {', '.join(names) or 'nothing'}, not {member}"
                )
            return archive.read(chosen)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ValidationError(NAME, f"the zip file is truncated or corrupt ({exc})") from None


def _parse_csv(body: bytes) -> pd.DataFrame:
    reject_non_data(NAME, body)
    lines = body.decode("utf-8-sig", errors="replace").splitlines()
    header = [name.strip() for name in lines[0].split(",")]
    require_columns(NAME, header, ["Date", "USD", "JPY"])
    at_date, at_usd, at_jpy = header.index("Date"), header.index("USD"), header.index("JPY")
    dates: list[date] = []
    values: list[float] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != len(header):
            raise ValidationError(
                NAME,
                f"line {number} has {len(fields)} fields where the header has {len(header)}; "
                f"the file looks truncated ({line[:40]!r})",
            )
        day = parse_date(NAME, fields[at_date], f"line {number}", ECB_DATES)
        usd, jpy = fields[at_usd], fields[at_jpy]
        if usd in MISSING or jpy in MISSING:
            continue
        where = f"line {number} ({day.isoformat()})"
        per_eur_usd = parse_number(NAME, usd, f"USD {where}")
        per_eur_jpy = parse_number(NAME, jpy, f"JPY {where}")
        if per_eur_usd <= 0:
            raise ValidationError(NAME, f"USD rate {usd!r} at {where} is not positive")
        dates.append(day)
        values.append(round(per_eur_jpy / per_eur_usd, DECIMALS))
    obs = observations.frame([SERIES_ID] * len(dates), dates, values)
    return obs.sort_values("date", ignore_index=True)
