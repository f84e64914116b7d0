"""What a chat chooses: the settings, their defaults and their validation, in one place.

A chat is keyed by (platform, chat id, channel id); platforms without channels use ``""`` for the
channel. ``commands.settings.store`` keeps them in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from commands import languages
from commands.settings import timezones

THRESHOLD_KINDS = ("pressure", "fuel", "move")
MOVE_RANGE = (0.5, 10.0)  # percent: the intraday alert's USD/JPY fall within six hours
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class ChatSettings:
    """What a chat has chosen; the field defaults are the defaults of every new chat."""

    briefing: bool = False
    briefing_time: str = "08:00"
    timezone: str = "Asia/Tokyo"
    language: str = "en"
    alerts: bool = False
    pressure_threshold: int = 65
    fuel_threshold: int = 70
    move_threshold: float = 2.0
    intraday_alerts: bool = True


DEFAULTS = ChatSettings()
SETTING_NAMES = tuple(f.name for f in fields(ChatSettings))


@dataclass(frozen=True)
class ChatKey:
    """Which chat: platform, chat (Telegram chat, Discord guild) and channel (``""`` if none)."""

    platform: str
    chat_id: str
    channel_id: str = ""


@dataclass(frozen=True)
class Actor:
    """Who changed a setting."""

    user_id: str
    user_name: str


@dataclass(frozen=True)
class FieldChange:
    """One setting's old and new value as text; ``field`` is a setting name or ``"reset"``."""

    field: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class SettingsChange:
    """One recorded change: who, when, and every setting it changed (the one asked for first)."""

    fields: tuple[FieldChange, ...]
    user_id: str
    user_name: str
    changed_at: datetime

    @property
    def field(self) -> str:
        """The setting asked for (the first one changed)."""
        return self.fields[0].field

    @property
    def old_value(self) -> str:
        """Its value before, as text."""
        return self.fields[0].old_value

    @property
    def new_value(self) -> str:
        """Its value after, as text."""
        return self.fields[0].new_value

    @property
    def is_reset(self) -> bool:
        """True when the change put every setting back to its default."""
        return any(f.field == "reset" for f in self.fields)


class SettingError(ValueError):
    """A value a user typed is not valid; ``code`` and ``params`` let a template explain it."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


# --- validation -----------------------------------------------------------------------------


def parse_time(text: str) -> str:
    """A 24-hour ``HH:MM`` local time, normalised to two-digit hours (``8:05`` → ``08:05``)."""
    match = TIME_PATTERN.match(text.strip())
    if not match:
        raise SettingError("bad_time", f"{text!r} is not a 24-hour time like 08:00", value=text)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_timezone(text: str) -> str:
    """A time zone as users type it (``commands.settings.timezones.resolve``: an IANA name in any case,
    ``UTC``, a city alone); otherwise an error that suggests the nearest real zones."""
    found = timezones.resolve(text)
    if found:
        return found
    suggestions = timezones.suggest(text)
    raise SettingError(
        "bad_timezone",
        f"unknown time zone {text!r}"
        + (f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""),
        value=text,
        suggestion=suggestions[0] if suggestions else "",
        suggestions=suggestions,
    )


def suggest_timezone(text: str) -> str | None:
    """The zone a user most likely meant (``commands.settings.timezones.suggest``), if any."""
    suggestions = timezones.suggest(text, limit=1)
    return suggestions[0] if suggestions else None


def parse_threshold(text: str) -> int:
    """A whole number of score points, 0 to 100."""
    try:
        value = float(text.strip())
    except ValueError:
        raise SettingError(
            "bad_threshold", f"{text!r} is not a number from 0 to 100", value=text
        ) from None
    if not 0 <= value <= 100 or value != int(value):
        raise SettingError(
            "bad_threshold", f"{text!r} is not a whole number from 0 to 100", value=text
        )
    return int(value)


def parse_move_threshold(text: str) -> float:
    """A USD/JPY fall in percent, 0.5 to 10 (``1.5``, ``2%``), to one decimal."""
    low, high = MOVE_RANGE
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise SettingError(
            "bad_move", f"{text!r} is not a percentage from {low:g} to {high:g}", value=text
        ) from None
    if not low <= value <= high:
        raise SettingError(
            "bad_move", f"{text!r} is outside {low:g} to {high:g} percent", value=text
        )
    return round(value, 1)


def parse_language(text: str) -> str:
    """A language's code from a code or a spelling of its row in ``commands.languages``
    (``ja``, ``JA``, ``zh-Hans``)."""
    code = languages.parse_language(text)
    if code is None:
        raise SettingError("bad_language", f"unknown language {text!r}", value=text)
    return code


def validate(settings: ChatSettings) -> ChatSettings:
    """Check a whole settings value (used before every write); returns it unchanged."""
    parse_time(settings.briefing_time)
    parse_timezone(settings.timezone)
    parse_language(settings.language)
    for value in (settings.pressure_threshold, settings.fuel_threshold):
        parse_threshold(str(value))
    parse_move_threshold(str(settings.move_threshold))
    return settings
