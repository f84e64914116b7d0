"""Policy-rate inputs for tests: FRED's real target range, and BoJ API answers built from its shape.

- ``fred_range_body(code)``: FRED's ``DFEDTARU``/``DFEDTARL`` as fredgraph.csv serves it (current
  layout), merged from the real copies in ``shared/data/raw`` (2008-12-16 to 2024-01-31, to
  2026-03-27 and the FRED cache of 2026-08-21, later copies winning; they agree where they
  overlap), optionally continued by ``extra`` (day, value) segments a test builds.
- ``boj_call_body(segments)``: a BoJ API ``getDataCode`` answer for ``FM01``/``STRDCLUCON``.
  BUILT from the documented envelope (``shared/docs/sources.md`` §1d): no real captured answer
  exists. The levels follow §3.3 of ``policy-rates.md`` (0.727 under 0.75, 0.977 under 1.0,
  1.227 under 1.25); the daily values are illustrative, not BoJ data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd

from tests.support.paths import raw_path

Segment = tuple[str, str, float]  # first day, last day (business days), value


def _real_fred(code: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for name in (f"{code}.csv", f"policy/{code}_2008-2026-03.csv"):
        frame = pd.read_csv(raw_path(name))
        for day, value in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True):
            if pd.notna(value):
                values[pd.Timestamp(day).date().isoformat()] = float(value)
    cache = json.loads(raw_path("policy/fred_cache_2026-08-21.json").read_text())
    for day, value in cache["series"][code]:
        if value is not None:
            values[str(day)[:10]] = float(value)
    return values


def fred_range_body(code: str, extra: Iterable[Segment] = (), until: str | None = None) -> bytes:
    """``DFEDTARU`` or ``DFEDTARL`` in fredgraph.csv's current layout: the real values (to 21 Aug
    2026), then ``extra`` segments (every calendar day, as FRED's 7-day series), cut at ``until``."""
    values = _real_fred(code)
    for first, last, value in extra:
        for day in pd.date_range(first, last, freq="D"):
            values[day.date().isoformat()] = value
    days = sorted(d for d in values if until is None or d <= until)
    lines = [f"observation_date,{code}", *(f"{d},{values[d]:g}" for d in days)]
    return ("\n".join(lines) + "\n").encode()


def call_rate(segments: Sequence[Segment]) -> pd.Series:
    """Business-day call-rate values: each segment's span at its value."""
    parts = [pd.Series(v, index=pd.bdate_range(first, last)) for first, last, v in segments]
    return pd.concat(parts).sort_index()


def boj_call_body(segments: Sequence[Segment], missing: Sequence[str] = ()) -> bytes:
    """A getDataCode JSON answer (BUILT from the documented shape) with the call rate on the
    business days of ``segments``; ``missing`` days answer ``null``."""
    series = call_rate(segments)
    dates = [int(d.strftime("%Y%m%d")) for d in series.index]
    values: list[float | None] = [round(float(v), 3) for v in series.to_numpy()]
    for day in missing:
        at = dates.index(int(day.replace("-", "")))
        values[at] = None
    envelope = {
        "STATUS": 200,
        "MESSAGEID": "M181000I",
        "MESSAGE": "Successfully completed",
        "DATE": "2026-11-20T09:00:00.000+09:00",
        "PARAMETER": {"FORMAT": "JSON", "LANG": "EN", "DB": "FM01"},
        "NEXTPOSITION": None,
        "RESULTSET": [
            {
                "SERIES_CODE": "STRDCLUCON",
                "NAME_OF_TIME_SERIES": "Call Rate, Uncollateralized Overnight/Average",
                "UNIT": "% per annum",
                "FREQUENCY": "DAILY",
                "CATEGORY": "Financial Markets",
                "LAST_UPDATE": dates[-1] if dates else 20261120,
                "VALUES": {"SURVEY_DATES": dates, "VALUES": values},
            }
        ],
    }
    return json.dumps(envelope).encode()


# The BoJ's guideline since March 2024 as the call rate shows it (policy-rates.md 3.2 and 3.3),
# a level a few bp under each guideline from its effective day.
BOJ_2024_2026: tuple[Segment, ...] = (
    ("2024-03-21", "2024-07-31", 0.077),
    ("2024-08-01", "2025-01-24", 0.227),
    ("2025-01-27", "2025-12-19", 0.477),
    ("2025-12-22", "2026-06-16", 0.727),
    ("2026-06-17", "2026-09-23", 0.977),
    ("2026-09-24", "2026-10-30", 1.227),
)


def day(text: str) -> date:
    return date.fromisoformat(text)
