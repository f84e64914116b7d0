"""US Treasury daily par yield curve CSV: the 2-year and 10-year constant-maturity yields.

Columns are read by name: Treasury adds tenors over time (``4 Mo`` in 2022, ``"1.5 Month"`` in
2025) and older rows leave the newer tenors empty. Dates come as ``MM/DD/YYYY`` from the live
site, ``M/D/YY`` in the spreadsheet-saved archive copy and ISO in processed copies; all three
are accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import date

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import ValidationError
from analytics.sources.base import Request
from analytics.sources.config import base_url
from analytics.sources.validate import parse_number, reject_non_data, require_columns

NAME = "treasury"
PATH = "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv"
# The par yield curve CSV starts in 1990.
FIRST_YEAR = 1990
COLUMNS: dict[str, str] = {"2 Yr": "us.2y", "10 Yr": "us.10y"}
MISSING = frozenset({"", "N/A"})

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def year_url(year: int) -> str:
    """The yearly CSV for ``year`` (its query string is part of the URL, ``page`` has no value)."""
    return (
        f"{base_url(NAME)}{PATH}/{year}/all"
        f"?type=daily_treasury_yield_curve&field_tdr_date_value={year}&page&_format=csv"
    )


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """One yearly CSV per year from the oldest last-stored date (or 1990) to this year.

    Yearly files rather than the undocumented all-years URL: the yearly form is used by several
    independent clients, each file is small (~250 rows), and one failed year costs one retry.
    A first run makes one request per year since 1990 (~37); a daily run makes one (two in the
    first days of January, so the end of last year is not missed).
    """
    stored = [last.get(series_id) for series_id in COLUMNS.values()]
    start = FIRST_YEAR if None in stored else min(d.year for d in stored if d is not None)
    start = min(max(start, FIRST_YEAR), today.year)
    return [
        Request(label=f"{NAME} {year}", url=year_url(year), parse=parse)
        for year in range(start, today.year + 1)
    ]


def parse(body: bytes) -> pd.DataFrame:
    """Observations of ``us.2y`` and ``us.10y`` from a par yield curve CSV (empty cells dropped).

    A header with no rows (a new year's file before its first business day) gives an empty frame.
    """
    reject_non_data(NAME, body)
    text = body.decode("utf-8-sig", errors="replace")
    try:
        rows = [row for row in csv.reader(io.StringIO(text), strict=True) if row]
    except csv.Error as exc:
        raise ValidationError(NAME, f"the CSV is malformed or truncated ({exc})") from None
    if not rows:
        raise ValidationError(NAME, "the response has no header line; expected CSV")
    header = [name.strip() for name in rows[0]]
    require_columns(NAME, header, ["Date", *COLUMNS])
    date_at = header.index("Date")
    wanted = {series_id: header.index(name) for name, series_id in COLUMNS.items()}
    series: list[str] = []
    dates: list[date] = []
    values: list[float] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValidationError(
                NAME,
                f"line {number} has {len(row)} fields where the header has {len(header)}; "
                f"the file looks truncated ({','.join(row)[:40]!r})",
            )
        day = parse_date(row[date_at], number)
        for series_id, at in wanted.items():
            cell = row[at].strip()
            if cell in MISSING:
                continue
            where = f"line {number} ({header[at]} on {day.isoformat()})"
            series.append(series_id)
            dates.append(day)
            values.append(parse_number(NAME, cell, where))
    obs = observations.frame(series, dates, values)
    return obs.sort_values(["series", "date"], ignore_index=True)


def parse_date(text: str, line: int) -> date:
    """``MM/DD/YYYY``, ``M/D/YY`` (90-99 are 19xx, the rest 20xx) or ISO ``YYYY-MM-DD``."""
    text = text.strip()
    try:
        if match := _ISO.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US.fullmatch(text):
            year = int(match[3])
            if len(match[3]) == 2:
                year += 1900 if year >= 90 else 2000
            return date(year, int(match[1]), int(match[2]))
    except ValueError:
        pass
    raise ValidationError(NAME, f"line {line}: {text!r} is not a date (truncated or malformed)")
