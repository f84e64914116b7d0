"""The ``/carry`` grammar: every subcommand's arguments, help and permission, and one dispatcher.

``dispatch`` is the single entry point for every adapter. It never raises: a bad argument, a
refusal or an unexpected failure all come back as a ``Reply`` (the last one logged with its
traceback), in the chat's language.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commands.context import CommandContext
from commands.languages import normalise_language
from commands.permissions import may_change_settings, moderator_rule
from commands.reply import Reply
from commands.services import Services
from commands.settings.model import DEFAULTS, ChatSettings, SettingError
from commands.settings.store import SettingsUnavailable

log = logging.getLogger(__name__)

PREFIX = "carry"
HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
# "/carry@SomeBot" is how Telegram groups address one bot among several.
_PREFIX = re.compile(r"^/?carry(?:@\w+)?(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Arg:
    """One argument: a fixed set of ``choices`` or free text, optional with a default.

    Optional choice arguments may be left out in any combination (``/carry chart 1y``): a word
    that is not one of an optional argument's choices is tried against the next argument.
    ``rest`` takes every remaining word (a time-zone name typed with spaces).
    """

    name: str
    choices: tuple[str, ...] = ()
    optional: bool = False
    default: str | None = None
    rest: bool = False
    label: str | Callable[[], str] = ""  # a callable when it is read from a table at use

    @property
    def usage(self) -> str:
        """How the argument reads in a usage line (``HH:MM``, ``[gap|pressure]``)."""
        label = self.label() if callable(self.label) else self.label
        text = label or ("|".join(self.choices) if self.choices else self.name)
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Invocation:
    """What a handler gets: who asked, the parsed arguments, the chat's settings, the services,
    and the command (and the whole registry, for help)."""

    ctx: CommandContext
    args: Mapping[str, str | None]
    settings: ChatSettings
    locale: str
    services: Services
    command: Command
    registry: Registry

    def reply(self, template: str, **context: Any) -> Reply:
        """A successful reply in the chat's language."""
        return Reply(template, context, locale=self.locale)

    def error(self, code: str, **params: Any) -> Reply:
        """An error reply in the chat's language, with this command's usage for reference."""
        return Reply.error(
            code,
            self.locale,
            command=self.command.name,
            usage=self.command.usage,
            example=self.command.example,
            args=dict(self.args),
            **params,
        )


