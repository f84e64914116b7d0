"""Every message the bot posts to Telegram, replies and deliveries alike, and what Telegram says.

Text goes as HTML; a message with an image goes through ``sendPhoto`` with the text as its
caption, uploading a chart once and reusing the ``file_id`` Telegram returns (kept in the
database by content hash, so every process reuses it; concurrent sends of a new chart wait for
the first upload). Flood control (429) pauses the chat through the caller's ``Pacing``: a reply (given a ``deadline``) waits it out as
long as it can go before it; a delivery hands it back at once when nothing of it was posted
yet (the worker queues it again after the wait), and waits it out up to ``max_retries`` times
and ``max_wait`` seconds once some of its messages were posted; a group that became a supergroup (``ChatMigrated``) has its settings moved and the
message goes to the new id; a chat that blocked or removed the bot (``Forbidden``) or took its
right to post is disabled for deliveries. A photo Telegram refuses (a bad request that is not
about the bot's rights, or too large) is sent as text instead, with the message's
``image_note`` saying the chart is missing. A network failure says whether the request can have
reached Telegram: a refused connection cannot; a timeout after sending can, and Telegram has no
idempotency key. An answer the library cannot parse (not JSON, or not the object the method
returns) is a failed send like the others: it may have been posted. The result is one typed
outcome (``bot.sending.sender``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import httpx
from telegram import Bot, InputFile, LinkPreviewOptions, ReplyParameters
from telegram import Message as TgMessage
from telegram import error as tg
from telegram.constants import ParseMode

from bot.chat_registry import ChatRegistry, digest
from bot.metrics import FLOOD_ERRORS
from bot.sending import reasons
from bot.sending.sender import (
    Ambiguous,
    BadRequest,
    Blocked,
    NotSent,
    Outcome,
    Pacing,
    RetryAfter,
    Sent,
    Stopped,
    Target,
)
from commands.presentation.layout import Message
from commands.presentation.render import Format

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
_NOT_FOUND = ("chat not found",)
_BAD_FILE = ("wrong file identifier", "file reference", "wrong remote file")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# httpx failures that happen before a request is written: it cannot have been delivered.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_seconds(exc: tg.RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB returns int or timedelta by configuration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class WaitOut:
    """``Pacing`` for a reply: no platform slots, flood control slept off before the retry."""

    def __init__(self) -> None:
        self._wait = 0.0

    async def next_request(self) -> None:
        wait, self._wait = self._wait, 0.0
        if wait > 0:
            await asyncio.sleep(wait)

    def flood(self, seconds: float) -> None:
        self._wait = max(self._wait, seconds)


class TelegramSend:
    """Sends messages to chats, handling flood control, migrations, blocks and file ids."""

    def __init__(
        self,
        bot: Bot,
        registry: ChatRegistry,
        *,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_RETRY_WAIT,
    ) -> None:
        self.bot = bot
        self.registry = registry
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._file_ids: dict[str, str] = {}
        self._uploading: dict[str, asyncio.Lock] = {}

    async def send(
        self,
        chat_id: int | str,
        messages: Sequence[Message],
        *,
        reply_to: int | None = None,
        pacing: Pacing | None = None,
        deadline: float | None = None,
    ) -> Outcome:
        """Send ``messages`` in order (the first as a reply to ``reply_to``, if given); with a
        ``deadline`` (``time.monotonic()``), flood control is waited out until then."""
        pace = pacing or WaitOut()
        new = sorted({digest(m.image) for m in messages if m.image} - set(self._file_ids))
        # The first send of a chart uploads it; concurrent ones wait for its file id.
        async with contextlib.AsyncExitStack() as stack:
            for key in new:
                await stack.enter_async_context(self._uploading.setdefault(key, asyncio.Lock()))
            return await self._send_all(chat_id, messages, reply_to, pace, deadline)

    async def _send_all(
        self,
        chat_id: int | str,
        messages: Sequence[Message],
        reply_to: int | None,
        pace: Pacing,
        deadline: float | None,
    ) -> Outcome:
        posted: list[str] = []
        requests = 0
        target = chat_id
        migrated = ""
        for number, message in enumerate(messages):
            quote = reply_to if number == 0 else None
            attempts = 0
            while True:
                if requests:
                    try:
                        await pace.next_request()
                    except Stopped:
                        stopping = NotSent("carrybot is stopping", code=reasons.STOPPED)
                        return _with_posted(stopping, posted)
                requests += 1
                try:
                    sent = await self._send_one(target, message, quote)
                    break
                except tg.RetryAfter as exc:
                    wait = retry_seconds(exc)
                    attempts += 1
                    FLOOD_ERRORS.labels(PLATFORM).inc()
                    pace.flood(wait)
                    if deadline is not None:
                        give_up = time.monotonic() + wait >= deadline
                    else:  # a delivery: nothing posted yet, the worker queues it again
                        give_up = not posted or attempts > self.max_retries or wait > self.max_wait
                    if give_up and deadline is None and not posted:
                        log.info("flood control on chat %s: its delivery goes back to the "
                                 "queue for %ss", target, wait)  # fmt: skip
                        return RetryAfter(wait, "Telegram flood control")
                    if give_up:
                        log.warning("flood control on chat %s: giving up (retry after %ss)",
                                    target, wait)  # fmt: skip
                        return RetryAfter(wait, "Telegram flood control", tuple(posted))
                    log.info("flood control on chat %s: waiting %ss", target, wait)
                except tg.ChatMigrated as exc:
                    new_id = exc.new_chat_id
                    log.info("chat %s became supergroup %s", target, new_id)
                    await asyncio.to_thread(
                        self.registry.migrate, PLATFORM, str(target), str(new_id)
                    )
                    migrated = f"the group {chat_id} became the supergroup {new_id}; posted there"
                    target, quote = new_id, None
                except tg.TelegramError as exc:
                    if message.image is not None and _photo_refused(exc):
                        log.warning("Telegram refused the chart for chat %s (%s); sending the "
                                    "text without it", target, exc.message)  # fmt: skip
                        message = without_image(message)
                        continue
                    return _with_posted(await self._failure(target, exc), posted)
                except Exception as exc:  # an answer python-telegram-bot could not make sense of
                    log.error("Telegram's answer for chat %s could not be read: %r", target, exc)
                    reason = f"Telegram's answer could not be read ({type(exc).__name__})"
                    return _with_posted(Ambiguous(f"{reason}; it may have been posted"), posted)
            posted.append(str(sent.message_id))
        if migrated:
            return Sent(tuple(posted), code=reasons.MIGRATED, note=migrated)
        return Sent(tuple(posted))

    async def _failure(self, chat_id: int | str, exc: tg.TelegramError) -> Outcome:
        if isinstance(exc, tg.Forbidden):
            why = _reason(exc)
            await self._disable(chat_id, why)
            return Blocked(
                f"Telegram: {exc.message} (chat disabled)", code=reasons.disabled_code(why)
            )
        if isinstance(exc, tg.BadRequest):  # before NetworkError: PTB derives it from that
            text = exc.message.lower()
            if any(marker in text for marker in _NOT_FOUND):
                await self._disable(chat_id, reasons.CHAT_NOT_FOUND)
                return Blocked(
                    f"Telegram: {exc.message} (chat disabled)", code=reasons.CHAT_NOT_FOUND
                )
            if any(marker in text for marker in _NO_RIGHTS):
                await self._disable(chat_id, "no_rights")
                return Blocked(f"Telegram: {exc.message} (chat disabled)", code=reasons.NO_RIGHTS)
            log.error("Telegram refused a message to chat %s: %s", chat_id, exc)
            return BadRequest("Telegram refused the message (bad request)")
        log.error("sending to chat %s failed: %s", chat_id, exc)
        if isinstance(exc.__cause__, ValueError):  # "Invalid server response": not JSON
            return Ambiguous("Telegram's answer could not be read; it may have been posted")
        if not isinstance(exc, tg.NetworkError):
            return NotSent("Telegram answered with an error")
        if isinstance(exc.__cause__, _NOT_SENT):
            reason = f"no connection to Telegram ({type(exc.__cause__).__name__})"
            return NotSent(reason, unreachable=True, code=reasons.UNREACHABLE)
        return Ambiguous(f"Telegram did not answer ({type(exc).__name__}); it may have been posted")

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
            except tg.BadRequest as exc:
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


class TelegramSender:
    """The delivery worker's ``Sender`` for Telegram, on the adapter's ``TelegramSend`` (not
    idempotent: an ambiguous send is never repeated)."""

    platform = PLATFORM
    format: Format = "telegram_html"
    idempotent = False

    def __init__(self, send: TelegramSend) -> None:
        self._send = send

    async def send(self, target: Target, messages: Sequence[Message], pacing: Pacing) -> Outcome:
        chat = target.chat_id
        return await self._send.send(int(chat) if chat.lstrip("-").isdigit() else chat, messages,
                                     pacing=pacing)  # fmt: skip


def without_image(message: Message) -> Message:
    """The message as text alone, with its note that the image is missing."""
    text = "\n\n".join(part for part in (message.text, message.image_note) if part)
    return Message(text=text or message.image_note)


def _photo_refused(exc: tg.TelegramError) -> bool:
    """Telegram will not take this photo (but would take text): a bad request not about the
    bot's rights, or an upload too large."""
    text = exc.message.lower()
    if isinstance(exc, tg.BadRequest):
        return not any(marker in text for marker in _NO_RIGHTS)
    return isinstance(exc, tg.NetworkError) and "entity too large" in text


def _with_posted(outcome: Outcome, posted: list[str]) -> Outcome:
    if isinstance(outcome, Sent) or not posted:
        return outcome
    return replace(outcome, posted=tuple(posted))


def _reason(exc: tg.Forbidden) -> str:
    """The chat registry's reason for a 403 (``bot.sending.reasons.disabled_code`` reads it)."""
    text = exc.message.lower()
    if "blocked" in text:
        return "blocked"
    if "kicked" in text or "not a member" in text:
        return "removed"
    if "deactivated" in text:
        return "deactivated"
    if "can't initiate" in text:  # a user who never started the bot: like a block
        return "blocked"
    return "forbidden"
