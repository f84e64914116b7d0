"""Who moderates a Telegram chat: administrators and the owner, looked up only when it matters.

Rules: in a private chat the user moderates it; a channel post comes only from the channel's
administrators; a message whose ``sender_chat`` is the group itself comes from an anonymous
administrator (it arrives ``from`` GroupAnonymousBot); anyone else is asked about with
``getChatMember``, and only for a moderators' command (the adapter says when). A message sent on
behalf of another channel (a linked channel's automatic forward, or a user posting as their
channel) is not a moderator's.

Answers are cached, "yes" and "no" alike, for ``ttl`` seconds; a ``chat_member`` update (a user
promoted, demoted, removed: Telegram sends them where the bot is an administrator) drops that
user's entry at once, and the bot's own membership change or a migration drops the chat's.
A failed lookup is not cached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, Message
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

log = logging.getLogger(__name__)

MODERATOR_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
DEFAULT_TTL = 300.0  # seconds; chat_member updates end an entry sooner
MAX_ENTRIES = 10_000


def moderator_by_message(message: Message) -> bool | None:
    """What the message alone says (True/False), or None when the member must be looked up."""
    chat = message.chat
    if chat.type == ChatType.PRIVATE:
        return True
    if chat.type == ChatType.CHANNEL:
        return True
    if message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if message.from_user is None or message.from_user.is_bot:
        return False
    return None


class ModeratorCache:
    """``getChatMember`` answers, kept ``ttl`` seconds per (chat, user)."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_moderator(self, bot: Bot, message: Message, *, look_up: bool = True) -> bool:
        """Whether the message's author moderates its chat; without ``look_up``, what the
        message (or the cache) says, False when that would take a request."""
        known = moderator_by_message(message)
        if known is not None:
            return known
        assert message.from_user is not None
        if not look_up:
            return self.cached(message.chat.id, message.from_user.id) or False
        return await self.is_admin(bot, message.chat.id, message.from_user.id)

    def cached(self, chat_id: int, user_id: int) -> bool | None:
        """The cached answer for (chat, user), None when there is none (or it expired)."""
        entry = self._entries.get((chat_id, user_id))
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Whether ``user_id`` is an administrator or the owner of ``chat_id`` (cached)."""
        key = (chat_id, user_id)
        now = self._clock()
        cached = self.cached(chat_id, user_id)
        if cached is not None:
            return cached
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("getChatMember failed for chat %s: %s", chat_id, exc)
            return False
        answer = member.status in MODERATOR_STATUSES
        if len(self._entries) >= MAX_ENTRIES:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
        self._entries[key] = (now + self.ttl, answer)
        return answer

    def forget(self, chat_id: int, user_id: int) -> None:
        """Drop one user's entry (their status in the chat changed)."""
        self._entries.pop((chat_id, user_id), None)

    def forget_chat(self, chat_id: int) -> None:
        """Drop what is cached about a chat (its administrators changed, or it migrated)."""
        self._entries = {k: v for k, v in self._entries.items() if k[0] != chat_id}
