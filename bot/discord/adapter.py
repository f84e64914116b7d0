"""The Discord adapter: an auto-sharded discord.py client that answers ``/carry``.

Thin by design: an interaction becomes a ``CommandContext`` (guild as chat, channel, user,
Manage Server as moderator, the user's locale), the command layer answers with a ``Reply``, the
renderer turns it into Discord messages (content or embeds within Discord's limits, the chart
attached as ``attachment://``), and this module posts them. Work runs in a thread; if it is not
done within ``defer_after`` seconds the interaction is deferred first (Discord drops an
interaction not acknowledged within three seconds) and the answer replaces the "thinking" state.

Configuration (environment):

- ``DISCORD_BOT_TOKEN``: the bot token; without it the adapter is not started. Never logged.
- ``DISCORD_API_BASE_URL``: REST base (``http://proxy:8080/api/v10``) for an HTTP proxy that
  shares rate limits across processes, or a local fake Discord in tests.
- ``DISCORD_DEV_GUILD_ID``: sync the command tree to this guild only (instant, for
  development); otherwise it is synced globally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.http import Route

from analytics.errors import CarrybotError
from bot.chat_registry import ChatRegistry
from bot.discord.carry_group import CarryGroup
from bot.discord.messages import Outgoing, pack
from bot.discord.permissions import bot_permissions, missing, notice
from bot.discord.send import DiscordSender
from commands.carry import dispatch
from commands.context import CommandContext
from commands.formatting import normalise_language
from commands.permissions import moderator_rule
from commands.render import Format, Message, render
from commands.reply import Reply
from commands.services import Services

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_BOT_TOKEN"
API_BASE_ENV = "DISCORD_API_BASE_URL"
DEV_GUILD_ENV = "DISCORD_DEV_GUILD_ID"
DEFER_AFTER = 1.5  # seconds of work before the interaction is deferred (Discord allows 3)
FORMAT: Format = "discord"


def use_api_base(url: str) -> str:
    """Send discord.py's REST calls (interaction callbacks included) to ``url``; returns the
    previous base.

    discord.py builds every request URL from the class attribute ``discord.http.Route.BASE``,
    so this is the one place it is set, before the client logs in. A URL without an
    ``/api/vN`` path gets discord.py's API version appended.
    """
    base = url.strip().rstrip("/")
    if not re.search(r"/api/v\d+$", base):
        base += f"/api/v{discord.http.INTERNAL_API_VERSION}"
    previous = Route.BASE
    Route.BASE = base
    return previous


class CarryClient(discord.AutoShardedClient):
    """The client: guilds intent only, no mentions ever pinged, the ``/carry`` tree."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("chunk_guilds_at_startup", False)
        super().__init__(**options)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(CarryGroup(adapter))
        self.tree.on_error = adapter.on_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        await self.adapter.sync_commands(self.tree)


