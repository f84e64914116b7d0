"""Which chat adapters this process runs: one per platform whose token is set in the environment."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

from bot.sending.pacing import Pacer
from bot.sending.sender import OffersSender
from commands.services import Services

log = logging.getLogger(__name__)

TOKEN_VARIABLES = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")
SECRET_VARIABLES = (*TOKEN_VARIABLES, "TELEGRAM_WEBHOOK_SECRET", "TWELVEDATA_API_KEY")


class Adapter(Protocol):
    """What the runtime needs of a chat adapter."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ChatAdapter(Adapter, OffersSender, Protocol):
    """A platform adapter: started and stopped, and it hands the delivery service a sender."""


Background = Callable[[Sequence[Adapter], asyncio.Event], Coroutine[Any, Any, None]]


def missing_token_message(command: str = "run") -> str | None:
    """What to tell the user when no adapter token is set (None when one is)."""
    if any(os.environ.get(name, "").strip() for name in TOKEN_VARIABLES):
        return None
    return (
        "no chat platform configured: set TELEGRAM_BOT_TOKEN (from @BotFather) and/or "
        f"DISCORD_BOT_TOKEN (from the Discord developer portal), then run `carrybot {command}` "
        "again. "
        "Optional: TELEGRAM_API_BASE_URL for a self-hosted Bot API server "
        "(http://host:port/bot), CARRYBOT_DATABASE_URL for a shared database."
    )


def tokens() -> dict[str, str]:
    """Each platform's bot token from the environment (the send budget is kept per token)."""
    found = {
        "telegram": os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        "discord": os.environ.get("DISCORD_BOT_TOKEN", "").strip(),
    }
    return {platform: token for platform, token in found.items() if token}


def make_adapters(
    services: Services,
    *,
    telegram_webhook: str | None = None,
    webhook_listen: str = "127.0.0.1",
    webhook_port: int = 8080,
    pacer: Pacer | None = None,
    receive: bool = True,
) -> list[ChatAdapter]:
    """Every adapter whose token is set in the environment (sending only, without
    ``receive``), pacing through ``pacer``."""
    from bot.telegram.adapter import TelegramAdapter

    adapters: list[ChatAdapter] = []
    telegram = TelegramAdapter.from_env(
        services,
        webhook_url=telegram_webhook,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
        pacer=pacer,
        receive=receive,
    )
    if telegram is not None:
        adapters.append(telegram)
    discord = _discord_adapter(services, receive)
    if discord is not None:
        adapters.append(discord)
    return adapters


def _discord_adapter(services: Services, receive: bool = True) -> ChatAdapter | None:
    if not os.environ.get("DISCORD_BOT_TOKEN", "").strip():
        return None
    try:
        from bot.discord.adapter import DiscordAdapter
    except ImportError as exc:
        log.warning("DISCORD_BOT_TOKEN is set but the Discord adapter is unavailable: %s", exc)
        return None
    return DiscordAdapter.from_env(services, receive=receive)


def adapter_name(adapter: Adapter) -> str:
    describe = getattr(adapter, "describe", None)
    return str(describe()) if callable(describe) else type(adapter).__name__
