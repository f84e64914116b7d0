"""The real Discord adapter running against the fake Discord, for tests and the benchmark."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import Engine

from analytics.ingest.seed import open_seeded_store
from bot.discord.adapter import DEFER_AFTER, DiscordAdapter
from commands.dispatch import make_services
from commands.services import Services
from commands.settings.store import SettingsStore
from tests.support.fake_discord import FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.discord-bot-token-for-tests"


def warm_services(store_url: str) -> Services:
    """Services on the bundled seed with the snapshot computed once (as after a refresh)."""
    services = make_services(open_seeded_store(store_url))
    services.snapshots.current()
    return services


def with_settings(services: Services, engine: Engine) -> Services:
    """The same warm snapshot, chat settings in a database of their own."""
    return dataclasses.replace(services, settings=SettingsStore(engine))


@asynccontextmanager
async def running_bot(
    services: Services,
    *,
    dev_guild: bool = True,
    defer_after: float = DEFER_AFTER,
    prepare: Callable[[FakeDiscord], None] | None = None,
) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    """A fake Discord and the adapter connected to it, commands synced, guild received."""
    async with FakeDiscord(token=TOKEN, heartbeat_interval=0.2) as fake:
        if prepare is not None:
            prepare(fake)
        adapter = DiscordAdapter(
            TOKEN,
            services,
            dev_guild_id=int(fake.guild.id) if dev_guild else None,
            api_base=fake.api_base,
            defer_after=defer_after,
            client_options={"guild_ready_timeout": 0.05},
        )
        await asyncio.wait_for(adapter.start(), 10)
        try:
            await asyncio.wait_for(adapter.wait_until_ready(), 10)
            yield fake, adapter
        finally:
            await adapter.stop()
