"""Japan Ministry of Finance JGB benchmark yields (English CSV): 2, 10, 20, 30 and 40 years.

``jgbcme_all.csv`` holds 1974 to the end of last month, ``jgbcme.csv`` the current month. Two
header lines, ``YYYY/M/D`` dates, ``-`` for missing, CRLF; the current-month file may carry a
Shift-JIS footnote, so undecodable bytes fall back to cp932 and non-date lines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

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
    require_columns,
)

NAME = "mof"
CURRENT_PATH = "/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
HISTORY_PATH = "/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
# The long end (20Y from 1986, 30Y from 1999, 40Y from 2007) is where fiscal risk is priced.
TENORS = {"2Y": "jp.2y", "10Y": "jp.10y", "20Y": "jp.20y", "30Y": "jp.30y", "40Y": "jp.40y"}
_DATE = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$")


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """The current-month file, plus the history file when the store lacks earlier months.

    A tenor the store has never held (e.g. the long end after an upgrade) asks for the history.
    """
    requests = []
    held = [last[s] for s in TENORS.values() if s in last]
    stored = min(held) if len(held) == len(TENORS) else None
    first_of_month = today.replace(day=1)
    if stored is None or stored < _previous_month_end(first_of_month):
        requests.append(Request("jgbcme_all.csv", f"{base_url(NAME)}{HISTORY_PATH}", parse))
    requests.append(Request("jgbcme.csv", f"{base_url(NAME)}{CURRENT_PATH}", parse))
    return requests


def parse(body: bytes) -> pd.DataFrame:
    """Observations of every tenor in ``TENORS`` in either MoF file ('-' before a tenor exists)."""
    reject_non_data(NAME, body)
    reject_cut_off(NAME, body)
    text = _decode(body)
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.startswith("Date,")), None)
    if header_at is None:
        raise ValidationError(NAME, "no 'Date,1Y,2Y,…' header line; not the MoF yield file")
    header = [name.strip() for name in lines[header_at].split(",")]
    require_columns(NAME, header, list(TENORS))
    positions = {tenor: header.index(tenor) for tenor in TENORS}
    series: list[str] = []
    dates: list[date] = []
    values: list[float] = []
    for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        fields = line.split(",")
        if not _DATE.match(fields[0].strip()):
            continue  # footnotes and blank lines
        if len(fields) < len(header):
            raise ValidationError(
                NAME, f"line {number} has {len(fields)} of {len(header)} fields: truncated file"
            )
        day = parse_date(NAME, fields[0].strip(), f"line {number}", ("%Y/%m/%d",))
        for tenor, series_id in TENORS.items():
            raw = fields[positions[tenor]].strip()
            if raw in ("-", ""):
                continue
            series.append(series_id)
            dates.append(day)
            values.append(parse_number(NAME, raw, f"{tenor} on {day}"))
    if not dates:
        raise ValidationError(NAME, "the file has no dated rows")
    return observations.frame(series, dates, values)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp932", errors="replace")


def _previous_month_end(first_of_month: date) -> date:
    return date.fromordinal(first_of_month.toordinal() - 1)
