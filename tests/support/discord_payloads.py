"""Discord wire objects for the fake Discord: a small guild model, permission resolution as
Discord computes it, and the JSON payloads (users, guilds, members, messages, interactions).

Only what the fake serves lives here; nothing imports discord.py, so the fake stays a stand-in
for the real service rather than a mirror of the client under test.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Permission bits (Discord's documented values).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 51) - 1
MEMBER_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
)

DISCORD_EPOCH_MS = 1_420_070_400_000
_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh, time-ordered id as Discord writes ids (a decimal string)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def iso_now() -> str:
    """A timestamp the way Discord writes them."""
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: str
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": None if self.bot else self.username.title(),
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    id: str
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: str
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    id: str
    name: str
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)

    def payload(self, guild_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": 0,
            "guild_id": guild_id,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "topic": None,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user.payload(),
            "roles": list(self.roles),
            "nick": None,
            "avatar": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }


@dataclass
class Guild:
    """A guild as the fake serves it; ``owner_id`` gets every permission, as on Discord."""

    id: str
    name: str
    owner_id: str
    roles: list[Role]
    channels: list[Channel]
    members: list[Member]
    locale: str = "en-US"

    def role(self, name: str) -> Role:
        return next(r for r in self.roles if r.name == name)

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def member(self, username: str) -> Member:
        return next(m for m in self.members if m.user.username == username)

    def base_permissions(self, member: Member) -> int:
        """Guild-wide permissions: @everyone plus the member's roles; admins and the owner get all."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        everyone = next(r for r in self.roles if r.id == self.id)
        value = everyone.permissions
        for role in self.roles:
            if role.id in member.roles:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Permissions in a channel after overwrites (@everyone, then roles, then the member)."""
        value = self.base_permissions(member)
        if value & ADMINISTRATOR or value == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.id)
        if everyone:
            value = (value & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            overwrite = by_id.get(role_id)
            if overwrite and overwrite.type == 0:
                allow |= overwrite.allow
                deny |= overwrite.deny
        value = (value & ~deny) | allow
        own = by_id.get(member.user.id)
        if own and own.type == 1:
            value = (value & ~own.deny) | own.allow
        return value

    def payload(self) -> dict[str, Any]:
        """The full GUILD_CREATE object."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.payload() for m in self.members],
            "channels": [c.payload(self.id) for c in self.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def default_guild(bot: User) -> Guild:
    """A community with a moderator, a member and three channels.

    ``#general`` lets everyone (the bot too) talk, embed and attach; ``#briefings`` denies the
    bot's role Attach Files; ``#announcements`` denies @everyone Send Messages.
    """
    guild_id = snowflake()
    bot_role = Role(snowflake(), "carrybot", 0, position=1)
    moderators = Role(snowflake(), "Moderators", MANAGE_GUILD, position=2)
    owner = User(snowflake(), "owner")
    moderator = User(snowflake(), "mod")
    member = User(snowflake(), "member")
    return Guild(
        id=guild_id,
        name="Carry Traders",
        owner_id=owner.id,
        roles=[Role(guild_id, "@everyone", MEMBER_DEFAULT), bot_role, moderators],
        channels=[
            Channel(snowflake(), "general", 0),
            Channel(snowflake(), "briefings", 1, [Overwrite(bot_role.id, 0, deny=ATTACH_FILES)]),
            Channel(snowflake(), "announcements", 2, [Overwrite(guild_id, 0, deny=SEND_MESSAGES)]),
        ],
        members=[
            Member(owner),
            Member(moderator, [moderators.id]),
            Member(member),
            Member(bot, [bot_role.id]),
        ],
    )


def message(
    *,
    message_id: str,
    channel_id: str,
    author: User,
    body: dict[str, Any],
    files: list[tuple[str, int, str]],
    interaction_type: bool = True,
    application_id: str | None = None,
) -> dict[str, Any]:
    """A message object built from what the bot posted (``files``: filename, size, type)."""
    attachments = [
        {
            "id": snowflake(),
            "filename": name,
            "size": size,
            "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{message_id}/{name}",
            "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{message_id}/{name}",
            "content_type": content_type,
        }
        for name, size, content_type in files
    ]
    return {
        "id": message_id,
        "type": 20 if interaction_type else 0,
        "channel_id": channel_id,
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": body.get("embeds") or [],
        "pinned": False,
        "flags": int(body.get("flags") or 0),
        "components": [],
        "webhook_id": application_id,
        "application_id": application_id,
    }
