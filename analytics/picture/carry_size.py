"""How big the yen carry trade is, by definition: the published estimates, and the one size we measure.

``analytics/data/carry_size.csv`` holds each published estimate with its definition code, author,
date and where it was published (codes and figures only; templates word them). The measured size
is the CFTC non-commercial net yen futures position of the latest released report: contracts,
yen (¥12.5 million a contract) and US dollars at USD/JPY on the report date. It covers CME yen
futures only (``CAVEAT``), not swaps, loans or balance sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from analytics.catalogue import horizons
from analytics.catalogue.series import spec
from analytics.catalogue.tables import csv_rows, package_text
from analytics.signal import positioning

TABLE_NAME = "carry_size.csv"
COLUMNS = [
    "key",
    "amount",
    "amount_high",
    "unit",
    "usd_amount",
    "approx",
    "kind",
    "definition",
    "who",
    "date",
    "published_in",
    "reference",
    "note",
]
UNITS = frozenset({"JPY", "USD", "pct"})
KINDS = frozenset(
    {
        "central_estimate",
        "upper_bound",
        "ceiling",
        "funding_market",
        "balance_sheet",
        "unverified_claim",
        "share_unwound",
    }
)
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_NOTE = re.compile(r"^[a-z][a-z0-9_]*(=[0-9][0-9.\-]*)?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")

YEN_PER_CONTRACT = 12_500_000
LONG_SERIES, SHORT_SERIES = "cftc.jpy.noncomm_long", "cftc.jpy.noncomm_short"
CAVEAT = "cme_futures_only"
SHORT_YEN, LONG_YEN, FLAT = "short_yen", "long_yen", "flat"
FX_MAX_GAP_DAYS = 5


@dataclass(frozen=True)
class Estimate:
    """One published size of the carry trade, with what it counts and who said it."""

    key: str
    amount: float
    amount_high: float | None
    unit: str
    usd_amount: float | None
    approx: bool
    kind: str
    definition: str
    who: str
    published: date | None
    date_precision: str | None  # "day" or "month"; None when the date is unknown
    published_in: str | None
    reference: bool
    notes: tuple[str, ...]

    def note(self, name: str) -> str | None:
        """The value of a ``name=value`` note, ``""`` for a bare ``name``, None when absent."""
        for item in self.notes:
            key, _, value = item.partition("=")
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class SizeTable:
    """Every estimate in table order; the reference estimate first in ``ordered``."""

    estimates: tuple[Estimate, ...]

    @property
    def reference(self) -> Estimate:
        return next(e for e in self.estimates if e.reference)

    @property
    def ordered(self) -> tuple[Estimate, ...]:
        return (self.reference, *(e for e in self.estimates if not e.reference))

    def __getitem__(self, key: str) -> Estimate:
        try:
            return next(e for e in self.estimates if e.key == key)
        except StopIteration:
            raise KeyError(f"no carry-size estimate {key!r}") from None


@dataclass(frozen=True)
class MeasuredSize:
    """The CFTC speculative net yen futures position of the latest released report.

    ``net_contracts`` is long minus short (negative: net short yen, the carry side); ``usd``
    converts the yen amount at ``usdjpy`` (USD/JPY observed on or before the report date).
    """

    status: str
    report_date: date
    released: date
    long_contracts: float
    short_contracts: float
    net_contracts: float
    net_yen: float
    direction: str
    usdjpy: float | None
    usdjpy_date: date | None
    net_usd: float | None
    caveat: str = CAVEAT


def parse_table(text: str, name: str = TABLE_NAME) -> SizeTable:
    """Estimates from the CSV text (``#`` lines are comments); ValueError names the bad line."""
    estimates: list[Estimate] = []
    for number, row in csv_rows(text, COLUMNS, name):
        where = f"{name} line {number}"
        estimate = _estimate(row, where)
        if any(e.key == estimate.key for e in estimates):
            raise ValueError(f"{where}: key {estimate.key!r} appears twice")
        estimates.append(estimate)
    references = [e.key for e in estimates if e.reference]
    if len(references) != 1:
        raise ValueError(f"{name} needs exactly one reference estimate; found {references}")
    return SizeTable(tuple(estimates))


@cache
def table() -> SizeTable:
    """The estimates in the package (read once)."""
    return parse_table(package_text(TABLE_NAME))


def measured(obs: pd.DataFrame, day: date, usdjpy: pd.Series) -> MeasuredSize | None:
    """The latest CFTC report released by ``day`` (None if none was), sized in yen and dollars.

    ``usdjpy`` is observed USD/JPY indexed by date (``markets.observed_usdjpy``). The report is
    ``stale`` when its date is older than the CFTC series' age limit.
    """
    rows = horizons.series_rows(obs, [LONG_SERIES, SHORT_SERIES])
    series = rows["series"].to_numpy()
    dates = rows["date"].to_numpy(dtype="datetime64[ns]")
    values = rows["value"].to_numpy(dtype="float64")
    released = rows["released"].to_numpy(dtype="datetime64[ns]")
    released = np.where(
        np.isnat(released), dates + positioning.DEFAULT_RELEASE_LAG.to_timedelta64(), released
    )
    is_long = series == LONG_SERIES
    common, at_long, at_short = np.intersect1d(dates[is_long], dates[~is_long], return_indices=True)
    out = np.maximum(released[is_long][at_long], released[~is_long][at_short])
    cutoff = np.datetime64(day, "ns")
    public = np.flatnonzero((out <= cutoff) & (common <= cutoff))
    if not len(public):
        return None
    last = int(public[-1])
    report_day = pd.Timestamp(common[last]).date()
    long_ = float(values[is_long][at_long[last]])
    short = float(values[~is_long][at_short[last]])
    net = long_ - short
    yen = net * YEN_PER_CONTRACT
    fx_value, fx_day = _usdjpy_on(usdjpy, report_day)
    age_limit = spec(LONG_SERIES).max_age_days
    status = horizons.STALE if (day - report_day).days > age_limit else horizons.OK
    return MeasuredSize(
        status=status,
        report_date=report_day,
        released=pd.Timestamp(out[last]).date(),
        long_contracts=long_,
        short_contracts=short,
        net_contracts=net,
        net_yen=yen,
        direction=SHORT_YEN if net < 0 else LONG_YEN if net > 0 else FLAT,
        usdjpy=fx_value,
        usdjpy_date=fx_day,
        net_usd=None if fx_value is None else yen / fx_value,
    )


def _usdjpy_on(usdjpy: pd.Series, day: date) -> tuple[float | None, date | None]:
    series = usdjpy.dropna()
    dates = series.index.to_numpy(dtype="datetime64[ns]")
    position = int(np.searchsorted(dates, np.datetime64(day, "ns"), side="right")) - 1
    if position < 0:
        return None, None
    seen = pd.Timestamp(dates[position]).date()
    if (day - seen).days > FX_MAX_GAP_DAYS:
        return None, None
    return float(series.iloc[position]), seen


def _estimate(row: dict[str, str], where: str) -> Estimate:
    key = row["key"].strip()
    for field in ("key", "kind", "definition"):
        if not _CODE.match(row[field].strip()):
            raise ValueError(f"{where}: {field} {row[field]!r} is not a lower-case code")
    unit = row["unit"].strip()
    if unit not in UNITS:
        raise ValueError(f"{where}: unit {unit!r} is not one of {', '.join(sorted(UNITS))}")
    kind = row["kind"].strip()
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    amount = _positive(row["amount"], where, "amount")
    assert amount is not None
    high = _positive(row["amount_high"], where, "amount_high")
    if high is not None and high < amount:
        raise ValueError(f"{where}: amount_high {high:g} is below amount {amount:g}")
    usd = _positive(row["usd_amount"], where, "usd_amount")
    if usd is not None and unit != "JPY":
        raise ValueError(f"{where}: usd_amount is only for a yen amount (unit is {unit})")
    published, precision = _date(row["date"].strip(), where)
    notes = tuple(item.strip() for item in row["note"].split(";") if item.strip())
    for item in notes:
        if not _NOTE.match(item):
            raise ValueError(f"{where}: note {item!r} is not a code or code=number")
    who = row["who"].strip()
    if not who:
        raise ValueError(f"{where}: who is empty; a size is never quoted without its author")
    return Estimate(
        key=key,
        amount=amount,
        amount_high=high,
        unit=unit,
        usd_amount=usd,
        approx=_flag(row["approx"], where, "approx"),
        kind=kind,
        definition=row["definition"].strip(),
        who=who,
        published=published,
        date_precision=precision,
        published_in=row["published_in"].strip() or None,
        reference=_flag(row["reference"], where, "reference"),
        notes=notes,
    )


def _positive(text: str, where: str, field: str) -> float | None:
    if not text.strip():
        if field == "amount":
            raise ValueError(f"{where}: amount is empty")
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {field} {text!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"{where}: {field} {value:g} must be positive")
    return value


def _flag(text: str, where: str, field: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"{where}: {field} {text!r} must be true or false")
    return value == "true"


def _date(text: str, where: str) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"{where}: date {text!r} is not YYYY-MM-DD or YYYY-MM")
    year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day or 1)), "day" if day else "month"
    except ValueError:
        raise ValueError(f"{where}: date {text!r} is not a calendar date") from None
