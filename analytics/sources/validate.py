"""Checks shared by every source: not an HTML page, not empty, sane values, no future dates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pandas as pd

from analytics.catalogue.series import CATALOGUE
from analytics.errors import ValidationError

_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def reject_non_data(source: str, body: bytes, what: str = "CSV") -> None:
    """Raise if ``body`` is empty or an HTML error page instead of the data file."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ValidationError(source, f"the response was empty; expected {what}")
    head = stripped[:2048]
    if _HTML_START.match(head) or b"<html" in head.lower():
        title = _TITLE.search(stripped[:8192])
        detail = f" titled {title.group(1).decode('utf-8', 'replace').strip()!r}" if title else ""
        raise ValidationError(source, f"answered with an HTML page{detail} instead of {what}")


def reject_cut_off(source: str, body: bytes) -> None:
    """Raise if the body does not end with a line ending: the transfer stopped mid-line."""
    if not body.rstrip(b" \t").endswith((b"\n", b"\r")):
        tail = body[-30:].decode("utf-8", "replace")
        raise ValidationError(
            source, f"the file ends mid-line ({tail!r}): the download looks truncated"
        )


def require_columns(source: str, present: Sequence[str], required: Sequence[str]) -> None:
    """Raise naming the missing columns (a renamed column shows up as missing)."""
    missing = [name for name in required if name not in present]
    if missing:
        raise ValidationError(
            source,
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(present) or 'nothing'}",
        )


def parse_number(source: str, text: str, where: str) -> float:
    """Parse one numeric field or raise naming where it was."""
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        raise ValidationError(source, f"non-numeric value {text.strip()!r} at {where}") from None


ISO_OR_US = ("%Y-%m-%d", "%m/%d/%Y")  # every download; a copy re-saved by a spreadsheet, or Cboe's


def parse_date(
    source: str, text: str, where: str, layouts: Sequence[str] = ISO_OR_US, what: str = "a date"
) -> date:
    """Parse a date in one of ``layouts`` (``strptime`` forms), or raise naming where it was and
    the layouts expected."""
    for layout in layouts:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    expected = " or ".join(_LAYOUT_NAMES.get(layout, layout) for layout in layouts)
    raise ValidationError(
        source, f"{where}: {text!r} is not {what} ({expected}; truncated or malformed?)"
    )


_LAYOUT_NAMES = {
    "%Y-%m-%d": "YYYY-MM-DD",
    "%m/%d/%Y": "MM/DD/YYYY",
    "%Y/%m/%d": "YYYY/MM/DD",
    "%d %B %Y": "5 August 2024",
    "%m/%d/%Y %I:%M:%S %p": "MM/DD/YYYY hh:mm:ss AM",
}


def check_observations(source: str, obs: pd.DataFrame, today: date | None = None) -> None:
    """Reject unknown series, NaN, values outside each series' plausible range, future dates."""
    if obs.empty:
        raise ValidationError(source, "no observations in the response")
    unknown = sorted(set(obs["series"]) - set(CATALOGUE))
    if unknown:
        raise ValidationError(source, f"unknown series id(s) {', '.join(unknown)}")
    if obs["value"].isna().any():
        raise ValidationError(source, "a value is missing where a number was expected")
    for series_id, group in obs.groupby("series", sort=True):
        spec = CATALOGUE[str(series_id)]
        bad = group[(group["value"] < spec.low) | (group["value"] > spec.high)]
        if not bad.empty:
            row = bad.iloc[0]
            raise ValidationError(
                source,
                f"implausible {spec.id} value {row['value']:g} on {row['date']:%Y-%m-%d} "
                f"(expected {spec.low:g} to {spec.high:g} {spec.unit})",
            )
    # A day of slack: Tokyo's date runs ahead of UTC.
    limit = pd.Timestamp((today or date.today()) + timedelta(days=1))
    future = obs[obs["date"] > limit]
    if not future.empty:
        raise ValidationError(source, f"date {future['date'].max():%Y-%m-%d} lies in the future")
