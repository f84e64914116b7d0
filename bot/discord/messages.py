"""Rendered replies as Discord messages: content, up to ten embeds and the files they show.

The renderer already keeps each embed within Discord's limits; this packs them into as few
messages as Discord accepts (ten embeds, ten files and 6,000 embed characters per message).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from commands.presentation.layout import DISCORD_CONTENT, EMBED_TOTAL, size
from commands.presentation.render import Message

EMBEDS_PER_MESSAGE = 10
FILES_PER_MESSAGE = 10


@dataclass
class Outgoing:
    """One Discord message to post: content, up to ten embeds, attached files."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[discord.File] = field(default_factory=list)
    size: int = 0

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of discord.py's ``send_message`` and ``followup.send``."""
        return {"content": self.content, "embeds": self.embeds, "files": self.files}


def pack(messages: Sequence[Message]) -> list[Outgoing]:
    """Rendered messages in as few Discord messages as the limits allow: an embed joins the
    previous message (after its content) while that has fewer than ten embeds, ten files and
    6,000 embed characters; text chunks stay separate messages."""
    out: list[Outgoing] = []
    for message in messages:
        files = []
        if message.image is not None and message.filename:
            files.append(discord.File(io.BytesIO(message.image), filename=message.filename))
        if message.embed is None:
            out.append(Outgoing(content=message.text[:DISCORD_CONTENT] or None, files=files))
            continue
        embed = discord.Embed.from_dict(message.embed)
        weight = _embed_size(message.embed)
        last = out[-1] if out else None
        if (
            last is not None
            and len(last.embeds) < EMBEDS_PER_MESSAGE
            and len(last.files) + len(files) <= FILES_PER_MESSAGE
            and last.size + weight <= EMBED_TOTAL
        ):
            last.embeds.append(embed)
            last.files.extend(files)
            last.size += weight
        else:
            out.append(Outgoing(embeds=[embed], files=files, size=weight))
    return out


def _embed_size(embed: Mapping[str, Any]) -> int:
    texts = [
        embed.get("title", ""),
        embed.get("description", ""),
        embed.get("footer", {}).get("text", ""),
        embed.get("author", {}).get("name", ""),
    ]
    for item in embed.get("fields", []):
        texts += [item.get("name", ""), item.get("value", "")]
    return sum(size(text) for text in texts)
