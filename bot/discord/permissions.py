"""What the bot may do in a Discord channel it is asked to post briefings to.

A reply to an interaction goes out whatever the channel's permissions are; a scheduled
briefing does not. So when a moderator subscribes a channel, the bot reads its own resolved
permissions there and names any it lacks, before the first briefing fails with 403.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from commands.layout import COLOUR_ERROR, Message

# What a briefing needs: see the channel, post in it, show the embed, attach the chart.
NEEDED = ("view_channel", "send_messages", "embed_links", "attach_files")

# Discord's own names for them (the server settings screens use these words).
LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


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


def notice(lacking: Sequence[str], channel: str) -> Message:
    """An embed naming what the bot lacks in ``channel`` and where a moderator grants it.

    English only for now: the templates have no entry for this notice yet.
    """
    names = ", ".join(f"**{LABELS.get(code, code)}**" for code in lacking)
    where = f"#{channel}" if channel else "this channel"
    embed = {
        "title": f"Briefings cannot be posted in {where} yet",
        "description": (
            f"carrybot is missing these permissions here: {names}. A moderator can grant them "
            "to carrybot's role under Edit Channel → Permissions; until then the daily "
            "briefing and its chart cannot be posted."
        ),
        "color": COLOUR_ERROR,
    }
    return Message(embed=embed)
