"""Bank of Japan Time-Series Statistics API: the uncollateralized overnight call rate.

The API (launched 2026-02-18) is HTTP-RPC: it answers HTTP 200 even for errors and reports
them in the JSON ``STATUS``/``MESSAGEID``/``MESSAGE`` fields. Daily series take ``YYYYMM``
start and end months and return ``YYYYMMDD`` integer dates, ``null`` where a value is missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import ValidationError
from analytics.sources.base import Request
from analytics.sources.config import base_url
from analytics.sources.validate import parse_number, reject_non_data

NAME = "boj"
SERIES_ID = "jp.call"
PATH = "/api/v1/getDataCode"
DB = "FM01"
CODE = "STRDCLUCON"
# The daily call-rate series starts in July 1985; ~10,000 values fit in one answer.
HISTORY_START = date(1985, 7, 1)
NO_DATA = "M181030I"


def requests_for(last: Mapping[str, date], today: date) -> list[Request]:
    """One request from the month of the last stored value (or July 1985) to this month.

    Re-reading the stored month picks up revised values. A full history is one series of about
    10,000 values, far below the 60,000-point page limit, so no request should need paging.
    """
    stored = last.get(SERIES_ID)
    start = stored.replace(day=1) if stored is not None else HISTORY_START
    start = min(start, today.replace(day=1))
    return [
        Request(
            label=f"{NAME} {DB} {CODE}",
            url=base_url(NAME) + PATH,
            params=query(start, today),
            parse=parse,
        )
    ]


def query(start: date, end: date) -> dict[str, str]:
    """Query parameters for ``CODE`` over the months of ``start`` to ``end``."""
    return {
        "format": "json",
        "lang": "en",
        "db": DB,
        "code": CODE,
        "startDate": f"{start:%Y%m}",
        "endDate": f"{end:%Y%m}",
    }


def parse(body: bytes) -> pd.DataFrame:
    """``jp.call`` observations from a getDataCode JSON answer (nulls dropped).

    "Success, no data" (M181030I) gives an empty frame. An answer that continues on another
    page (non-null NEXTPOSITION) is refused rather than silently cut: with one code it cannot
    happen under the documented limits, so it means the API changed.
    """
    reject_non_data(NAME, body, "JSON")
    try:
        envelope = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(NAME, f"the answer is not complete JSON ({exc})") from None
    if not isinstance(envelope, dict) or "STATUS" not in envelope:
        raise ValidationError(NAME, "the answer has no STATUS field; expected the API envelope")
    status, message_id = envelope.get("STATUS"), envelope.get("MESSAGEID")
    if status != 200:
        raise ValidationError(
            NAME, f"the API reported STATUS {status} {message_id}: {envelope.get('MESSAGE')}"
        )
    if message_id == NO_DATA:
        return observations.empty()
    if envelope.get("NEXTPOSITION") is not None:
        raise ValidationError(
            NAME,
            f"the answer continues at position {envelope['NEXTPOSITION']}; "
            "request a shorter date range",
        )
    series = _series(envelope.get("RESULTSET"))
    values = series.get("VALUES")
    if not isinstance(values, dict) or not {"SURVEY_DATES", "VALUES"} <= values.keys():
        raise ValidationError(NAME, f"{CODE} has no VALUES.SURVEY_DATES and VALUES.VALUES lists")
    days, numbers = values["SURVEY_DATES"], values["VALUES"]
    if not isinstance(days, list) or not isinstance(numbers, list) or len(days) != len(numbers):
        raise ValidationError(NAME, f"{CODE} has SURVEY_DATES and VALUES of different lengths")
    dates: list[date] = []
    kept: list[float] = []
    for raw_day, raw_value in zip(days, numbers, strict=True):
        day = _survey_date(raw_day)
        if raw_value is None:
            continue
        dates.append(day)
        kept.append(_number(raw_value, day))
    obs = observations.frame([SERIES_ID] * len(dates), dates, kept)
    return obs.sort_values("date", ignore_index=True)


def _series(resultset: object) -> dict[str, Any]:
    """The RESULTSET entry for ``CODE`` (a ``FM01'`` prefix in the answer is tolerated)."""
    if not isinstance(resultset, list):
        raise ValidationError(NAME, "the answer has no RESULTSET list")
    codes = []
    for entry in resultset:
        if isinstance(entry, dict):
            code = str(entry.get("SERIES_CODE", ""))
            codes.append(code)
            if code.upper().split("'")[-1] == CODE:
                return entry
    raise ValidationError(
        NAME, f"the answer has no series {CODE} (it has {', '.join(codes) or 'none'})"
    )


def _survey_date(raw: object) -> date:
    text = str(raw)
    try:
        if isinstance(raw, bool) or len(text) != 8:
            raise ValueError
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValidationError(NAME, f"survey date {raw!r} is not a YYYYMMDD date") from None


def _number(raw: object, day: date) -> float:
    where = f"{CODE} on {day.isoformat()}"
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        value = parse_number(NAME, raw, where)
    else:
        raise ValidationError(NAME, f"non-numeric value {raw!r} at {where}")
    if not math.isfinite(value):
        raise ValidationError(NAME, f"non-numeric value {raw!r} at {where}")
    return value
