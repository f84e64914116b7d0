"""Who is asking, where: the one object every adapter builds before calling the command layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from commands.settings.model import Actor, ChatKey


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CommandContext:
    """A command's surroundings, platform-neutral.

    ``chat_id`` is the Telegram chat or the Discord guild; ``channel_id`` the Discord channel
    (``None`` on platforms without channels). Adapters set ``is_moderator`` from the platform's
    real roles (Telegram administrators and private chats, Discord Manage Server); where that
    takes a request (Telegram's ``getChatMember``) only for a moderators' command
    (``commands.dispatch.needs_moderator``), otherwise False. ``locale`` is
    the user's interface language, used only until the chat chooses one with ``/carry lang``.
    ``chat_title`` is user-supplied text and is escaped wherever it is shown.
    """

    platform: str
    chat_id: str
    user_id: str
    user_name: str = ""
    is_moderator: bool = False
    channel_id: str | None = None
    locale: str | None = None
    chat_title: str = ""
    now: datetime = field(default_factory=_utc_now)

    @property
    def key(self) -> ChatKey:
        """The settings key of this chat (and channel)."""
        return ChatKey(self.platform, str(self.chat_id), str(self.channel_id or ""))

    @property
    def actor(self) -> Actor:
        """The user, as recorded against settings changes."""
        return Actor(str(self.user_id), self.user_name or str(self.user_id))
