"""Sending rendered messages to a Telegram chat, and what to do when Telegram says no.

Text goes as HTML; a message with an image goes through ``sendPhoto`` with the text as its
caption, uploading a chart once and reusing the ``file_id`` Telegram returns (kept in the
database by content hash, so every process reuses it). Flood control (429) is waited out for
the ``retry_after`` Telegram names; a group that became a supergroup (``ChatMigrated``) has its
settings moved and the message goes to the new id; a chat that blocked or removed the bot
(``Forbidden``) or took its right to post is disabled for deliveries instead of retried.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, InputFile, LinkPreviewOptions, ReplyParameters
from telegram import Message as TgMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.chat_registry import ChatRegistry, digest
from commands.layout import Message

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_RETRIES = 3
MAX_RETRY_WAIT = 120.0
# BadRequest descriptions that mean the bot can no longer post in the chat.
_NO_RIGHTS = (
    "not enough rights",
    "have no rights",
    "chat_write_forbidden",
    "chat not found",
    "need administrator rights",
)
_BAD_FILE = ("wrong file identifier", "file reference", "wrong remote file")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Delivered:
    """The outcome of one send: the messages Telegram accepted and where they went."""

    chat_id: int | str
    sent: list[TgMessage] = field(default_factory=list)
    ok: bool = True
    error: str = ""


class _Abandon(Exception):
    """Stop sending to this chat; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB returns int or timedelta by configuration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramDelivery:
    """Sends messages to chats, handling flood control, migrations, blocks and file ids."""

    def __init__(
        self,
        bot: Bot,
        registry: ChatRegistry,
        *,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_RETRY_WAIT,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.registry = registry
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._sleep = sleep
        self._file_ids: dict[str, str] = {}

    async def send(
        self, chat_id: int | str, messages: Sequence[Message], *, reply_to: int | None = None
    ) -> Delivered:
        """Send ``messages`` in order (the first as a reply to ``reply_to``, if given)."""
        result = Delivered(chat_id)
        for number, message in enumerate(messages):
            quote = reply_to if number == 0 else None
            try:
                sent = await self._with_retries(result, message, quote)
            except _Abandon as stop:
                result.ok, result.error = False, stop.reason
                return result
            result.sent.append(sent)
        return result

    async def _with_retries(
        self, result: Delivered, message: Message, reply_to: int | None
    ) -> TgMessage:
        attempts = 0
        while True:
            try:
                return await self._send_one(result.chat_id, message, reply_to)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                attempts += 1
                if attempts > self.max_retries or wait > self.max_wait:
                    log.warning(
                        "flood control on chat %s: giving up (retry after %ss)",
                        result.chat_id,
                        wait,
                    )
                    raise _Abandon("flood_control") from exc
                log.info("flood control on chat %s: waiting %ss", result.chat_id, wait)
                await self._sleep(wait)
            except ChatMigrated as exc:
                new_id = exc.new_chat_id
                log.info("chat %s became supergroup %s", result.chat_id, new_id)
                await asyncio.to_thread(
                    self.registry.migrate, PLATFORM, str(result.chat_id), str(new_id)
                )
                result.chat_id, reply_to = new_id, None
            except Forbidden as exc:
                await self._disable(result.chat_id, _reason(exc))
                raise _Abandon("forbidden") from exc
            except BadRequest as exc:
                text = exc.message.lower()
                if any(marker in text for marker in _NO_RIGHTS):
                    await self._disable(result.chat_id, "no_rights")
                    raise _Abandon("no_rights") from exc
                log.error("Telegram refused a message to chat %s: %s", result.chat_id, exc)
                raise _Abandon("bad_request") from exc
            except TelegramError as exc:
                log.error("sending to chat %s failed: %s", result.chat_id, exc)
                raise _Abandon("error") from exc

    async def _send_one(
        self, chat_id: int | str, message: Message, reply_to: int | None
    ) -> TgMessage:
        reply = (
            None
            if reply_to is None
            else ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        )
        if message.image is None:
            return await self.bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_parameters=reply,
            )
        return await self._send_photo(chat_id, message, reply)

    async def _send_photo(
        self, chat_id: int | str, message: Message, reply: ReplyParameters | None
    ) -> TgMessage:
        assert message.image is not None
        key = digest(message.image)
        file_id = self._file_ids.get(key) or await asyncio.to_thread(
            self.registry.file_id, PLATFORM, key
        )
        caption = message.text or None
        if file_id:
            try:
                return await self.bot.send_photo(
                    chat_id,
                    file_id,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                )
            except BadRequest as exc:
                if not any(marker in exc.message.lower() for marker in _BAD_FILE):
                    raise
                log.info("cached file id rejected (%s); uploading again", exc.message)
                self._file_ids.pop(key, None)
                await asyncio.to_thread(self.registry.forget_file, PLATFORM, key)
        upload = InputFile(message.image, filename=message.filename or "chart.png")
        sent = await self.bot.send_photo(
            chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_parameters=reply
        )
        if sent.photo:
            new_id = sent.photo[-1].file_id
            self._file_ids[key] = new_id
            await asyncio.to_thread(self.registry.remember_file, PLATFORM, key, new_id)
        return sent

    async def _disable(self, chat_id: int | str, reason: str) -> None:
        log.info("chat %s disabled for deliveries: %s", chat_id, reason)
        await asyncio.to_thread(self.registry.disable, PLATFORM, str(chat_id), reason)


def _reason(exc: Forbidden) -> str:
    text = exc.message.lower()
    if "blocked" in text:
        return "blocked"
    if "kicked" in text or "not a member" in text:
        return "removed"
    if "deactivated" in text:
        return "deactivated"
    return "forbidden"
