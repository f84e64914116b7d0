"""Numbers, dates and lists written the way each language writes them, for the templates.

The separators, patterns and words come from the language's row (``commands.languages``);
Babel supplies the month names of its locale.

Missing values (None or NaN) are never printed as ``nan``: templates test them with
``is available`` and say in a sentence that the input is unavailable; as a last resort these
filters print a dash.
"""

from __future__ import annotations

import math
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, parse_pattern

from commands.languages import language as language_row

MINUS = "\u2212"
DASH = "\u2014"
# A change that is not zero never reads "0": it gets up to this many more decimals (``+0.3 bp``,
# ``−0.04%``); what still rounds to zero there is float noise and reads ``0``.
EXTRA_DIGITS = 2


def available(value: Any) -> bool:
    """True when a value can be shown (not None, not NaN)."""
    if value is None:
        return False
    if isinstance(value, float):
        return not math.isnan(value)
    return True


class Formatter:
    """Number and date formatting of one language (its row of ``commands.languages``), reused."""

    def __init__(self, language: str) -> None:
        self.row = language_row(language)
        self.language = self.row.code
        self.locale = Locale.parse(self.row.babel_locale)
        self._group = self.row.numbers.group
        self._decimal = self.row.numbers.decimal

    def number(self, value: Any, digits: int = 0) -> str:
        """``1,234.5`` with ``digits`` decimals, a true minus sign for negatives."""
        if not available(value):
            return DASH
        number = float(value)
        text = f"{abs(number):,.{digits}f}"
        if (self._group, self._decimal) != (",", "."):
            text = text.replace(",", "\0").replace(".", self._decimal)
            text = text.replace("\0", self._group)
        negative = round(number, digits) < 0
        return (MINUS + text) if negative else text

    def signed(self, value: Any, digits: int = 0) -> str:
        """``+12`` / ``−12`` / ``0``: changes always carry their sign, and one that is not zero
        shows the decimals it needs not to read ``0`` (``+0.3``)."""
        if not available(value):
            return DASH
        digits = shown_digits(float(value), digits)
        text = self.number(value, digits)
        return text if text.startswith(MINUS) or round(float(value), digits) == 0 else "+" + text

    def signed_percent(self, value: Any, digits: int = 1) -> str:
        """A change in percent with its sign (``+0.29%``, ``−1.8%``)."""
        return DASH if not available(value) else self.signed(value, digits) + "%"

    def share(self, value: Any, digits: int = 0) -> str:
        """A share in percent that reads ``0%`` or ``100%`` only when it is (``0.08%``)."""
        if not available(value):
            return DASH
        number = float(value)
        digits = max(shown_digits(number, digits), shown_digits(100 - number, digits))
        return self.percent(number, digits)

    def percent(self, value: Any, digits: int = 2) -> str:
        """A value already in percent (``3.25`` → ``3.25%``)."""
        return DASH if not available(value) else self.number(value, digits) + "%"

    def money(self, value: Any, currency: str) -> str:
        """A large amount of ``JPY`` or ``USD`` the locale's way, to at most three significant
        figures: ``¥40 tn``/``$250 bn`` in English, ``40兆円``/``2,500億ドル`` in Japanese,
        ``40万亿日元``/``2,500亿美元`` in Chinese. Negative amounts carry a true minus sign."""
        numbers = self.row.numbers
        affixes = numbers.currency(currency)
        if not available(value) or affixes is None:
            return DASH
        number = float(value)
        units = numbers.big_units
        scale, word = next(((s, w) for s, w in units if abs(number) >= s), (1.0, ""))
        scaled = abs(number) / scale
        digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
        text = self.number(float(f"{scaled:.3g}"), digits)
        if "." in text or self._decimal in text:
            text = text.rstrip("0").rstrip(self._decimal)
        sign = MINUS if number < 0 else ""
        prefix, suffix = affixes
        return f"{sign}{prefix}{text}{numbers.unit_space + word if word else ''}{suffix}"

    def listing(self, items: list[str]) -> str:
        """Items joined the locale's way (``a, b and c``; ``a、b、c``)."""
        return self.row.listing.join(items)

    def alternatives(self, items: list[str]) -> str:
        """Items as choices, the locale's way (``a, b, or c``; ``a、b、またはc``)."""
        return self.row.listing.join(items, choice=True)

    def date(self, value: Any) -> str:
        """A calendar date (``17 Jun 2026``, ``2026/06/17``, ``2026年6月17日``)."""
        if not available(value):
            return DASH
        day = value.date() if isinstance(value, datetime) else value
        if not isinstance(day, date):
            return DASH
        return format_date(day, self.row.dates.date, locale=self.locale)

    def month(self, value: Any) -> str:
        """A month of a year (``Aug 2024``, ``2024年8月``), for dates known only to the month."""
        if not available(value):
            return DASH
        day = value.date() if isinstance(value, datetime) else value
        if not isinstance(day, date):
            return DASH
        return format_date(day, self.row.dates.month, locale=self.locale)

    def datetime(self, value: Any, zone: tzinfo | None = None) -> str:
        """A moment in the chat's time zone, to the minute, with the zone it is read in
        (``12 Jun 2026, 18:30 JST``; ``UTC+04`` where a zone has no abbreviation)."""
        if not isinstance(value, datetime):
            return DASH
        local = value.astimezone(zone) if zone is not None and value.tzinfo else value
        dates = self.row.dates
        day = format_date(local.date(), dates.date, locale=self.locale)
        clock = parse_pattern(dates.time).apply(local, self.locale)
        text = dates.datetime.format(date=day, time=clock)
        label = zone_label(local)
        return f"{text} {label}" if label else text


def shown_digits(value: float, digits: int) -> int:
    """``digits``, or more (up to ``EXTRA_DIGITS`` more) when ``value`` is not zero but would
    round to zero: the decimals at which a change shows its size."""
    for extra in range(EXTRA_DIGITS + 1):
        if round(value, digits + extra) != 0:
            return digits + extra
    return digits


def zone_label(moment: datetime) -> str:
    """The zone abbreviation of an aware moment (``JST``, ``BST``), or ``UTC+04`` for zones
    that have none; empty for a naive one."""
    name = moment.tzname()
    if not name:
        return ""
    return f"UTC{name}" if name[0] in "+-" else name


@cache
def formatter(language: str) -> Formatter:
    """The shared formatter of a language."""
    return Formatter(language)
