"""Inline markup and escaping per output format, and the document structure templates emit.

One template serves all three formats. Templates write inline emphasis through ``m.b(...)``
and structure through ``m.title(...)``, ``m.h(...)`` (a section heading) and ``m.footer(...)``,
which emit marker lines; after rendering, ``parse_document`` turns the text into a title,
sections and a footer that each format lays out its own way (Telegram HTML, a Discord embed
with fields, plain text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup, escape

from commands.sanitize import clean

Format = Literal["telegram_html", "discord", "text"]
FORMATS: tuple[Format, ...] = ("telegram_html", "discord", "text")

MARK = "\x02"  # starts a structural line; control characters are stripped from user text
TITLE, HEADING, FOOTER = MARK + "T", MARK + "H", MARK + "F"
# Discord markdown: the characters discord.py's escape_markdown escapes, plus line-start quotes
# and headings, so a user's chat title can neither format nor break the reply.
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|\[\]()])")
_DISCORD_LINE_START = re.compile(r"(?m)^(\s*)([>#-])")
# Mentions: @everyone, @here and a bare @id (as discord.py's escape_mentions), and the markup
# of user, role and channel mentions (<@id>, <@!id>, <@&id>, <#id>): a zero-width space after
# the "@" or "<" leaves them as text.
_MENTION = re.compile(r"@(everyone|here|[!&]?\d{15,21})")
_MENTION_MARKUP = re.compile(r"<(?=[@#])")


def defuse_mentions(value: str) -> str:
    """Discord text in which no mention (of anyone, a role or a channel) can fire."""
    return _MENTION_MARKUP.sub("<\u200b", _MENTION.sub("@\u200b\\1", value))


def escape_discord(value: str) -> str:
    """Discord markdown escaped and mentions defused."""
    text = _DISCORD_SPECIAL.sub(r"\\\1", clean(value))
    text = _DISCORD_LINE_START.sub(r"\1\\\2", text)
    return defuse_mentions(text)


def _one_line(value: Any) -> str:
    return " ".join(clean(str(value)).split())


class TelegramMarkup(Markup):
    """Safe Telegram HTML: what is interpolated into it is cleaned, then HTML-escaped."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> TelegramMarkup:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(escape(clean(str(s))))


class DiscordMarkup(Markup):
    """Safe Discord text: what is interpolated into it is markdown-escaped, not HTML-escaped."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> DiscordMarkup:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(escape_discord(str(s)))


class PlainMarkup(Markup):
    """Safe plain text: interpolated values only lose control characters."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> PlainMarkup:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(clean(str(s)))


def markup_class(fmt: Format) -> type[Markup]:
    """The safe-string type of a format: translated sentences are made of it, so the values
    interpolated into them are escaped the format's way."""
    return {"telegram_html": TelegramMarkup, "discord": DiscordMarkup}.get(fmt, PlainMarkup)


class InlineMarkup:
    """Format-specific inline markup; every method returns safe markup with its input escaped."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt

    def esc(self, value: Any) -> Markup:
        """Escape a value for this format."""
        if isinstance(value, Markup):
            return value
        text = clean(str(value))
        if self.fmt == "telegram_html":
            return escape(text)
        if self.fmt == "discord":
            return Markup(escape_discord(text))
        return Markup(text)

    def b(self, value: Any) -> Markup:
        """Bold."""
        inner = self.esc(value)
        if self.fmt == "telegram_html":
            return Markup(f"<b>{inner}</b>")
        if self.fmt == "discord":
            return Markup(f"**{inner}**")
        return inner

    def i(self, value: Any) -> Markup:
        """Italic."""
        inner = self.esc(value)
        if self.fmt == "telegram_html":
            return Markup(f"<i>{inner}</i>")
        if self.fmt == "discord":
            return Markup(f"*{inner}*")
        return inner

    def code(self, value: Any) -> Markup:
        """A command or value to type, monospaced."""
        text = clean(str(value))
        if self.fmt == "telegram_html":
            return Markup(f"<code>{escape(text)}</code>")
        if self.fmt == "discord":
            return Markup("`" + text.replace("`", "'") + "`")
        return Markup(text)

    def title(self, value: Any) -> Markup:
        """The reply's title line (an embed title on Discord)."""
        return Markup(TITLE) + self._plain(value)

    def h(self, value: Any) -> Markup:
        """A section heading (an embed field name on Discord)."""
        return Markup(HEADING) + self._plain(value)

    def footer(self, value: Any) -> Markup:
        """A closing line (an embed footer on Discord)."""
        return Markup(FOOTER) + self._plain(value)

    def _plain(self, value: Any) -> Markup:
        # Titles, field names and footers are plain text on Discord: no markdown escaping there.
        if hasattr(value, "__html__"):
            text = " ".join(str(value).replace(MARK, "").split())
            return Markup(defuse_mentions(text) if self.fmt == "discord" else text)
        text = _one_line(value)
        if self.fmt == "telegram_html":
            return escape(text)
        return Markup(defuse_mentions(text) if self.fmt == "discord" else text)


def finalize(fmt: Format) -> Any:
    """Jinja ``finalize``: every ``{{ value }}`` loses control characters; Discord escapes it."""

    def apply(value: Any) -> Any:
        if isinstance(value, Markup) or not isinstance(value, str):
            return value
        if fmt == "discord":
            return Markup(escape_discord(value))
        return clean(value)

    return apply


@dataclass
class Section:
    """A heading (None for the opening text) and its body lines."""

    heading: str | None
    lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The body with surrounding blank lines removed and runs of blank lines collapsed."""
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip("\n")


@dataclass
class Document:
    """A rendered reply: optional title, sections, optional footer (all already escaped)."""

    title: str | None = None
    sections: list[Section] = field(default_factory=list)
    footer: str | None = None


def parse_document(rendered: str) -> Document:
    """Split rendered template output at its marker lines."""
    doc = Document()
    current = Section(None)
    doc.sections.append(current)
    for raw in rendered.split("\n"):  # not splitlines(): it also splits at other controls
        line = raw.rstrip()
        stripped = line.lstrip()
        if stripped.startswith(TITLE):
            doc.title = stripped[len(TITLE) :].strip()
        elif stripped.startswith(HEADING):
            current = Section(stripped[len(HEADING) :].strip())
            doc.sections.append(current)
        elif stripped.startswith(FOOTER):
            doc.footer = stripped[len(FOOTER) :].strip()
        else:
            current.lines.append(line.replace(MARK, ""))
    doc.sections = [s for s in doc.sections if s.heading or s.body]
    return doc
