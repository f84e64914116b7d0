"""What the adapters know about each chat, in the database so every process shares it.

A chat row records the bot's membership (from Telegram ``my_chat_member`` updates), whether
deliveries to it are disabled (blocked, removed, no rights) and, after a group became a
supergroup, the id it moved to. Uploaded images are remembered by content hash with the
platform's file id, so a chart is uploaded once and its id reused by every process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, select, update

from analytics.storage.engine import insert, storable
from analytics.storage.schema import chat_state_table, platform_files_table
from commands.settings.store import SettingsStore

# Membership statuses in which the bot can post.
ACTIVE_STATUSES = frozenset({"member", "administrator", "creator"})


@dataclass(frozen=True)
class ChatState:
    """One chat as the adapters know it."""

    platform: str
    chat_id: str
    chat_type: str
    title: str
    member_status: str
    disabled: bool
    disabled_reason: str
    migrated_to: str | None


def digest(data: bytes) -> str:
    """The content hash that keys an uploaded file."""
    return hashlib.sha256(data).hexdigest()


class ChatRegistry:
    """Chat membership, the disabled flag, migrations and the uploaded-file cache."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- chats -------------------------------------------------------------------------------

    def get(self, platform: str, chat_id: str) -> ChatState | None:
        """The chat's row, if the adapters ever recorded anything about it."""
        t = chat_state_table
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(*_key(t, platform, chat_id))).first()
        return None if row is None else _state(row)

    def is_disabled(self, platform: str, chat_id: str) -> bool:
        """True when deliveries to the chat are switched off."""
        state = self.get(platform, chat_id)
        return bool(state and state.disabled)

    def disabled_chats(self, platform: str) -> list[ChatState]:
        """Every disabled chat of a platform."""
        t = chat_state_table
        query = select(t).where(t.c.platform == platform, t.c.disabled.is_(True))
        with self.engine.connect() as conn:
            return [_state(row) for row in conn.execute(query)]

    def set_membership(
        self,
        platform: str,
        chat_id: str,
        status: str,
        *,
        can_post: bool | None = None,
        chat_type: str = "",
        title: str = "",
    ) -> ChatState:
        """Record the bot's new status in a chat; leaving, being blocked or muted disables it.

        ``can_post`` overrides the status rule (a restricted bot that may still send, a channel
        administrator without the right to post)."""
        active = status in ACTIVE_STATUSES if can_post is None else can_post
        if active:
            reason = ""
        elif status == "kicked":
            reason = "blocked" if chat_type == "private" else "removed"
        elif status == "left":
            reason = "left"
        else:
            reason = "no_rights"
        values: dict[str, Any] = {
            "member_status": status,
            "disabled": not active,
            "disabled_reason": reason,
        }
        if chat_type:
            values["chat_type"] = chat_type
        if title:
            values["title"] = storable(title, 256)
        return self._upsert(platform, chat_id, values)

    def disable(self, platform: str, chat_id: str, reason: str) -> ChatState:
        """Stop deliveries to a chat (it blocked or removed the bot, or took its rights)."""
        return self._upsert(
            platform, chat_id, {"disabled": True, "disabled_reason": storable(reason, 64)}
        )

    def enable(self, platform: str, chat_id: str) -> ChatState:
        """Allow deliveries again."""
        return self._upsert(platform, chat_id, {"disabled": False, "disabled_reason": ""})

    def resolve(self, platform: str, chat_id: str) -> str:
        """The chat's current id, following migrations (a group that became a supergroup)."""
        seen = {chat_id}
        current = chat_id
        while True:
            state = self.get(platform, current)
            if state is None or not state.migrated_to or state.migrated_to in seen:
                return current
            current = state.migrated_to
            seen.add(current)

    def migrate(self, platform: str, old_id: str, new_id: str) -> None:
        """A group became a supergroup: its settings, history and state move to the new id.

        Idempotent: Telegram announces a migration twice (in the old and the new chat), and
        a delivery may learn it from an error as well. Settings the new chat already has win.
        """
        now = datetime.now(UTC)
        t = chat_state_table
        with self.engine.begin() as conn:
            SettingsStore.move_chat(conn, platform, old_id, new_id, now)
            old = conn.execute(select(t).where(*_key(t, platform, old_id))).first()
            carried: dict[str, Any] = {"chat_type": "supergroup"}
            if old is not None:
                carried.update(title=old.title, member_status=old.member_status)
            self._upsert_in(conn, platform, new_id, carried, now)
            self._upsert_in(
                conn,
                platform,
                old_id,
                {"migrated_to": new_id, "disabled": True, "disabled_reason": "migrated"},
                now,
            )

    # -- uploaded files ----------------------------------------------------------------------

    def file_id(self, platform: str, data_digest: str) -> str | None:
        """The platform's id of an already uploaded file with this content hash."""
        t = platform_files_table
        query = select(t.c.file_id).where(t.c.platform == platform, t.c.digest == data_digest)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def remember_file(self, platform: str, data_digest: str, file_id: str) -> None:
        """Store the id the platform gave an upload (first writer wins; the ids are equivalent)."""
        t = platform_files_table
        with self.engine.begin() as conn:
            conn.execute(
                insert(conn, t)
                .values(
                    platform=platform,
                    digest=data_digest,
                    file_id=file_id,
                    created_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing()
            )

    def forget_file(self, platform: str, data_digest: str) -> None:
        """Drop a file id the platform no longer accepts."""
        t = platform_files_table
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.platform == platform, t.c.digest == data_digest))

    # -- internals ---------------------------------------------------------------------------

    def _upsert(self, platform: str, chat_id: str, values: dict[str, Any]) -> ChatState:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            self._upsert_in(conn, platform, chat_id, values, now)
            row = conn.execute(
                select(chat_state_table).where(*_key(chat_state_table, platform, chat_id))
            ).one()
        return _state(row)

    @staticmethod
    def _upsert_in(
        conn: Any, platform: str, chat_id: str, values: dict[str, Any], now: datetime
    ) -> None:
        # Insert the defaults unless the row exists (another process may race us), then update.
        t = chat_state_table
        defaults = {
            "chat_type": "",
            "title": "",
            "member_status": "",
            "disabled": False,
            "disabled_reason": "",
            "migrated_to": None,
        }
        conn.execute(
            insert(conn, t)
            .values(platform=platform, chat_id=chat_id, updated_at=now, **defaults)
            .on_conflict_do_nothing()
        )
        conn.execute(update(t).where(*_key(t, platform, chat_id)).values(updated_at=now, **values))


def _key(table: Table, platform: str, chat_id: str) -> tuple[Any, ...]:
    return (and_(table.c.platform == platform, table.c.chat_id == str(chat_id)),)


def _state(row: Any) -> ChatState:
    return ChatState(
        platform=row.platform,
        chat_id=row.chat_id,
        chat_type=row.chat_type,
        title=row.title,
        member_status=row.member_status,
        disabled=bool(row.disabled),
        disabled_reason=row.disabled_reason,
        migrated_to=row.migrated_to,
    )
