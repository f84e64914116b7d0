"""``/carry help`` and ``/carry help <command>``."""

from __future__ import annotations

from commands.grammar import Arg, Command, Invocation
from commands.permissions import moderator_rule
from commands.reply import Reply


def help_(inv: Invocation) -> Reply:
    """Every command, or one command's usage, example and who may use it."""
    registry = inv.registry
    topic_word = (inv.args["topic"] or "").strip().lower().removeprefix("/")
    rule = moderator_rule(inv.ctx.platform)
    if not topic_word:
        return inv.reply("help", topic=None, commands=registry.commands, rule=rule)
    name = topic_word.split()[-1]
    topic = registry.get("" if name == "carry" else name)
    if topic is None:
        return Reply.error(
            "unknown_command", inv.locale, value=name, suggestion=registry.suggest(name) or ""
        )
    return inv.reply("help", topic=topic, commands=registry.commands, rule=rule)


COMMANDS = (
    Command(
        "help",
        help_,
        (Arg("topic", optional=True, rest=True, label="command"),),
        example="/carry help chart",
    ),
)
