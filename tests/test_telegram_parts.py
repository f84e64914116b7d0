"""The Telegram adapter's parts on their own: chat registry (SQLite and PostgreSQL), moderator
rules and cache, per-chat ordering, log redaction, configuration."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest
from sqlalchemy import Engine
from telegram import Bot, Message, Update

from bot.chat_registry import ChatRegistry, digest
from bot.redact import MASK, protect
from bot.telegram.adapter import TelegramConfig
from bot.telegram.moderators import ModeratorCache, moderator_by_message
from bot.telegram.order import PerChatUpdateProcessor
from bot.telegram.webhook import derived_secret, webhook_path
from commands.settings.model import Actor, ChatKey
from commands.settings.store import SettingsStore
from tests.support import telegram_updates as tu

BOT = Bot("123:TEST")
ADMIN = Actor("1", "Admin")


def message(update: dict[str, Any]) -> Message:
    parsed = Update.de_json({"update_id": 1, **update}, BOT)
    assert parsed is not None and parsed.effective_message is not None
    return parsed.effective_message


# --- chat registry ----------------------------------------------------------------------------


def test_membership_changes_disable_and_enable_a_chat(engine: Engine) -> None:
    chats = ChatRegistry(engine)
    assert chats.get("telegram", "-1001") is None and not chats.is_disabled("telegram", "-1001")
    chats.set_membership("telegram", "-1001", "member", chat_type="supergroup", title="Desk")
    assert not chats.is_disabled("telegram", "-1001")
    state = chats.set_membership("telegram", "-1001", "kicked", chat_type="supergroup")
    assert (state.disabled, state.disabled_reason, state.title) == (True, "removed", "Desk")
    state = chats.set_membership("telegram", "42", "kicked", chat_type="private")
    assert state.disabled_reason == "blocked"
    state = chats.set_membership("telegram", "-1009", "administrator", can_post=False)
    assert (state.disabled, state.disabled_reason) == (True, "no_rights")
    chats.set_membership("telegram", "-1001", "member")
    assert not chats.is_disabled("telegram", "-1001")
    chats.disable("telegram", "7", "blocked")
    assert [s.chat_id for s in chats.disabled_chats("telegram")] == sorted(["-1009", "42", "7"])
    chats.enable("telegram", "7")
    assert not chats.is_disabled("telegram", "7")


def test_migration_moves_settings_and_history_once(engine: Engine) -> None:
    settings, chats = SettingsStore(engine), ChatRegistry(engine)
    old, new = ChatKey("telegram", "-400"), ChatKey("telegram", "-100400")
    settings.update(old, {"pressure_threshold": 30, "language": "ja"}, ADMIN)
    chats.set_membership("telegram", "-400", "member", chat_type="group", title="Old")
    chats.migrate("telegram", "-400", "-100400")
    chats.migrate("telegram", "-400", "-100400")  # announced twice: idempotent
    assert settings.find(old) is None
    moved = settings.get(new)
    assert (moved.pressure_threshold, moved.language) == (30, "ja")
    last = settings.last_change(new)
    assert last is not None and last.user_name == "Admin"
    assert chats.resolve("telegram", "-400") == "-100400"
    assert chats.is_disabled("telegram", "-400") and not chats.is_disabled("telegram", "-100400")
    state = chats.get("telegram", "-100400")
    assert state is not None and (state.chat_type, state.title) == ("supergroup", "Old")


def test_migration_keeps_settings_the_new_chat_already_has(engine: Engine) -> None:
    settings, chats = SettingsStore(engine), ChatRegistry(engine)
    settings.update(ChatKey("telegram", "-401"), {"fuel_threshold": 10}, ADMIN)
    settings.update(ChatKey("telegram", "-100401"), {"fuel_threshold": 90}, ADMIN)
    chats.migrate("telegram", "-401", "-100401")
    assert settings.get(ChatKey("telegram", "-100401")).fuel_threshold == 90
    assert settings.find(ChatKey("telegram", "-401")) is None


def test_uploaded_file_ids_are_remembered_by_content(engine: Engine) -> None:
    chats = ChatRegistry(engine)
    key = digest(b"\x89PNG chart")
    assert chats.file_id("telegram", key) is None
    chats.remember_file("telegram", key, "AgAC-first")
    chats.remember_file("telegram", key, "AgAC-second")  # another process raced: first wins
    assert chats.file_id("telegram", key) == "AgAC-first"
    assert chats.file_id("discord", key) is None
    chats.forget_file("telegram", key)
    assert chats.file_id("telegram", key) is None


# --- moderators -------------------------------------------------------------------------------


def test_moderator_rules_that_need_no_lookup() -> None:
    group, member = tu.group(), tu.user()
    assert moderator_by_message(message(tu.private_command("/carry", member))) is True
    assert moderator_by_message(message(tu.channel_post("/carry"))) is True
    assert moderator_by_message(message(tu.anonymous_admin_command("/carry", group))) is True
    assert moderator_by_message(message(tu.group_command("/carry", group, member))) is None
    # a user posting as a (different) channel is not the group's anonymous admin
    as_channel = tu.message(group, "/carry", tu.ANONYMOUS_ADMIN_BOT, sender_chat=tu.channel())
    assert moderator_by_message(message(as_channel)) is False


class CountingBot:
    def __init__(self, statuses: dict[int, str]) -> None:
        self.statuses = statuses
        self.asked = 0

    async def get_chat_member(self, chat_id: int, user_id: int) -> Any:
        self.asked += 1
        return type("Member", (), {"status": self.statuses[user_id]})()


def test_moderator_lookups_are_cached_briefly() -> None:
    now = [0.0]
    cache = ModeratorCache(ttl=60, clock=lambda: now[0])
    bot: Any = CountingBot({1: "administrator", 2: "member", 3: "creator"})

    async def main() -> None:
        assert await cache.is_admin(bot, -100, 1) is True
        assert await cache.is_admin(bot, -100, 2) is False
        assert await cache.is_admin(bot, -100, 3) is True
        assert await cache.is_admin(bot, -100, 1) is True
        assert bot.asked == 3
        now[0] = 61.0
        assert await cache.is_admin(bot, -100, 1) is True
        assert bot.asked == 4
        cache.forget_chat(-100)
        assert await cache.is_admin(bot, -100, 1) is True
        assert bot.asked == 5

    asyncio.run(main())


# --- per-chat order ---------------------------------------------------------------------------


def test_updates_of_one_chat_run_in_order_and_chats_run_concurrently() -> None:
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []

    def update(chat_id: int, text: str) -> Update:
        parsed = Update.de_json({"update_id": 1, **tu.group_command(text, tu.group(chat_id))}, BOT)
        assert parsed is not None
        return parsed

    async def handle(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    async def main() -> None:
        await asyncio.gather(
            processor.process_update(update(-1, "/carry a"), handle("a1", 0.05)),
            processor.process_update(update(-1, "/carry b"), handle("a2", 0.0)),
            processor.process_update(update(-2, "/carry c"), handle("b1", 0.0)),
        )

    asyncio.run(main())
    assert log.index("end a1") < log.index("start a2"), "same chat: strictly in order"
    assert log.index("end b1") < log.index("end a1"), "another chat did not wait"


# --- secrets and configuration ----------------------------------------------------------------


def test_tokens_are_redacted_from_logs() -> None:
    token = "123456:AAE-secret-token"
    logger = logging.getLogger("test.redact")
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    try:
        protect([token])
        logger.warning("POST https://api.telegram.org/bot%s/getMe failed", token)
        try:
            raise RuntimeError(f"The token `{token}` was rejected by the server.")
        except RuntimeError:
            logger.exception("start-up failed")
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert token not in output
    assert output.count(MASK) == 2


@pytest.mark.parametrize(
    ("base", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://tg-api.internal:8081/bot/", "http://tg-api.internal:8081/file/bot"),
    ],
)
def test_file_url_follows_the_api_base_url(base: str, files: str) -> None:
    assert TelegramConfig("1:x", base).base_file_url == files


def test_webhook_secret_and_path() -> None:
    secret = derived_secret("123:TEST")
    assert secret == derived_secret("123:TEST") != derived_secret("124:TEST")
    assert len(secret) == 64 and secret.isalnum()
    assert webhook_path("https://bot.example.com/telegram/hook") == "/telegram/hook"
    assert webhook_path("https://bot.example.com") == "/"
