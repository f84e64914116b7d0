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
  shares rate limits across processes, or a local fake Discord in tests; the gateway it names
  in ``/gateway/bot`` is then the one reconnects go to.
- ``DISCORD_DEV_GUILD_ID``: sync the command tree to this guild only (instant, for
  development); otherwise it is synced globally.
- ``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS``: run only these gateway shards in this
  process (``DISCORD_SHARD_IDS=0,1`` or ``0-3`` of ``DISCORD_SHARD_COUNT=8``), so several
  processes split the guilds; the process with shard 0 syncs the commands. Unset, discord.py
  asks Discord how many shards to run and runs them all.

The runtime starts it again when Discord cannot be reached (at start, or when the client gives
up); in between, discord.py reconnects the gateway itself, and its reconnect tracebacks become
the adapter's ``Connection`` warnings (at most one a minute).
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
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from analytics.errors import CarrybotError
from bot.chat_registry import ChatRegistry
from bot.connection import Connection, describe
from bot.discord.carry_group import CarryGroup
from bot.discord.localizations import CarryTranslator
from bot.discord.messages import Outgoing, pack
from bot.discord.permissions import bot_permissions, missing, notice
from bot.discord.send import DiscordSender
from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.languages import normalise_language
from commands.permissions import moderator_rule
from commands.presentation.render import Format, Message, render, warm_up
from commands.reply import Reply
from commands.services import Services

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_BOT_TOKEN"
API_BASE_ENV = "DISCORD_API_BASE_URL"
DEV_GUILD_ENV = "DISCORD_DEV_GUILD_ID"
SHARD_COUNT_ENV = "DISCORD_SHARD_COUNT"
SHARD_IDS_ENV = "DISCORD_SHARD_IDS"
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
        # No voice here: discord.py need not warn that its voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("chunk_guilds_at_startup", False)
        super().__init__(**options)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(CarryGroup(adapter))
        self.tree.on_error = adapter.on_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        if not self.adapter.receive:  # a sending-only process leaves the gateway alone
            return
        if self.adapter.api_base:
            await self.adapter.use_named_gateway(self.http)
        await asyncio.to_thread(warm_up, FORMAT)  # templates loaded before the first command
        await self.tree.set_translator(CarryTranslator())  # descriptions in ja and zh-CN too
        await self.adapter.sync_commands(self.tree)

    async def on_shard_connect(self, shard_id: int) -> None:
        self.adapter.shard_up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.adapter.shard_up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.adapter.shard_down(shard_id)


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
        receive: bool = True,
    ) -> None:
        self._token = token
        self.services = services
        self.registry = registry
        self.dev_guild_id = dev_guild_id
        self.api_base = api_base
        self.defer_after = defer_after
        self.receive = receive
        self._client_options = dict(client_options or {})
        self.connection = Connection("Discord")
        self.client: CarryClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._synced: asyncio.Event | None = None
        self._previous_base: str | None = None
        self._previous_gateway: yarl.URL | None = None
        self._lost: asyncio.Future[str] | None = None
        self._down_shards: set[int] = set()
        self._reconnects = _ReconnectNoise(self.connection)

    def __repr__(self) -> str:  # never show the token
        return f"DiscordAdapter(dev_guild_id={self.dev_guild_id}, api_base={self.api_base!r})"

    @classmethod
    def from_env(
        cls, services: Services, environ: Mapping[str, str] | None = None, *, receive: bool = True
    ) -> DiscordAdapter | None:
        """The adapter configured from the environment, or None when no token is set; without
        ``receive`` it only sends deliveries over REST (``carrybot worker``): no gateway."""
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
            client_options=shard_options(env),
            receive=receive,
        )

    @property
    def shard_ids(self) -> list[int] | None:
        """The gateway shards this process runs (None: every shard Discord recommends)."""
        ids = self._client_options.get("shard_ids")
        return None if ids is None else list(ids)

    def describe(self) -> str:
        """What this adapter does, for the start line."""
        if not self.receive:
            return "Discord (sending only)"
        ids, count = self.shard_ids, self._client_options.get("shard_count")
        if ids is None:
            return "Discord (all shards)" if count is None else f"Discord ({count} shards)"
        return f"Discord (shards {_ranges(ids)} of {count})"

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in and sync the commands, then keep the gateway connection running in a
        background task; raises ``CarrybotError`` for a rejected token, and whatever else
        stopped the login or the sync."""
        if self._task is not None:
            raise RuntimeError("the Discord adapter is already running")
        if self.api_base:
            self._previous_base = use_api_base(self.api_base)
        self._lost = asyncio.get_running_loop().create_future()
        if not self.receive:
            await self._login_only()
            return
        self._synced = asyncio.Event()
        self._reconnects.install()
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
        self.connection.up()
        log.info("discord: logged in as %s, commands synced; connecting", self.client.user)

    async def _login_only(self) -> None:
        """Log in over REST (``GET /users/@me``) for deliveries; no gateway."""
        self.client = CarryClient(self, **self._client_options)
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self.stop()
            raise CarrybotError(
                f"Discord rejected {TOKEN_ENV}; check the bot token in the developer portal"
            ) from None
        except BaseException:
            await self.stop()
            raise
        self.connection.up()
        log.info("discord: logged in as %s, sending deliveries over REST", self.client.user)

    def _stopped(self, task: asyncio.Task[None]) -> None:
        if task is not self._task or task.cancelled():
            return  # stop() was called
        error = task.exception()
        why = "the gateway connection ended" if error is None else describe(error)
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(why)

    async def lost(self) -> str:
        """Wait until the client stopped on its own (discord.py gave up reconnecting); returns
        why. The runtime then starts the adapter again."""
        assert self._lost is not None, "start() first"
        return await asyncio.shield(self._lost)

    def shard_up(self, shard_id: int) -> None:
        self._down_shards.discard(shard_id)
        if not self._down_shards:
            self.connection.up()

    def shard_down(self, shard_id: int) -> None:
        if self.client is None or self.client.is_closed():
            return  # stopping
        self._down_shards.add(shard_id)
        self.connection.down(f"the gateway connection of shard {shard_id} dropped")

    async def wait_until_ready(self) -> None:
        """Wait until every shard has connected and received its guilds."""
        assert self.client is not None
        await self.client.wait_until_ready()

    async def stop(self) -> None:
        """Close the gateway connections and the HTTP session; safe to call twice."""
        client, task = self.client, self._task
        self.client, self._task = None, None
        self._reconnects.remove()
        if client is not None:
            await client.close()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        if self._lost is not None and not self._lost.done():
            self._lost.cancel()
        if self._previous_base is not None:
            Route.BASE = self._previous_base
            self._previous_base = None
        if self._previous_gateway is not None:
            DiscordWebSocket.DEFAULT_GATEWAY = self._previous_gateway
            self._previous_gateway = None

    async def sync_commands(self, tree: app_commands.CommandTree[Any]) -> None:
        """Sync ``/carry`` to the development guild (instantly visible there) or globally;
        only in the process that runs shard 0 when the shards are split between processes."""
        if self.shard_ids is not None and 0 not in self.shard_ids:
            log.info("discord: commands are synced by the process that runs shard 0")
        elif self.dev_guild_id is not None:
            guild = discord.Object(id=self.dev_guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("discord: %d command(s) synced to guild %s", len(synced), self.dev_guild_id)
        else:
            synced = await tree.sync()
            log.info("discord: %d command(s) synced globally", len(synced))
        assert self._synced is not None
        self._synced.set()

    async def use_named_gateway(self, http: HTTPClient) -> None:
        """Behind ``DISCORD_API_BASE_URL``, reconnect to the gateway that base names in
        ``/gateway/bot`` (discord.py would otherwise reconnect to the public one, which a
        gateway proxy or a local test server stands in for)."""
        _, url, _ = await http.get_bot_gateway()
        if self._previous_gateway is None:
            self._previous_gateway = DiscordWebSocket.DEFAULT_GATEWAY
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

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
                messages = [*messages, notice(lacking, channel, reply.locale)]
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


def shard_options(env: Mapping[str, str]) -> dict[str, Any]:
    """``shard_count`` and ``shard_ids`` for the client from ``DISCORD_SHARD_COUNT`` and
    ``DISCORD_SHARD_IDS`` (``0,2`` or ``0-3``); raises ``CarrybotError`` naming the fix."""
    count_text = env.get(SHARD_COUNT_ENV, "").strip()
    ids_text = env.get(SHARD_IDS_ENV, "").strip()
    if not count_text and not ids_text:
        return {}
    if not count_text.isdigit() or int(count_text) < 1:
        raise CarrybotError(
            f"{SHARD_COUNT_ENV} must be the total number of shards (a whole number ≥ 1), "
            f"not {count_text!r}; {SHARD_IDS_ENV} needs it"
        )
    count = int(count_text)
    if not ids_text:
        return {"shard_count": count, "shard_ids": list(range(count))}
    ids: list[int] = []
    for part in ids_text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise CarrybotError(
                f"{SHARD_IDS_ENV} must list shard numbers like 0,1 or 0-3, not {ids_text!r}"
            )
        ids.extend(range(int(low), int(high) + 1) if dash else [int(low)])
    outside = sorted({i for i in ids if i >= count})
    if outside or not ids:
        raise CarrybotError(
            f"{SHARD_IDS_ENV}={ids_text} names shard(s) "
            f"{', '.join(map(str, outside)) or 'none'}: with {SHARD_COUNT_ENV}={count} "
            f"they are numbered 0 to {count - 1}"
        )
    return {"shard_count": count, "shard_ids": sorted(set(ids))}


def _ranges(ids: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` → ``0-2,5``."""
    parts: list[str] = []
    for shard in sorted(ids):
        if parts and shard == int(parts[-1].rsplit("-", 1)[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{shard}"
        else:
            parts.append(str(shard))
    return ",".join(parts)


class _ReconnectNoise(logging.Filter):
    """discord.py logs each gateway reconnect attempt with a traceback; these records become
    the adapter's ``Connection`` warnings (at most one a minute) instead."""

    LOGGERS = ("discord.shard", "discord.client", "discord.gateway")
    MARKERS = ("Attempting a reconnect", "Failed to connect for shard_id")

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if not message.startswith(self.MARKERS):
            return True
        error = record.exc_info[1] if record.exc_info else None
        self.connection.down(
            "the gateway connection failed" + (f" ({describe(error)})" if error is not None else "")
        )
        return False

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)
