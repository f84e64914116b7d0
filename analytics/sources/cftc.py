"""CFTC Commitments of Traders for the Japanese yen future (CME, contract market code 097741).

Two reports, each from two places:

- Legacy futures-only: non-commercial long/short and open interest. Yearly archive
  ``/files/dea/history/deacot{YYYY}.zip`` (→ ``annual.txt``) and the reporting API dataset
  ``6dca-aqww``.
- Traders in Financial Futures (TFF), futures only: leveraged-funds long/short and open interest.
  Archive ``fin_fut_txt_2006_2016.zip`` (→ ``F_TFF_2006_2016.txt``) for 2006–2016 and
  ``fut_fin_txt_{YYYY}.zip`` (→ ``FinFutYY.txt``) from 2017; API dataset ``gpe5-46if``.

Positions are as of a Tuesday (a Monday in holiday weeks) and published the following Friday at
15:30 ET, so every observation carries ``released`` (see :func:`release_date`); signals must use
it to avoid look-ahead.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import ValidationError
from analytics.sources.base import Parser, Request
from analytics.sources.config import base_url, cftc_api_base_url
from analytics.sources.validate import (
    parse_date,
    parse_number,
    reject_non_data,
    require_columns,
)

NAME = "cftc"
YEN_CODE = "097741"
# Fields CFTC leaves blank or marks "." (confidential or not applicable) carry no observation.
MISSING = frozenset({"", "."})

# On first run: the reporting API covers the current and the previous SOCRATA_YEARS calendar
# years; older years come from the yearly archives. Legacy archives reach back to 1986, but
# carry history starts to matter in the 1990s, so the backfill starts in 1995 (29 files, one
# request per year); TFF starts in June 2006.
SOCRATA_YEARS = 2
SOCRATA_LIMIT = 5000
LEGACY_FIRST_YEAR = 1995
TFF_FIRST_YEAR = 2006
# TFF 2006–2016 is published only as one combined file (yearly names before 2017 are not
# reliably served, e.g. fut_fin_txt_2006.zip answers 404); yearly files follow from 2017.
TFF_COMBINED_LAST_YEAR = 2016
ARCHIVE_PATH = "/files/dea/history"


@dataclass(frozen=True)
class _Report:
    """Where one report's fields live in the yearly text file and in the API's JSON."""

    label: str
    dataset: str
    date_columns: tuple[str, ...]  # first present wins; the last is the YYMMDD fallback
    code_column: str
    text_fields: Mapping[str, str]  # column name -> series id
    json_fields: Mapping[str, tuple[str, ...]]  # series id -> accepted JSON keys

    @property
    def series(self) -> tuple[str, ...]:
        return tuple(self.json_fields)


LEGACY = _Report(
    label="legacy",
    dataset="6dca-aqww",
    date_columns=("As of Date in Form YYYY-MM-DD", "As of Date in Form YYMMDD"),
    code_column="CFTC Contract Market Code",
    text_fields={
        "Open Interest (All)": "cftc.jpy.oi",
        "Noncommercial Positions-Long (All)": "cftc.jpy.noncomm_long",
        "Noncommercial Positions-Short (All)": "cftc.jpy.noncomm_short",
    },
    json_fields={
        "cftc.jpy.oi": ("open_interest_all",),
        "cftc.jpy.noncomm_long": ("noncomm_positions_long_all",),
        "cftc.jpy.noncomm_short": ("noncomm_positions_short_all",),
    },
)
TFF = _Report(
    label="TFF",
    dataset="gpe5-46if",
    # Older TFF files call the report-date column Report_Date_as_MM_DD_YYYY.
    date_columns=(
        "Report_Date_as_YYYY-MM-DD",
        "Report_Date_as_MM_DD_YYYY",
        "As_of_Date_In_Form_YYMMDD",
    ),
    code_column="CFTC_Contract_Market_Code",
    text_fields={
        "Open_Interest_All": "cftc.jpy.tff_oi",
        "Lev_Money_Positions_Long_All": "cftc.jpy.lev_long",
        "Lev_Money_Positions_Short_All": "cftc.jpy.lev_short",
    },
    json_fields={
        "cftc.jpy.tff_oi": ("open_interest_all",),
        # The API drops the _all suffix on these; some clients report it with the suffix.
        "cftc.jpy.lev_long": ("lev_money_positions_long", "lev_money_positions_long_all"),
        "cftc.jpy.lev_short": ("lev_money_positions_short", "lev_money_positions_short_all"),
    },
)
JSON_DATE = "report_date_as_yyyy_mm_dd"
JSON_CODE = "cftc_contract_market_code"


def release_date(report_date: date) -> date:
    """When a report as of ``report_date`` became public: the Friday on or after report_date + 3.

    That is Tuesday + 3 days, or Monday + 4 when a Tuesday holiday moved the as-of date. A
    federal holiday on the Wednesday, Thursday or Friday before that Friday delays the release
    to the next business day, as in CFTC's published schedules (6 Jul 2015 after 3 Jul; 24 Jun,
    8 Jul, 2 Dec and 30 Dec 2024). Not modelled: one-off closures and government shutdowns
    (Oct 2013, Dec 2018–Jan 2019, Oct–Nov 2025), which delayed releases by weeks, and the
    pre-2000 schedule (reports were less frequent then); backtests over those weeks see
    positions somewhat early.
    """
    start = report_date + timedelta(days=3)
    friday = start + timedelta(days=(4 - start.weekday()) % 7)
    holidays = _federal_holidays()
    if not any(friday - timedelta(days=back) in holidays for back in range(3)):
        return friday
    released = friday + timedelta(days=1)
    while released.weekday() >= 5 or released in holidays:
        released += timedelta(days=1)
    return released


@cache
def _federal_holidays() -> frozenset[date]:
    from pandas.tseries.holiday import USFederalHolidayCalendar

    days = USFederalHolidayCalendar().holidays(start="1986-01-01", end="2100-12-31")
    return frozenset(day.date() for day in days)


# --- requests ------------------------------------------------------------------------------


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """API requests for reports newer than what is stored; yearly archives when nothing is."""
    return [
        *_requests(LEGACY, last, today, parse_legacy_json, parse_legacy_text),
        *_requests(TFF, last, today, parse_tff_json, parse_tff_text),
    ]


def _requests(
    report: _Report,
    last: Mapping[str, date],
    today: date,
    parse_json: Parser,
    parse_text: Parser,
) -> list[Request]:
    stored = [last[series] for series in report.series if series in last]
    if len(stored) == len(report.series):
        # The oldest of the three, so a series that fell behind catches up.
        return [_api_request(report, min(stored), parse_json)]
    api_from = date(today.year - SOCRATA_YEARS, 1, 1)
    requests = [_api_request(report, api_from - timedelta(days=1), parse_json)]
    return _archive_requests(report, api_from.year - 1, parse_text) + requests


def _api_request(report: _Report, after: date, parse: Parser) -> Request:
    return Request(
        label=f"{report.label} report after {after.isoformat()}",
        url=f"{cftc_api_base_url()}/resource/{report.dataset}.json",
        params={
            "$where": (
                f"{JSON_CODE}='{YEN_CODE}' AND {JSON_DATE} > '{after.isoformat()}T00:00:00.000'"
            ),
            "$order": JSON_DATE,
            "$limit": str(SOCRATA_LIMIT),
        },
        parse=parse,
    )


def _archive_requests(report: _Report, last_year: int, parse: Parser) -> list[Request]:
    root = f"{base_url(NAME)}{ARCHIVE_PATH}"
    if report is LEGACY:
        return [
            Request(f"legacy archive {year}", f"{root}/deacot{year}.zip", parse)
            for year in range(LEGACY_FIRST_YEAR, last_year + 1)
        ]
    requests = []
    if last_year >= TFF_FIRST_YEAR:
        requests.append(
            Request(
                f"TFF archive {TFF_FIRST_YEAR}-{TFF_COMBINED_LAST_YEAR}",
                f"{root}/fin_fut_txt_{TFF_FIRST_YEAR}_{TFF_COMBINED_LAST_YEAR}.zip",
                parse,
            )
        )
    requests += [
        Request(f"TFF archive {year}", f"{root}/fut_fin_txt_{year}.zip", parse)
        for year in range(TFF_COMBINED_LAST_YEAR + 1, last_year + 1)
    ]
    return requests


# --- yearly text files (zip or bare) -------------------------------------------------------


def parse_legacy_text(body: bytes) -> pd.DataFrame:
    """Yen rows of a legacy futures-only yearly file (``deacot{YYYY}.zip`` or its annual.txt)."""
    return _parse_text(body, LEGACY)


def parse_tff_text(body: bytes) -> pd.DataFrame:
    """Yen rows of a TFF futures-only yearly file (``fut_fin_txt_{YYYY}.zip`` or FinFutYY.txt)."""
    return _parse_text(body, TFF)


def _parse_text(body: bytes, report: _Report) -> pd.DataFrame:
    text = _text_of(body, report)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    date_column = next((name for name in report.date_columns if name in header), None)
    require_columns(
        NAME,
        header,
        [date_column or report.date_columns[0], report.code_column, *report.text_fields],
    )
    assert date_column is not None
    date_at = header.index(date_column)
    code_at = header.index(report.code_column)
    columns = [(header.index(name), series) for name, series in report.text_fields.items()]
    series_ids: list[str] = []
    dates: list[date] = []
    values: list[float] = []
    yen_rows = 0
    for fields in reader:
        if not any(field.strip() for field in fields):
            continue
        where = f"line {reader.line_num} of the {report.label} file"
        if len(fields) < len(header):
            raise ValidationError(
                NAME,
                f"{where} has {len(fields)} fields but the header has {len(header)}: "
                "the file looks truncated",
            )
        if fields[code_at].strip().zfill(6) != YEN_CODE:
            continue
        yen_rows += 1
        as_of = _parse_date(fields[date_at].strip(), where)
        for at, series in columns:
            raw = fields[at].strip()
            if raw in MISSING:
                continue
            series_ids.append(series)
            dates.append(as_of)
            values.append(parse_number(NAME, raw, f"{series} on {as_of.isoformat()} ({where})"))
    if yen_rows == 0:
        raise ValidationError(
            NAME,
            f"the {report.label} file has no rows for the Japanese yen (contract code "
            f"{YEN_CODE}); it may be the wrong report or an incomplete download",
        )
    return _frame(series_ids, dates, values)


def _text_of(body: bytes, report: _Report) -> str:
    """The text file itself: unzipped when ``body`` is a zip archive, checked for HTML."""
    if body.startswith(b"PK"):
        body = _unzip(body, report)
    reject_non_data(NAME, body, what=f"the {report.label} text file")
    return body.decode("utf-8-sig", errors="replace")


def _unzip(body: bytes, report: _Report) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".txt")]
            if not names:
                raise ValidationError(
                    NAME,
                    f"the {report.label} zip archive holds no .txt file "
                    f"(it has {', '.join(archive.namelist()) or 'nothing'})",
                )
            return archive.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise ValidationError(
            NAME,
            f"the {report.label} zip archive is corrupt or truncated ({exc}); download it again",
        ) from None


# ISO in current files; M/D/YYYY (with a midnight time) in the 2006–2016 TFF file.
REPORT_DATES = ("%Y-%m-%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y")


def _parse_date(text: str, where: str) -> date:
    """A report date; the YYMMDD column is the fallback when neither date column exists."""
    if len(text) == 6 and text.isdigit():
        century = 1900 if int(text[:2]) >= 86 else 2000
        with contextlib.suppress(ValueError):
            return date(century + int(text[:2]), int(text[2:4]), int(text[4:]))
    return parse_date(NAME, text, where, REPORT_DATES, what="a report date")


# --- public reporting (Socrata) API --------------------------------------------------------


def parse_legacy_json(body: bytes) -> pd.DataFrame:
    """Yen rows of the legacy futures-only API answer (dataset 6dca-aqww)."""
    return _parse_json(body, LEGACY)


def parse_tff_json(body: bytes) -> pd.DataFrame:
    """Yen rows of the TFF futures-only API answer (dataset gpe5-46if)."""
    return _parse_json(body, TFF)


def _parse_json(body: bytes, report: _Report) -> pd.DataFrame:
    """An empty list is a valid answer: no report newer than the one asked after."""
    reject_non_data(NAME, body, what="JSON from the CFTC reporting API")
    try:
        rows = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            NAME, "the reporting API answer is not valid JSON; it may have been cut off"
        ) from None
    if isinstance(rows, dict):
        message = rows.get("message") or rows.get("error") or "no message"
        raise ValidationError(NAME, f"the reporting API answered with an error: {message}")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError(NAME, "the reporting API answer is not a list of report rows")
    if not rows:
        return observations.empty()
    present = {key for row in rows for key in row}
    require_columns(NAME, sorted(present), [JSON_DATE])
    for series, keys in report.json_fields.items():
        if not present.intersection(keys):
            raise ValidationError(
                NAME,
                f"the {report.label} API rows have no field {' or '.join(keys)} (for {series})",
            )
    series_ids: list[str] = []
    dates: list[date] = []
    values: list[float] = []
    for number, row in enumerate(rows, start=1):
        code = row.get(JSON_CODE)
        if code is not None and str(code).strip().zfill(6) != YEN_CODE:
            continue
        where = f"row {number} of the {report.label} API answer"
        if JSON_DATE not in row:
            raise ValidationError(NAME, f"{where} has no {JSON_DATE}")
        as_of = _parse_api_date(str(row[JSON_DATE]), where)
        for series, keys in report.json_fields.items():
            raw = next((row[key] for key in keys if key in row), None)
            text = "" if raw is None else str(raw).strip()
            if text in MISSING:
                continue
            series_ids.append(series)
            dates.append(as_of)
            values.append(parse_number(NAME, text, f"{series} on {as_of.isoformat()} ({where})"))
    return _frame(series_ids, dates, values)


def _parse_api_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(NAME, f"{where}: {text!r} is not a report date") from None


def _frame(series_ids: list[str], dates: list[date], values: list[float]) -> pd.DataFrame:
    obs = observations.frame(series_ids, dates, values, [release_date(d) for d in dates])
    obs = obs.drop_duplicates(subset=["series", "date"], keep="last")
    return obs.sort_values(["series", "date"], ignore_index=True)
