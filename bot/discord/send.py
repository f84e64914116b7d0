"""The delivery worker's Discord sender: REST ``POST /channels/{id}/messages`` with a nonce.

It posts through discord.py's ``HTTPClient`` (the running adapter's, so its per-route buckets
and global lock are shared with command replies), packs rendered messages the way the adapter
does (``bot.discord.messages.pack``) and gives each message the delivery's nonce plus its index
with ``enforce_nonce``: Discord answers a repeat within a few minutes with the message it
already created, so an uncertain send is simply sent again. A channel that answers 403 (no rights) or 404
(unknown channel) is disabled in the chat registry (Discord bans bots that keep making invalid requests).
Charts are attached each time: Discord has no reusable upload id (attachment URLs expire).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from bot.chat_registry import ChatRegistry
from bot.delivery.queue import NONCE_LENGTH
from bot.discord.messages import pack
from bot.metrics import FLOOD_ERRORS
from bot.sending import reasons
from bot.sending.pacing import CHAT, GLOBAL
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


class DiscordSender:
    """``Sender`` for Discord channels (idempotent through the nonce)."""

    platform = "discord"
    format: Format = "discord"
    idempotent = True

    def __init__(
        self,
        http: HTTPClient | Callable[[], HTTPClient | None],
        registry: ChatRegistry | None = None,
    ) -> None:
        self._http = http if callable(http) else (lambda: http)
        self.registry = registry

    async def send(self, target: Target, messages: Sequence[Message], pacing: Pacing) -> Outcome:
        http = self._http()
        if http is None:
            return NotSent("the Discord client is not connected yet", unreachable=True)
        ids: list[str] = []
        for index, outgoing in enumerate(pack(messages)):
            if index:
                try:
                    await pacing.next_request()
                except Stopped:
                    stopping = NotSent("carrybot is stopping", tuple(ids), code=reasons.STOPPED)
                    return stopping
            nonce = f"{target.nonce[:NONCE_LENGTH]}{index:02d}"
            try:
                with handle_message_parameters(
                    content=outgoing.content,
                    embeds=outgoing.embeds,
                    files=outgoing.files,
                    nonce=nonce,
                    allowed_mentions=discord.AllowedMentions.none(),
                ) as params:
                    data = await http.send_message(target.channel_id, params=params)
            except (discord.Forbidden, discord.NotFound) as exc:
                code = reasons.NO_RIGHTS if exc.status == 403 else reasons.CHAT_NOT_FOUND
                await self._disable(target.channel_id, code)
                reason = f"Discord: {exc.status} {exc.text or 'no access'} (channel disabled)"
                return Blocked(reason, tuple(ids), code=code)
            except discord.RateLimited as exc:  # a route's (the channel's) bucket, never global
                FLOOD_ERRORS.labels(self.platform).inc()
                return RetryAfter(exc.retry_after, "Discord rate limit", tuple(ids), scope=CHAT)
            except discord.DiscordServerError as exc:
                return NotSent(f"Discord server error {exc.status}", tuple(ids))
            except discord.HTTPException as exc:
                if exc.status == 429:  # past discord.py's own retries: the global bucket
                    FLOOD_ERRORS.labels(self.platform).inc()
                    return RetryAfter(5.0, "Discord rate limit", tuple(ids), scope=GLOBAL)
                return BadRequest(
                    f"Discord refused the message: {exc.status} {exc.text}", tuple(ids)
                )
            except aiohttp.ClientConnectorError as exc:
                reason = f"no connection to Discord ({type(exc).__name__})"
                return NotSent(reason, tuple(ids), unreachable=True, code=reasons.UNREACHABLE)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                return Ambiguous(f"Discord did not answer ({type(exc).__name__})", tuple(ids))
            ids.append(str(data["id"]))
        return Sent(tuple(ids))

    async def _disable(self, channel_id: str, reason: str) -> None:
        log.info("discord channel %s disabled for deliveries: %s", channel_id, reason)
        if self.registry is not None:
            await asyncio.to_thread(self.registry.disable, "discord", channel_id, reason)
