"""The delivery worker's Telegram sender, on the adapter's ``TelegramDelivery``.

``TelegramDelivery`` already knows Telegram's answers (flood control, migrated groups, blocked
bots, lost rights, photo ``file_id`` reuse); this module only paces its requests and turns its
outcome into the worker's typed errors. It wraps the ``Bot`` it sends through, so every request
after a delivery's first waits for the platform slot, a 429 pauses every send of this process
at once, and a network failure says whether the request can have reached Telegram (a refused
connection cannot; a timeout after sending can, and Telegram has no idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot
from telegram.error import NetworkError, RetryAfter

from bot.chat_registry import ChatRegistry, digest
from bot.delivery_worker import (
    Blocked,
    Pace,
    PartlySent,
    Rejected,
    RetryLater,
    Target,
    Transient,
    Uncertain,
)
from bot.telegram_delivery import MAX_RETRIES, MAX_RETRY_WAIT, TelegramDelivery, retry_seconds
from commands.layout import Message
from commands.render import Format

# httpx failures that happen before a request is written: it cannot have been delivered.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class _Attempt:
    """One delivery's requests as the paced bot saw them."""

    pace: Pace
    requests: int = 0
    retry_after: float = 0.0
    network: Exception | None = None


_CURRENT: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "carrybot_telegram_attempt", default=None
)


class PacedBot:
    """A ``Bot`` stand-in for ``TelegramDelivery``: paced sends, flood control reported."""

    def __init__(self, bot: Bot, on_flood: Callable[[float], None]) -> None:
        self._bot = bot
        self._on_flood = on_flood

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._bot.send_message, args, kwargs)

    async def send_photo(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._bot.send_photo, args, kwargs)

    async def _call(self, fn: Callable[..., Awaitable[Any]], args: Any, kwargs: Any) -> Any:
        attempt = _CURRENT.get()
        if attempt is not None:
            if attempt.requests:
                await attempt.pace()
            attempt.requests += 1
        try:
            return await fn(*args, **kwargs)
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self._on_flood(seconds)
            if attempt is not None:
                attempt.retry_after = seconds
            raise
        except NetworkError as exc:  # includes TimedOut
            if attempt is not None:
                attempt.network = exc
            raise


async def _no_wait(_seconds: float) -> None:
    """``TelegramDelivery`` waits out flood control here; the pacer already does it."""


class TelegramSender:
    """``Sender`` for Telegram (not idempotent: an uncertain send is never repeated)."""

    platform = "telegram"
    format: Format = "telegram_html"
    idempotent = False

    def __init__(self, delivery: TelegramDelivery) -> None:
        self.delivery = delivery
        self._uploaded: set[str] = set()
        self._uploading: dict[str, asyncio.Lock] = {}

    @classmethod
    def create(
        cls,
        bot: Bot,
        registry: ChatRegistry,
        on_flood: Callable[[float], None],
        *,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_RETRY_WAIT,
    ) -> TelegramSender:
        """A sender on ``bot`` (e.g. ``TelegramAdapter.application.bot``); ``on_flood`` pauses
        the platform (``lambda s: pacer.pause("telegram", s)``)."""
        paced: Any = PacedBot(bot, on_flood)
        delivery = TelegramDelivery(
            paced, registry, max_retries=max_retries, max_wait=max_wait, sleep=_no_wait
        )
        return cls(delivery)

    async def send(self, target: Target, messages: Sequence[Message], pace: Pace) -> list[str]:
        new = sorted({digest(m.image) for m in messages if m.image} - self._uploaded)
        if not new:
            return await self._send(target, messages, pace)
        # The first delivery of a chart uploads it; the others wait for its file id.
        async with contextlib.AsyncExitStack() as stack:
            for key in new:
                await stack.enter_async_context(self._uploading.setdefault(key, asyncio.Lock()))
            ids = await self._send(target, messages, pace)
            self._uploaded.update(new)
            return ids

    async def _send(self, target: Target, messages: Sequence[Message], pace: Pace) -> list[str]:
        attempt = _Attempt(pace)
        token = _CURRENT.set(attempt)
        try:
            chat: int | str = int(target.chat_id) if _numeric(target.chat_id) else target.chat_id
            result = await self.delivery.send(chat, messages)
        finally:
            _CURRENT.reset(token)
        ids = [str(message.message_id) for message in result.sent]
        if result.ok:
            return ids
        if ids:
            raise PartlySent(
                f"{len(ids)} of {len(messages)} messages posted, then: {result.error}", ids
            )
        if result.error in ("forbidden", "no_rights"):
            raise Blocked(f"Telegram: {result.error} (chat disabled)")
        if result.error == "flood_control":
            raise RetryLater(attempt.retry_after or MAX_RETRY_WAIT, "Telegram flood control")
        if result.error == "bad_request":
            raise Rejected("Telegram refused the message (bad request)")
        exc = attempt.network
        if exc is None:
            raise Transient("Telegram answered with an error")
        if isinstance(exc.__cause__, _NOT_SENT):
            raise Transient(f"no connection to Telegram ({type(exc.__cause__).__name__})")
        raise Uncertain(f"Telegram did not answer ({type(exc).__name__}); it may have been posted")


def _numeric(text: str) -> bool:
    return text.lstrip("-").isdigit()