Handler = Callable[[Invocation], Reply]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, arguments, handler, help example and who may run it."""

    name: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    moderator_only: bool = False
    example: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        """``/carry chart [gap|pressure] [3m|1y|5y|max]``."""
        words = [f"/{PREFIX}", *([self.name] if self.name else []), *(a.usage for a in self.args)]
        return " ".join(words)


class UsageError(Exception):
    """The words typed do not fit the command's grammar; ``problem`` keys the explanation."""

    def __init__(self, problem: str, **params: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.params = params


def parse_args(command: Command, words: Sequence[str]) -> dict[str, str | None]:
    """Match words to the command's arguments, or raise ``UsageError``."""
    if command.args and all(a.optional and a.choices and not a.rest for a in command.args):
        return _parse_options(command, words)
    values: dict[str, str | None] = {}
    position = 0
    for arg in command.args:
        if arg.rest:
            rest = " ".join(words[position:])
            if not rest and not arg.optional:
                raise UsageError("missing", arg=arg.usage)
            values[arg.name] = rest or arg.default
            position = len(words)
            continue
        word = words[position] if position < len(words) else None
        if word is None:
            if not arg.optional:
                raise UsageError("missing", arg=arg.usage, choices=list(arg.choices))
            values[arg.name] = arg.default
            continue
        if arg.choices:
            choice = word.lower()
            if choice in arg.choices:
                values[arg.name] = choice
                position += 1
            elif arg.optional:
                values[arg.name] = arg.default
            else:
                raise UsageError("bad_choice", arg=arg.name, value=word, choices=list(arg.choices))
        else:
            values[arg.name] = word
            position += 1
    if position < len(words):
        extra = words[position]
        choosers = [a for a in command.args if a.choices]
        if choosers:  # most likely a mistyped choice: say which values would have worked
            raise UsageError(
                "bad_choice",
                arg=choosers[-1].name,
                value=extra,
                choices=[c for a in choosers for c in a.choices],
            )
        raise UsageError("extra", value=" ".join(words[position:]))
    return values


def _parse_options(command: Command, words: Sequence[str]) -> dict[str, str | None]:
    """Optional choices in any order (``/carry chart max gap``), each at most once."""
    values: dict[str, str | None] = {a.name: a.default for a in command.args}
    given: set[str] = set()
    for word in words:
        arg = next((a for a in command.args if word.lower() in a.choices), None)
        if arg is None:
            raise UsageError(
                "bad_choice",
                arg=command.args[-1].name,
                value=word,
                choices=[c for a in command.args for c in a.choices],
            )
        if arg.name in given:
            raise UsageError("extra", value=word)
        values[arg.name] = word.lower()
        given.add(arg.name)
    return values


class Registry:
    """The subcommands by name (and alias)."""

    def __init__(self, commands: Sequence[Command]) -> None:
        self.commands = tuple(commands)
        self._by_name: dict[str, Command] = {}
        for command in commands:
            for name in (command.name, *command.aliases):
                if name in self._by_name:
                    raise ValueError(f"two commands named {name!r}")
                self._by_name[name] = command

    def get(self, name: str) -> Command | None:
        """The command called ``name`` (case-insensitive), if any."""
        return self._by_name.get(name.lower())

    def resolve(self, words: Sequence[str]) -> tuple[str, Command | None, list[str]]:
        """The name typed, the command it runs (None if unknown) and its argument words;
        ``help``, ``?`` … and ``<command> help`` run the help command."""
        name, rest = (words[0], list(words[1:])) if words else ("", [])
        if name.lower() in HELP_WORDS:
            name = "help"
        command = self.get(name)
        helper = self.get("help")
        asks_help = bool(rest) and rest[0].lower() in HELP_WORDS
        if asks_help and command is not None and helper is not None and command is not helper:
            command, rest = helper, [command.name or "carry"]
        return name, command, rest

    def needs_moderator(self, text_or_args: str | Sequence[str]) -> bool:
        """Whether running this text takes a moderator: adapters look the user's rights up on
        the platform only then (a public command never waits for, or spends, a lookup)."""
        words = tokenize(text_or_args)
        if words is None:
            return False
        _, command, _ = self.resolve(words)
        return command is not None and command.moderator_only

    def suggest(self, name: str) -> str | None:
        """The command name closest to a mistyped one."""
        names = [n for n in self._by_name if n]
        close = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
        return close[0] if close else None


def tokenize(text_or_args: str | Sequence[str]) -> list[str] | None:
    """The words after ``/carry`` (None when a text does not start with it)."""
    if isinstance(text_or_args, str):
        text = text_or_args.strip()
        match = _PREFIX.match(text)
        if match is None:
            return None
        return text[match.end() :].split()
    return [word for part in text_or_args for word in str(part).split()]


def dispatch(
    text_or_args: str | Sequence[str],
    ctx: CommandContext,
    services: Services,
    registry: Registry,
) -> Reply:
    """Run one ``/carry`` command of ``registry`` and return its reply; never raises.

    ``text_or_args`` is the message text (``"/carry chart gap 1y"``, ``/carry@Bot`` accepted) or
    the words after ``/carry`` (``["chart", "gap", "1y"]``, as slash-command options arrive).
    """
    locale = normalise_language(ctx.locale) or "en"
    try:
        try:
            found = services.settings.find(ctx.key)
        except SettingsUnavailable:  # most commands do without; a change then says it cannot
            found = None
        settings = found or DEFAULTS
        if found is not None:
            locale = settings.language
        return _run(text_or_args, ctx, services, registry, settings, locale)
    except SettingsUnavailable as exc:
        log.warning("settings unavailable for %r on %s/%s: %s", text_or_args, ctx.platform,
                    ctx.chat_id, exc)  # fmt: skip
        context = {"saving": exc.saving}
        return Reply("store_unavailable", context, ok=False, ephemeral=True, locale=locale)
    except Exception:
        log.exception("command failed: %r on %s/%s", text_or_args, ctx.platform, ctx.chat_id)
        return Reply.error("internal", locale)


def _run(
    text_or_args: str | Sequence[str],
    ctx: CommandContext,
    services: Services,
    registry: Registry,
    settings: ChatSettings,
    locale: str,
) -> Reply:
    words = tokenize(text_or_args)
    if words is None:
        return Reply.error("not_carry", locale)
    name, command, rest = registry.resolve(words)
    if command is None:
        return Reply.error(
            "unknown_command", locale, value=name, suggestion=registry.suggest(name) or ""
        )
    if command.moderator_only and not may_change_settings(ctx):
        return Reply.error(
            "not_moderator", locale, command=command.name, rule=moderator_rule(ctx.platform)
        )
    invocation_base = Invocation(ctx, {}, settings, locale, services, command, registry)
    try:
        args = parse_args(command, rest)
    except UsageError as exc:
        return invocation_base.error("usage", problem=exc.problem, **exc.params)
    invocation = Invocation(ctx, args, settings, locale, services, command, registry)
    try:
        return command.handler(invocation)
    except SettingError as exc:
        return invocation.error(exc.code, **exc.params)
