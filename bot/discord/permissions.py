"""What the bot may do in a Discord channel it is asked to post briefings to.

A reply to an interaction goes out whatever the channel's permissions are; a scheduled
briefing does not. So when a moderator subscribes a channel, the bot reads its own resolved
permissions there and names any it lacks, before the first briefing fails with 403.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from commands.presentation.layout import Message
from commands.presentation.render import render
from commands.reply import Reply

# What a briefing needs: see the channel, post in it, show the embed, attach the chart.
NEEDED = ("view_channel", "send_messages", "embed_links", "attach_files")


def bot_permissions(interaction: discord.Interaction) -> discord.Permissions:
    """The bot's permissions in the interaction's channel.

    Discord resolves them (roles and channel overwrites) into ``app_permissions`` on every
    interaction, which is fresher than the gateway cache; the cache is the fallback when the
    field is empty (an application installed without its bot user).
    """
    permissions = interaction.app_permissions
    if permissions.value:
        return permissions
    guild = interaction.guild
    channel = interaction.channel
    if guild is not None and guild.me is not None and isinstance(channel, discord.abc.GuildChannel):
        return channel.permissions_for(guild.me)
    return permissions


def missing(permissions: discord.Permissions) -> list[str]:
    """The needed permissions the bot lacks, as codes (``attach_files``), in a stable order."""
    if permissions.administrator:
        return []
    return [name for name in NEEDED if not getattr(permissions, name)]


def notice(lacking: Sequence[str], channel: str, locale: str) -> Message:
    """An embed naming what the bot lacks in ``channel`` and where a moderator grants it, in
    the chat's language (Discord's own names for the permissions, as its settings screens show
    them)."""
    reply = Reply(
        "missing_permissions",
        {"lacking": list(lacking), "channel": channel},
        ok=False,
        locale=locale,
    )
    [message] = render(reply, "discord")
    return message
