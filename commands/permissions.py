"""The one permission rule: changing a chat's settings takes a moderator of that chat.

Adapters decide ``is_moderator`` from the platform's real roles; this module only states the rule
and, for refusals, who the moderators are on each platform.
"""

from __future__ import annotations

from commands.context import CommandContext

# Who counts as a moderator, per platform (a key into the ``error`` template's sentences).
MODERATORS = {
    "telegram": "telegram_admins",
    "discord": "discord_manage_server",
    "console": "console_user",
}


def may_change_settings(ctx: CommandContext) -> bool:
    """True when the user may change this chat's settings."""
    return ctx.is_moderator


def moderator_rule(platform: str) -> str:
    """Which sentence explains who may change settings on ``platform``."""
    return MODERATORS.get(platform, "moderators")
