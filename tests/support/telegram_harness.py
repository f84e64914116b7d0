"""The real Telegram adapter running against the fake Bot API, for tests and the benchmark."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager

from bot.telegram.adapter import TelegramAdapter
from commands.services import Services
from tests.support.fake_telegram import FakeBotAPI

TOKEN = "123456:AAE-carrybot_fake_token_0123456789abcdef"
BOT_USERNAME = "carrybot_test_bot"


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_bot(
    services: Services,
    *,
    webhook: bool = False,
    prepare: Callable[[FakeBotAPI], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[tuple[FakeBotAPI, TelegramAdapter]]:
    """A fake Bot API server and the adapter, configured through the environment as
    ``carrybot run`` is (``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL``), started."""
    async with FakeBotAPI(token=TOKEN, username=BOT_USERNAME) as api:
        if prepare is not None:
            prepare(api)
        variables = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}
        variables.update(env or {})
        port = free_port()
        with environment(variables):
            adapter = TelegramAdapter.from_env(
                services,
                webhook_url=f"http://127.0.0.1:{port}/telegram/hook" if webhook else None,
                webhook_port=port,
            )
        assert adapter is not None
        await asyncio.wait_for(adapter.start(), 10)
        try:
            yield api, adapter
        finally:
            await asyncio.wait_for(adapter.stop(), 10)
