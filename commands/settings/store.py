"""Per-chat settings in the database: a chat that never changed anything reads as the defaults.

Every change is validated (``commands.settings.model``) and recorded in ``settings_changes`` with
who made it, what changed and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, desc, insert, select, update

from analytics.storage.engine import storable
from analytics.storage.schema import chat_settings_table, settings_changes_table
from commands.settings.model import (
    DEFAULTS,
    SETTING_NAMES,
    Actor,
    ChatKey,
    ChatSettings,
    FieldChange,
    SettingsChange,
    validate,
)


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
