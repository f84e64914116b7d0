"""Cboe VIX daily history (``VIX_History.csv``): the closing level of each trading day.

Header ``DATE,OPEN,HIGH,LOW,CLOSE``; Cboe writes dates ``MM/DD/YYYY``, copies re-saved by other
tools write ISO dates, and some end lines in CRLF. Only the close is kept (closing VIX only:
intraday spikes can be quote artefacts). The history file is read from a folder of raw files
(``analytics.ingest.rawfiles``); the live bot takes the same closes from FRED's VIXCLS.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import ValidationError
from analytics.sources.validate import (
    parse_date,
    parse_number,
    reject_non_data,
    require_columns,
)

NAME = "cboe"
SERIES_ID = "vix"
COLUMNS = ["DATE", "OPEN", "HIGH", "LOW", "CLOSE"]


def parse_history(body: bytes) -> pd.DataFrame:
    """Observations of the VIX close from a Cboe daily history file."""
    reject_non_data(NAME, body)
    lines = body.decode("utf-8-sig", errors="replace").splitlines()
    header = [name.strip().upper() for name in lines[0].split(",")]
    require_columns(NAME, header, COLUMNS)
    at_date, at_close = header.index("DATE"), header.index("CLOSE")
    dates: list[date] = []
    values: list[float] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != len(header):
            raise ValidationError(
                NAME, f"line {number} has {len(fields)} of {len(header)} fields: truncated file"
            )
        close = fields[at_close].strip()
        if not close:
            continue
        dates.append(parse_date(NAME, fields[at_date].strip(), f"line {number}"))
        values.append(parse_number(NAME, close, f"CLOSE line {number}"))
    if not dates:
        raise ValidationError(NAME, "the file has a header but no closes")
    return observations.frame([SERIES_ID] * len(dates), dates, values)