class DiscordAdapter:
    """Start, answer and stop; ``start`` returns once logged in with the commands synced."""

    def __init__(
        self,
        token: str,
        services: Services,
        *,
        dev_guild_id: int | None = None,
        api_base: str | None = None,
        defer_after: float = DEFER_AFTER,
        client_options: Mapping[str, Any] | None = None,
        registry: ChatRegistry | None = None,
    ) -> None:
        self._token = token
        self.services = services
        self.registry = registry
        self.dev_guild_id = dev_guild_id
        self.api_base = api_base
        self.defer_after = defer_after
        self._client_options = dict(client_options or {})
        self.client: CarryClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._synced: asyncio.Event | None = None
        self._previous_base: str | None = None

    def __repr__(self) -> str:  # never show the token
        return f"DiscordAdapter(dev_guild_id={self.dev_guild_id}, api_base={self.api_base!r})"

    @classmethod
    def from_env(
        cls, services: Services, environ: Mapping[str, str] | None = None
    ) -> DiscordAdapter | None:
        """The adapter configured from the environment, or None when no token is set."""
        env = os.environ if environ is None else environ
        token = env.get(TOKEN_ENV, "").strip()
        if not token:
            return None
        guild = env.get(DEV_GUILD_ENV, "").strip()
        if guild and not guild.isdigit():
            raise CarrybotError(f"{DEV_GUILD_ENV} must be a guild id (digits), not {guild!r}")
        return cls(
            token,
            services,
            dev_guild_id=int(guild) if guild else None,
            api_base=env.get(API_BASE_ENV, "").strip() or None,
        )

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in and sync the commands, then keep the gateway connection running in a
        background task; raises ``CarrybotError`` for a rejected token, and whatever else
        stopped the login or the sync."""
        if self._task is not None:
            raise RuntimeError("the Discord adapter is already running")
        if self.api_base:
            self._previous_base = use_api_base(self.api_base)
        self._synced = asyncio.Event()
        self.client = CarryClient(self, **self._client_options)
        self._task = asyncio.create_task(self.client.start(self._token), name="discord")
        synced = asyncio.create_task(self._synced.wait())
        await asyncio.wait({self._task, synced}, return_when=asyncio.FIRST_COMPLETED)
        if not synced.done():
            synced.cancel()
            error = None if self._task.cancelled() else self._task.exception()
            await self.stop()
            if isinstance(error, discord.LoginFailure):
                raise CarrybotError(
                    f"Discord rejected {TOKEN_ENV}; check the bot token in the developer portal"
                ) from None
            raise error or RuntimeError("the Discord client stopped before it was ready")
        self._task.add_done_callback(self._stopped)
        log.info("discord: logged in as %s, commands synced; connecting", self.client.user)

    def _stopped(self, task: asyncio.Task[None]) -> None:
        if task is not self._task or task.cancelled():
            return  # stop() was called
        log.error("discord: the client stopped unexpectedly", exc_info=task.exception())

    async def wait_until_ready(self) -> None:
        """Wait until every shard has connected and received its guilds."""
        assert self.client is not None
        await self.client.wait_until_ready()

    async def stop(self) -> None:
        """Close the gateway connections and the HTTP session; safe to call twice."""
        client, task = self.client, self._task
        self.client, self._task = None, None
        if client is not None:
            await client.close()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        if self._previous_base is not None:
            Route.BASE = self._previous_base
            self._previous_base = None

    async def sync_commands(self, tree: app_commands.CommandTree[Any]) -> None:
        """Sync ``/carry`` to the development guild (instantly visible there) or globally."""
        if self.dev_guild_id is not None:
            guild = discord.Object(id=self.dev_guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("discord: %d command(s) synced to guild %s", len(synced), self.dev_guild_id)
        else:
            synced = await tree.sync()
            log.info("discord: %d command(s) synced globally", len(synced))
        assert self._synced is not None
        self._synced.set()

    def delivery_sender(self) -> DiscordSender:
        """The delivery service's sender: REST posts through this client's rate limits."""
        registry = self.registry or ChatRegistry(self.services.settings.engine)
        return DiscordSender(
            lambda: self.client.http if self.client is not None else None, registry
        )

    # --- answering ------------------------------------------------------------------------

    def context(self, interaction: discord.Interaction) -> CommandContext:
        """Who asks where: the guild is the chat; Manage Server (or Administrator) moderates."""
        permissions = interaction.permissions
        user = interaction.user
        return CommandContext(
            platform="discord",
            chat_id=str(interaction.guild_id or interaction.channel_id or user.id),
            channel_id=str(interaction.channel_id) if interaction.channel_id else None,
            user_id=str(user.id),
            user_name=user.display_name,
            is_moderator=permissions.manage_guild or permissions.administrator,
            locale=str(interaction.locale),
            chat_title=interaction.guild.name if interaction.guild else "",
        )

    async def answer(
        self, interaction: discord.Interaction, words: Sequence[str], *, check_channel: bool = False
    ) -> None:
        """Run ``/carry <words>`` and post the reply; with ``check_channel`` (subscribing)
        also say which permissions the bot lacks in this channel to post briefings.

        A deferral fixes the answer's visibility, so a reply meant to be ephemeral that comes
        after one (only an unexpected failure of slow work) is shown in the channel.
        """
        ctx = self.context(interaction)
        work = asyncio.ensure_future(asyncio.to_thread(self._reply, list(words), ctx))
        deferred = False
        try:
            reply, messages = await asyncio.wait_for(asyncio.shield(work), self.defer_after)
        except TimeoutError:
            await interaction.response.defer(thinking=True)
            deferred = True
            reply, messages = await work
        if check_channel and reply.ok:
            lacking = missing(bot_permissions(interaction))
            if lacking:
                channel = getattr(interaction.channel, "name", "") or ""
                messages = [*messages, notice(lacking, channel)]
        await self._send(interaction, pack(messages), reply.ephemeral, deferred)

    def _reply(self, words: list[str], ctx: CommandContext) -> tuple[Reply, list[Message]]:
        reply = dispatch(words, ctx, self.services)
        return reply, render(reply, FORMAT)

    async def _send(
        self,
        interaction: discord.Interaction,
        outgoing: list[Outgoing],
        ephemeral: bool,
        deferred: bool,
    ) -> None:
        first, rest = outgoing[0], outgoing[1:]
        if deferred:
            await interaction.edit_original_response(
                content=first.content, embeds=first.embeds, attachments=first.files
            )
        elif interaction.response.is_done():
            await interaction.followup.send(**first.kwargs(), ephemeral=ephemeral)
        else:
            await interaction.response.send_message(**first.kwargs(), ephemeral=ephemeral)
        for message in rest:
            await interaction.followup.send(**message.kwargs(), ephemeral=ephemeral)

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A failed check is a refusal in the chat's language; anything else is logged and
        answered with an apology."""
        ctx = self.context(interaction)
        if isinstance(error, app_commands.CheckFailure):
            name = interaction.command.name if interaction.command else ""
            code, params = "not_moderator", {"command": name, "rule": moderator_rule("discord")}
        else:
            log.error("discord: /carry failed in guild %s", ctx.chat_id, exc_info=error)
            code, params = "internal", {}
        messages = await asyncio.to_thread(self._error, ctx, code, params)
        try:
            await self._send(interaction, pack(messages), True, False)
        except discord.HTTPException:
            log.warning("discord: could not tell the user about a failed command", exc_info=True)

    def _error(self, ctx: CommandContext, code: str, params: dict[str, Any]) -> list[Message]:
        found = self.services.settings.find(ctx.key)
        locale = found.language if found is not None else normalise_language(ctx.locale) or "en"
        return render(Reply.error(code, locale, **params), FORMAT)
