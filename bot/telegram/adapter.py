"""Telegram adapter on python-telegram-bot v22: updates in, ``/carry`` through the command layer,
HTML out.

Thin by design: a handler builds a ``CommandContext`` from the update (moderator from
``bot.telegram.moderators``), runs ``commands.dispatch.dispatch`` and the renderer in a worker
thread (they read the database and may draw a chart), and hands the messages to
``bot.telegram.send``, the one send path, which the delivery service gets too
(``delivery_sender``). Replies take their slots from the process's send budget
(``bot.sending.pacing``, shared by every process on PostgreSQL) ahead of briefings, within the
chat's window, and wait out flood control for up to ``REPLY_MAX_AGE`` seconds. Membership
changes and group-to-supergroup migrations are recorded in ``bot.chat_registry``. Long polling
by default; webhook mode behind ``bot.telegram.webhook``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, ChatMemberRestricted, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.chat_registry import ACTIVE_STATUSES, ChatRegistry
from bot.connection import Connection, describe
from bot.metrics import REPLIES_LOST, SEND_SECONDS
from bot.redact import quiet_url_loggers
from bot.sending.pacing import Pacer
from bot.sending.sender import Sent, Stopped
from bot.telegram.moderators import ModeratorCache
from bot.telegram.order import PerChatUpdateProcessor
from bot.telegram.send import PLATFORM, TelegramSend, TelegramSender
from bot.telegram.webhook import WebhookServer, derived_secret, webhook_path
from commands import languages
from commands.context import CommandContext
from commands.dispatch import dispatch, needs_moderator
from commands.presentation.catalogues import N_, translations
from commands.presentation.layout import Message as OutMessage
from commands.presentation.render import render, warm_up
from commands.services import Services

log = logging.getLogger(__name__)

PUBLIC_API = "https://api.telegram.org/bot"
COMMAND = "carry"
ALLOWED_UPDATES = ("message", "channel_post", "my_chat_member", "chat_member")
CONCURRENT_UPDATES = 64  # handlers running at once (one per chat at a time)
REPLY_MAX_AGE = 60.0  # seconds a reply keeps waiting out flood control, then it is reported
# The command menu's description (setMyCommands), published in every language of
# commands.languages from the catalogues; the source language's is the default menu.
MENU = N_("Yen carry trade: rate gaps, unwind signal, charts, settings")


def menus() -> list[tuple[str | None, str]]:
    """(language_code, description) of the command menu in each language: the code of its row
    in ``commands.languages`` (None: the default menu), the text from its catalogue."""
    return [
        (row.telegram_code, translations(row.code).gettext(MENU)) for row in languages.LANGUAGES
    ]


@dataclass(frozen=True)
class TelegramConfig:
    """Deployment settings of the Telegram adapter (the token is never logged)."""

    token: str = field(repr=False)
    base_url: str = PUBLIC_API
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret: str = field(default="", repr=False)
    poll_timeout: float = 10.0

    @classmethod
    def from_env(
        cls,
        *,
        webhook_url: str | None = None,
        webhook_listen: str = "127.0.0.1",
        webhook_port: int = 8080,
    ) -> TelegramConfig | None:
        """From ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL`` and
        ``TELEGRAM_WEBHOOK_SECRET``; None when no token is set."""
        token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        base = os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or PUBLIC_API
        secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or derived_secret(token)
        return cls(token, base, webhook_url, webhook_listen, webhook_port, secret)

    @property
    def base_file_url(self) -> str:
        """``http://host:port/bot`` → ``http://host:port/file/bot`` (how Bot API servers lay
        out file downloads)."""
        head, sep, tail = self.base_url.rstrip("/").rpartition("/")
        return f"{head}/file/{tail}" if sep else self.base_url


class TelegramAdapter:
    """One bot token served by one ``Application``; ``start`` and ``stop`` from the runtime."""

    def __init__(
        self,
        services: Services,
        config: TelegramConfig,
        registry: ChatRegistry,
        pacer: Pacer | None = None,
        *,
        receive: bool = True,
    ) -> None:
        self.services = services
        self.config = config
        self.registry = registry
        self.pacer = pacer or Pacer()
        self.receive = receive
        self.connection = Connection("Telegram")
        self.moderators = ModeratorCache()
        self.application = self._build()
        self.outgoing = TelegramSend(self.application.bot, registry)
        self.replies_lost = 0  # replies flood control (or an error) kept from the chat
        self._webhook: WebhookServer | None = None

    @classmethod
    def from_env(
        cls,
        services: Services,
        *,
        webhook_url: str | None = None,
        webhook_listen: str = "127.0.0.1",
        webhook_port: int = 8080,
        pacer: Pacer | None = None,
        receive: bool = True,
    ) -> TelegramAdapter | None:
        """The adapter configured from the environment, or None without ``TELEGRAM_BOT_TOKEN``;
        ``pacer`` is the process's send budget, shared with its delivery worker. Without
        ``receive`` it only sends (``carrybot worker``): no polling, webhook or command menu."""
        config = TelegramConfig.from_env(
            webhook_url=webhook_url, webhook_listen=webhook_listen, webhook_port=webhook_port
        )
        if config is None:
            return None
        registry = ChatRegistry(services.settings.engine)
        return cls(services, config, registry, pacer, receive=receive)

    def describe(self) -> str:
        """What this adapter does, for the start line."""
        if not self.receive:
            return "Telegram (sending only)"
        return "Telegram (webhook)" if self.config.webhook_url else "Telegram (long polling)"

    # -- lifecycle ---------------------------------------------------------------------------

    def _build(self) -> Application:
        builder = (
            Application.builder()
            .token(self.config.token)
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_file_url)
            .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
            .request(WatchedRequest(self.connection, connection_pool_size=256))
            .get_updates_request(WatchedRequest(self.connection, connection_pool_size=1))
        )
        if self.config.webhook_url:
            builder = builder.updater(None)
        app = builder.build()
        # New messages and channel posts; not edits, forwards, or a channel post that Telegram
        # copies into the channel's discussion group (it would be answered twice).
        carry_filter = (
            (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST)
            & ~filters.FORWARDED
            & ~filters.IS_AUTOMATIC_FORWARD
        )
        app.add_handler(CommandHandler(COMMAND, self._on_carry, filters=carry_filter))
        app.add_handler(
            ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        app.add_handler(ChatMemberHandler(self._on_chat_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_error_handler(self._on_error)
        return app

    @property
    def webhook_port(self) -> int | None:
        """The port the webhook listens on (after ``start``), if in webhook mode."""
        return self._webhook.port if self._webhook else None

    async def start(self) -> None:
        """Log in (``getMe``), publish the command menu and start receiving updates. Raises
        when the Bot API cannot be reached (the runtime tries again) or rejects the token."""
        quiet_url_loggers()
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise
        self.connection.up()

    async def _start(self) -> None:
        app = self.application
        if not self.receive:
            await app.bot.initialize()
            log.info("Telegram: @%s sending deliveries (no updates received here)",
                     app.bot.username)  # fmt: skip
            return
        await app.initialize()
        await asyncio.to_thread(warm_up, "telegram_html")  # before the first update
        await self._publish_menu()
        await app.start()
        if self.config.webhook_url:
            self._webhook = WebhookServer(
                app,
                secret=self.config.webhook_secret,
                listen=self.config.webhook_listen,
                port=self.config.webhook_port,
                path=webhook_path(self.config.webhook_url),
            )
            await self._webhook.start()
            await app.bot.set_webhook(
                self.config.webhook_url,
                secret_token=self.config.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
            log.info("Telegram: @%s receiving updates by webhook", app.bot.username)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=int(self.config.poll_timeout),
                allowed_updates=list(ALLOWED_UPDATES),
                error_callback=self._on_polling_error,
            )
            log.info("Telegram: @%s receiving updates by long polling", app.bot.username)

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, close connections."""
        app = self.application
        if not self.receive:
            await app.bot.shutdown()
            return
        if app.updater is not None and app.updater.running:
            with _LastConfirmation.quieted():
                await app.updater.stop()
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if app.running:
            await app.stop()
        await app.shutdown()

    async def _publish_menu(self) -> None:
        for language_code, description in menus():
            commands = [BotCommand(COMMAND, description)]
            try:
                await self.application.bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as exc:  # the menu is a nicety; never fail start-up over it
                log.warning("setMyCommands (%s) failed: %s", language_code or "default", exc)

    # -- handlers ----------------------------------------------------------------------------

    async def _on_carry(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        received = time.monotonic()
        message = update.effective_message
        if message is None or message.text is None:
            return
        ctx = CommandContext(
            platform=PLATFORM,
            chat_id=str(message.chat.id),
            user_id=str(_author_id(message)),
            user_name=_author_name(message),
            is_moderator=await self.moderators.is_moderator(
                context.bot, message, look_up=needs_moderator(message.text)
            ),
            locale=message.from_user.language_code if message.from_user else None,
            chat_title=message.chat.title or message.chat.full_name or "",
        )
        messages = await asyncio.to_thread(self._answer, message.text, ctx)
        private = message.chat.type == ChatType.PRIVATE
        # Through the token's send budget, ahead of briefings; flood control is waited out
        # while the command is younger than REPLY_MAX_AGE.
        pacing = self.pacer.reply_pacing(PLATFORM, str(message.chat.id))
        try:
            await pacing.next_request()
        except Stopped:  # carrybot is stopping: no request starts after the signal
            self.replies_lost += 1
            REPLIES_LOST.labels(PLATFORM).inc()
            log.info("Telegram: the reply to chat %s was not posted: carrybot is stopping",
                     message.chat.id)  # fmt: skip
            return
        outcome = await self.outgoing.send(
            message.chat.id,
            messages,
            reply_to=None if private else message.message_id,
            pacing=pacing,
            deadline=received + REPLY_MAX_AGE,
        )
        SEND_SECONDS.labels(PLATFORM, "reply").observe(time.monotonic() - received)
        if not isinstance(outcome, Sent):
            self.replies_lost += 1
            REPLIES_LOST.labels(PLATFORM).inc()
            log.warning("Telegram: the reply to chat %s was not posted: %s",
                        message.chat.id, outcome.reason)  # fmt: skip

    def _answer(self, text: str, ctx: CommandContext) -> list[OutMessage]:
        reply = dispatch(text, ctx, self.services)
        return render(reply, "telegram_html")

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        status = change.new_chat_member.status
        await asyncio.to_thread(
            self.registry.set_membership,
            PLATFORM,
            str(chat.id),
            status,
            can_post=_can_post(change),
            chat_type=chat.type,
            title=chat.title or chat.full_name or "",
        )
        self.moderators.forget_chat(chat.id)
        log.info("Telegram: bot is now %s in %s chat %s", status, chat.type, chat.id)

    async def _on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A member's status changed (promoted, demoted, left): their rights are asked anew."""
        change = update.chat_member
        if change is not None:
            self.moderators.forget(change.chat.id, change.new_chat_member.user.id)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await asyncio.to_thread(self.registry.migrate, PLATFORM, str(old), str(new))
        self.moderators.forget_chat(old)
        log.info("Telegram: group %s became supergroup %s; settings moved", old, new)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    def _on_polling_error(self, error: TelegramError) -> None:
        # The request itself told the connection (WatchedRequest); the library retries.
        log.debug("Telegram polling: %s", error)

    # -- deliveries --------------------------------------------------------------------------

    def delivery_sender(self) -> TelegramSender:
        """The delivery service's sender: briefings and alerts go the way replies go."""
        return TelegramSender(self.outgoing)


class _LastConfirmation(logging.Filter):
    """Stopping, python-telegram-bot confirms the updates it fetched with one more
    ``getUpdates``; in an outage that fails with a traceback at ERROR. It becomes one WARNING
    line saying what it means."""

    LOGGER = "telegram.ext.Updater"
    MARKER = "Error while calling `get_updates` one more time"

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.MARKER):
            return True
        error = record.exc_info[1] if record.exc_info else None
        record.msg = (
            "Telegram: the last updates could not be confirmed on the way out (%s); "
            "Telegram may send them again at the next start"
        )
        record.args = (describe(error) if error is not None else "no answer",)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

    @classmethod
    @contextlib.contextmanager
    def quieted(cls) -> Iterator[None]:
        logger, quiet = logging.getLogger(cls.LOGGER), cls()
        logger.addFilter(quiet)
        try:
            yield
        finally:
            logger.removeFilter(quiet)


