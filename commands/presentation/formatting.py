"""Numbers and dates written the way each locale writes them (Babel), for the templates.

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
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import NumberPattern, parse_pattern

# Chat language → Babel locale. British English writes dates day-first ("17 Jun 2026").
BABEL_LOCALES = {"en": "en_GB", "ja": "ja", "zh": "zh_Hans"}
MINUS = "\u2212"
DASH = "\u2014"
# A change that is not zero never reads "0": it gets up to this many more decimals (``+0.3 bp``,
# ``−0.04%``); what still rounds to zero there is float noise and reads ``0``.
EXTRA_DIGITS = 2
# Large-number words per language, largest first (Japanese and Chinese count in 10^4 steps).
_BIG_UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "en": ((1e12, "tn"), (1e9, "bn"), (1e6, "m")),
    "ja": ((1e12, "兆"), (1e8, "億"), (1e4, "万")),
    "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
}
# Currency → language → (prefix in English, suffix in Japanese and Chinese).
_CURRENCIES = {
    "JPY": {"en": ("¥", ""), "ja": ("", "円"), "zh": ("", "日元")},
    "USD": {"en": ("$", ""), "ja": ("", "ドル"), "zh": ("", "美元")},
}


def normalise_language(value: str | None) -> str | None:
    """``en``/``ja``/``zh`` from a platform or Babel locale code (``ja-JP``, ``zh_Hans``), or None."""
    if not value:
        return None
    key = value.strip().lower().replace("_", "-")
    if key.startswith("zh"):
        return "zh"
    head = key.split("-", 1)[0]
    return head if head in BABEL_LOCALES else None


@cache
def babel_locale(language: str) -> Locale:
    """The Babel locale of a chat language (English when unknown)."""
    return Locale.parse(BABEL_LOCALES.get(normalise_language(language) or "en", "en_GB"))


@cache
def _pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


def available(value: Any) -> bool:
    """True when a value can be shown (not None, not NaN)."""
    if value is None:
        return False
    if isinstance(value, float):
        return not math.isnan(value)
    return True


class Formatter:
    """Locale-bound number and date formatting; one per language, reused."""

    def __init__(self, language: str) -> None:
        self.language = normalise_language(language) or "en"
        self.locale = babel_locale(self.language)
        symbols = self.locale.number_symbols.get("latn", {})
        self._group = str(symbols.get("group", ","))
        self._decimal = str(symbols.get("decimal", "."))
        # Locales that group by threes (en, ja, zh all do) take a fast path through format().
        self._fast = _pattern(0).grouping == (3, 3)

    def number(self, value: Any, digits: int = 0) -> str:
        """``1,234.5`` with ``digits`` decimals, a true minus sign for negatives."""
        if not available(value):
            return DASH
        number = float(value)
        if self._fast:
            text = f"{abs(number):,.{digits}f}"
            if (self._group, self._decimal) != (",", "."):
                text = text.replace(",", "\0").replace(".", self._decimal)
                text = text.replace("\0", self._group)
        else:
            text = _pattern(digits).apply(abs(number), self.locale)
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
        if not available(value) or currency not in _CURRENCIES:
            return DASH
        number = float(value)
        units = _BIG_UNITS[self.language]
        scale, word = next(((s, w) for s, w in units if abs(number) >= s), (1.0, ""))
        scaled = abs(number) / scale
        digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
        text = self.number(float(f"{scaled:.3g}"), digits)
        if "." in text or self._decimal in text:
            text = text.rstrip("0").rstrip(self._decimal)
        sign = MINUS if number < 0 else ""
        prefix, suffix = _CURRENCIES[currency][self.language]
        if self.language == "en":
            return f"{sign}{prefix}{text}{' ' + word if word else ''}"
        return f"{sign}{text}{word}{suffix}"

    def listing(self, items: list[str]) -> str:
        """Items joined the locale's way (``a, b and c``; ``a、b、c``)."""
        return format_list(items, style="standard", locale=self.locale) if items else ""

    def alternatives(self, items: list[str]) -> str:
        """Items as choices, the locale's way (``a, b, or c``; ``a、b、またはc``)."""
        return format_list(items, style="or", locale=self.locale) if items else ""

    def date(self, value: Any, width: str = "medium") -> str:
        """A calendar date (``17 Jun 2026``, ``2026/06/17``, ``2026年6月17日``)."""
        if not available(value):
            return DASH
        day = value.date() if isinstance(value, datetime) else value
        if not isinstance(day, date):
            return DASH
        return str(self.locale.date_formats[width].apply(day, self.locale))

    def month(self, value: Any) -> str:
        """A month of a year (``Aug 2024``, ``2024年8月``), for dates known only to the month."""
        if not available(value):
            return DASH
        day = value.date() if isinstance(value, datetime) else value
        if not isinstance(day, date):
            return DASH
        return str(format_skeleton("yMMM", day, locale=self.locale))

    def datetime(self, value: Any, zone: tzinfo | None = None) -> str:
        """A moment in the chat's time zone, to the minute, with the zone it is read in
        (``12 Jun 2026, 18:30 JST``; ``UTC+04`` where a zone has no abbreviation)."""
        if not isinstance(value, datetime):
            return DASH
        local = value.astimezone(zone) if zone is not None and value.tzinfo else value
        day = self.locale.date_formats["medium"].apply(local, self.locale)
        clock = self.locale.time_formats["short"].apply(local, self.locale)
        glue = str(self.locale.datetime_formats["medium"])
        text = glue.replace("{1}", str(day)).replace("{0}", str(clock))
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
