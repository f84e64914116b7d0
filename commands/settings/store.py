"""Per-chat settings: defaults and validation in one place, stored beside the observations.

A chat is keyed by (platform, chat id, channel id); platforms without channels use ``""`` for the
channel. A chat that never changed anything has no row and reads as the defaults. Every change is
recorded in ``settings_changes`` with who made it, what changed and when.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, desc, insert, select, update

from analytics.storage.engine import storable
from analytics.storage.schema import chat_settings_table, settings_changes_table
from commands.settings import timezones

LANGUAGES = ("en", "ja", "zh")
THRESHOLD_KINDS = ("pressure", "fuel")
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


def parse_language(text: str) -> str:
    """``en``, ``ja`` or ``zh`` (``zh-Hans`` and similar spellings accepted)."""
    key = text.strip().lower().replace("_", "-")
    if key in {"zh-hans", "zh-cn", "zh-sg", "cn"}:
        key = "zh"
    if key in {"jp", "jpn"}:
        key = "ja"
    if key not in LANGUAGES:
        raise SettingError("bad_language", f"unknown language {text!r}", value=text)
    return key


def validate(settings: ChatSettings) -> ChatSettings:
    """Check a whole settings value (used before every write); returns it unchanged."""
    parse_time(settings.briefing_time)
    parse_timezone(settings.timezone)
    parse_language(settings.language)
    for value in (settings.pressure_threshold, settings.fuel_threshold):
        parse_threshold(str(value))
    return settings


# --- storage --------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


class SettingsStore:
    """Read and change chat settings; every write is validated and recorded."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, key: ChatKey) -> ChatSettings:
        """The chat's settings, or the defaults when it never changed anything."""
        return self.find(key) or DEFAULTS

    def find(self, key: ChatKey) -> ChatSettings | None:
        """The chat's stored settings; None when it never changed anything."""
        with self.engine.connect() as conn:
            return self._read(conn, key)

    def update(
        self, key: ChatKey, changes: Mapping[str, object], actor: Actor, now: datetime | None = None
    ) -> ChatSettings:
        """Apply ``changes`` (setting name → value), validate, store and record what changed.

        The changed settings are recorded as one change, in the order of ``changes``. When a
        stored chat would not change, nothing is written.
        """
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:
            raise KeyError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        stamp = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            old = self._read(conn, key)
            new = validate(replace(old or DEFAULTS, **changes))  # type: ignore[arg-type]
            if new == old:
                return new
            values = {name: getattr(new, name) for name in SETTING_NAMES}
            t = chat_settings_table
            if old is None:
                conn.execute(
                    insert(t).values(
                        platform=key.platform,
                        chat_id=key.chat_id,
                        channel_id=key.channel_id,
                        updated_at=stamp,
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(t).where(*self._where(t, key)).values(updated_at=stamp, **values)
                )
            before = old or DEFAULTS
            change_id = uuid.uuid4().hex
            for name in changes:  # in the caller's order: what was asked for comes first
                if getattr(before, name) != getattr(new, name):
                    self._record(
                        conn,
                        change_id,
                        key,
                        name,
                        getattr(before, name),
                        getattr(new, name),
                        actor,
                        stamp,
                    )
        return new

    def reset(self, key: ChatKey, actor: Actor, now: datetime | None = None) -> ChatSettings:
        """Back to the defaults; the reset itself is recorded."""
        stamp = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(chat_settings_table).where(*self._where(chat_settings_table, key)))
            self._record(conn, uuid.uuid4().hex, key, "reset", "", "defaults", actor, stamp)
        return DEFAULTS

    def last_change(self, key: ChatKey) -> SettingsChange | None:
        """The most recent recorded change of the chat (all the settings it touched), if any."""
        t = settings_changes_table
        latest = (
            select(t.c.change_id)
            .where(*self._where(t, key))
            .order_by(desc(t.c.changed_at), desc(t.c.id))
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                t.c.field, t.c.old_value, t.c.new_value, t.c.user_id, t.c.user_name, t.c.changed_at
            )
            .where(*self._where(t, key), t.c.change_id == latest)
            .order_by(t.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return None
        first = rows[0]
        stamp = first.changed_at
        if stamp.tzinfo is None:  # SQLite drops the zone; values are stored in UTC
            stamp = stamp.replace(tzinfo=UTC)
        return SettingsChange(
            tuple(FieldChange(r.field, r.old_value, r.new_value) for r in rows),
            first.user_id,
            first.user_name,
            stamp,
        )

    def subscribed(self) -> list[tuple[ChatKey, ChatSettings]]:
        """Every chat with the daily briefing on (for the scheduler)."""
        return self._where_on(chat_settings_table.c.briefing)

    def alerting(self) -> list[tuple[ChatKey, ChatSettings]]:
        """Every chat with alerts on (for the scheduler)."""
        return self._where_on(chat_settings_table.c.alerts)

    @staticmethod
    def move_chat(conn: Any, platform: str, old_id: str, new_id: str, now: datetime) -> None:
        """Inside the caller's transaction: a chat's settings and history move to a new id
        (a Telegram group that became a supergroup). Settings the new id already has win."""
        s, c = chat_settings_table, settings_changes_table
        new_has_settings = conn.execute(
            select(s.c.chat_id).where(s.c.platform == platform, s.c.chat_id == new_id)
        ).first()
        if new_has_settings is None:
            conn.execute(
                update(s)
                .where(s.c.platform == platform, s.c.chat_id == old_id)
                .values(chat_id=new_id, updated_at=now)
            )
        else:
            conn.execute(delete(s).where(s.c.platform == platform, s.c.chat_id == old_id))
        conn.execute(
            update(c).where(c.c.platform == platform, c.c.chat_id == old_id).values(chat_id=new_id)
        )

    def _where_on(self, flag: Any) -> list[tuple[ChatKey, ChatSettings]]:
        t = chat_settings_table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(flag.is_(True))).all()
        return [
            (
                ChatKey(row.platform, row.chat_id, row.channel_id),
                ChatSettings(**{name: getattr(row, name) for name in SETTING_NAMES}),
            )
            for row in rows
        ]

    def _read(self, conn: Any, key: ChatKey) -> ChatSettings | None:
        t = chat_settings_table
        row = conn.execute(
            select(*(t.c[name] for name in SETTING_NAMES)).where(*self._where(t, key))
        ).first()
        return None if row is None else ChatSettings(**dict(row._mapping))

    @staticmethod
    def _where(table: Table, key: ChatKey) -> tuple[Any, ...]:
        return (
            table.c.platform == key.platform,
            table.c.chat_id == key.chat_id,
            table.c.channel_id == key.channel_id,
        )

    def _record(
        self,
        conn: Any,
        change_id: str,
        key: ChatKey,
        name: str,
        old: object,
        new: object,
        actor: Actor,
        stamp: datetime,
    ) -> None:
        conn.execute(
            insert(settings_changes_table).values(
                change_id=change_id,
                platform=key.platform,
                chat_id=key.chat_id,
                channel_id=key.channel_id,
                field=name,
                old_value=storable(_text(old), 128),
                new_value=storable(_text(new), 128),
                user_id=storable(actor.user_id, 64),
                user_name=storable(actor.user_name, 128),
                changed_at=stamp,
            )
        )