class WatchedRequest(HTTPXRequest):
    """python-telegram-bot's HTTP requests, telling the adapter's ``Connection`` whether the
    Bot API answers (a request that fails on the way, a server error or a polling conflict
    count as down; any other answer as up)."""

    def __init__(self, connection: Connection, **options: Any) -> None:
        super().__init__(**options)
        self._connection = connection

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except TelegramError as exc:
            self._connection.down(f"cannot reach the Bot API ({describe(exc)})")
            raise
        if code >= 500:
            self._connection.down(f"the Bot API answers HTTP {code}")
        elif code == 409:
            self._connection.down(
                "Conflict: another process polls with this token, or a webhook is set "
                "(run one poller, or --telegram-webhook on every process)"
            )
        else:
            self._connection.up()
        return code, payload


def _author_id(message: Message) -> int:
    """The user, or for anonymous admins and channel posts the chat they speak as."""
    if message.sender_chat is not None:
        return message.sender_chat.id
    return message.from_user.id if message.from_user else message.chat.id


def _author_name(message: Message) -> str:
    if message.sender_chat is not None:
        return message.author_signature or message.sender_chat.title or ""
    if message.from_user is not None:
        return message.from_user.full_name
    return ""


def _can_post(change: ChatMemberUpdated) -> bool:
    """Whether the bot may post with its new membership."""
    member: Any = change.new_chat_member
    status = member.status
    if change.chat.type == ChatType.CHANNEL:
        return status == ChatMemberStatus.OWNER or (
            status == ChatMemberStatus.ADMINISTRATOR and bool(member.can_post_messages)
        )
    if isinstance(member, ChatMemberRestricted):
        return bool(member.is_member and member.can_send_messages)
    return status in ACTIVE_STATUSES
