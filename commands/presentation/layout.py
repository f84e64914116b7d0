"""Lay a rendered document out per format and split it to the platform's length limits.

Limits (counted in UTF-16 code units, which is what both platforms count, so never too long):
Telegram 4,096 per message and 1,024 per photo caption; Discord 2,000 per message content and,
per embed, title 256, description 4,096, 25 fields, field name 256, field value 1,024, footer
2,048 and 6,000 in total. Text is split at paragraph breaks, then line breaks, then spaces;
HTML is never cut inside a tag or entity, and tags open at a cut are closed and reopened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from commands.presentation.markup import Document

TELEGRAM_TEXT = 4096
TELEGRAM_CAPTION = 1024
DISCORD_CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
EMPTY_NAME = "\u200b"  # Discord requires a field name; a zero-width space reads as none
COLOUR_OK = 0x1F4E9C
COLOUR_ERROR = 0xC0392B

_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def size(text: str) -> int:
    """Length as Telegram and Discord count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` with an ellipsis (for single-line titles and names)."""
    if size(text) <= limit:
        return text
    while size(text) > limit - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def split(text: str, limit: int, html: bool = False, first_limit: int | None = None) -> list[str]:
    """Chunks of at most ``limit`` (the first at most ``first_limit``), cut at clean boundaries."""
    units: list[tuple[str, str]] = []  # (glue before, piece): paragraphs, or lines of long ones
    for p_number, paragraph in enumerate(text.split("\n\n")):
        glue = "\n\n" if p_number else ""
        if size(paragraph) <= limit:
            units.append((glue, paragraph))
        else:
            lines = paragraph.split("\n")
            units.extend((glue if n == 0 else "\n", line) for n, line in enumerate(lines))
    chunks: list[str] = []
    current = ""

    def cap() -> int:
        return first_limit if first_limit is not None and not chunks else limit

    def flush() -> None:
        nonlocal current
        if current.strip():
            chunks.append(current.strip("\n"))
        current = ""

    for glue, piece in units:
        candidate = current + glue + piece if current else piece
        if size(candidate) <= cap():
            current = candidate
            continue
        flush()
        if size(piece) <= cap():
            current = piece
            continue
        parts = _cut_line(piece, cap(), limit, html)
        for part in parts[:-1]:
            chunks.append(part)
        current = parts[-1] if parts else ""
    flush()
    return chunks or [""]


def _cut_line(line: str, first: int, limit: int, html: bool) -> list[str]:
    """An over-long line cut at spaces (or between tokens); HTML tags open at a cut are closed
    at the end of the part and reopened at the start of the next."""
    tokens = _TOKEN.findall(line) if html else re.findall(r"\s+|\S+", line)
    step = max(1, min(first, limit) // 4)
    parts: list[str] = []
    current = ""
    has_content = False
    open_tags: list[tuple[str, str]] = []  # (name, opening tag as written)
    pending: list[tuple[str, str]] = []  # opening tags waiting for their first content

    def closing(tags: list[tuple[str, str]]) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(tags))

    for token in tokens:
        match = _TAG.fullmatch(token) if html else None
        if match and not match.group(1):
            pending.append((match.group(2).lower(), token))
            continue
        if match:
            name = match.group(2).lower()
            if pending and pending[-1][0] == name:  # an empty element: drop it
                pending.pop()
                continue
            for index in range(len(open_tags) - 1, -1, -1):
                if open_tags[index][0] == name:
                    del open_tags[index]
                    break
            current += token
            continue
        is_markup = html and token.startswith("&") and len(token) > 1
        pieces = (
            [token]
            if is_markup or size(token) <= step
            else [token[i : i + step] for i in range(0, len(token), step)]
        )
        for piece in pieces:
            room = first if not parts else limit
            opening = "".join(text for _, text in pending)
            needed = current + opening + piece + closing(open_tags + pending)
            if has_content and size(needed) > room:
                parts.append(current.rstrip() + closing(open_tags))
                current = "".join(text for _, text in open_tags)
                has_content = False
            if piece.isspace() and not has_content:
                continue
            current += opening + piece
            open_tags.extend(pending)
            pending.clear()
            has_content = True
    if has_content:
        parts.append(current.rstrip() + closing(open_tags))
    return parts


# --- layouts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One outgoing message: text (Telegram HTML, plain text or Discord content), or a Discord
    embed dict, and the image to attach to it (as a photo with this text as caption on Telegram;
    the embed already points at ``attachment://<filename>`` on Discord). ``image_note`` is what
    to add to the text, in the reply's language and format, when the image cannot be posted."""

    text: str = ""
    embed: dict[str, Any] | None = None
    image: bytes | None = None
    filename: str | None = None
    image_note: str = ""


def as_text(
    doc: Document, bold: tuple[str, str] = ("", ""), italic: tuple[str, str] = ("", "")
) -> str:
    """The document as one text: title, sections with their headings, footer."""
    parts = []
    if doc.title:
        parts.append(f"{bold[0]}{doc.title}{bold[1]}")
    for section in doc.sections:
        body = section.body
        if section.heading:
            parts.append(f"{bold[0]}{section.heading}{bold[1]}" + (f"\n{body}" if body else ""))
        elif body:
            parts.append(body)
    if doc.footer:
        parts.append(f"{italic[0]}{doc.footer}{italic[1]}")
    return "\n\n".join(parts)


def telegram_messages(doc: Document, image: bytes | None, filename: str | None) -> list[Message]:
    """HTML messages of ≤4,096; with an image, the first chunk (≤1,024) is its caption."""
    text = as_text(doc, ("<b>", "</b>"), ("<i>", "</i>"))
    if image is None:
        return [Message(text=chunk) for chunk in split(text, TELEGRAM_TEXT, html=True)]
    chunks = split(text, TELEGRAM_TEXT, html=True, first_limit=TELEGRAM_CAPTION)
    first = Message(text=chunks[0], image=image, filename=filename)
    return [first, *(Message(text=chunk) for chunk in chunks[1:])]


def text_messages(doc: Document, image: bytes | None, filename: str | None) -> list[Message]:
    """Plain text, unsplit (a terminal has no limit)."""
    return [Message(text=as_text(doc), image=image, filename=filename)]


def discord_messages(
    doc: Document, image: bytes | None, filename: str | None, ok: bool
) -> list[Message]:
    """Short replies without structure as content (≤2,000); the rest as embeds within limits."""
    if doc.title is None and not any(s.heading for s in doc.sections) and image is None:
        text = as_text(doc)
        return [Message(text=chunk) for chunk in split(text, DISCORD_CONTENT)]
    colour = COLOUR_OK if ok else COLOUR_ERROR
    fields: list[dict[str, Any]] = []
    descriptions: list[str] = []
    for section in doc.sections:
        if section.heading is None:
            descriptions.extend(split(section.body, EMBED_DESCRIPTION))
            continue
        values = split(section.body, EMBED_FIELD_VALUE) if section.body else [EMPTY_NAME]
        for number, value in enumerate(values):
            name = truncate(section.heading, EMBED_FIELD_NAME) if number == 0 else EMPTY_NAME
            fields.append({"name": name, "value": value, "inline": False})
    title = truncate(doc.title, EMBED_TITLE) if doc.title else None
    footer = truncate(doc.footer, EMBED_FOOTER) if doc.footer else None
    embeds = _pack_embeds(title, descriptions, fields, footer, colour)
    messages = [Message(embed=embed) for embed in embeds]
    if image is not None and filename:
        messages[0].embed["image"] = {"url": f"attachment://{filename}"}  # type: ignore[index]
        messages[0] = Message(embed=messages[0].embed, image=image, filename=filename)
    return messages


def _pack_embeds(
    title: str | None,
    descriptions: list[str],
    fields: list[dict[str, Any]],
    footer: str | None,
    colour: int,
) -> list[dict[str, Any]]:
    """Fill embeds in order; start a new one when a count or the 6,000 total would be exceeded."""
    embeds: list[dict[str, Any]] = []

    def new() -> dict[str, Any]:
        embed: dict[str, Any] = {"color": colour, "fields": []}
        if title and not embeds:
            embed["title"] = title
        embeds.append(embed)
        return embed

    def total(embed: dict[str, Any]) -> int:
        count = size(embed.get("title", "")) + size(embed.get("description", ""))
        count += sum(size(f["name"]) + size(f["value"]) for f in embed["fields"])
        return count + size(embed.get("footer", {}).get("text", ""))

    reserve = size(footer or "")
    embed = new()
    for description in descriptions:
        if "description" in embed or total(embed) + size(description) + reserve > EMBED_TOTAL:
            embed = new()
        embed["description"] = description
    for item in fields:
        extra = size(item["name"]) + size(item["value"])
        if len(embed["fields"]) >= EMBED_FIELDS or total(embed) + extra + reserve > EMBED_TOTAL:
            embed = new()
        embed["fields"].append(item)
    if footer:
        embeds[-1]["footer"] = {"text": footer}
    for embed in embeds:
        if not embed["fields"]:
            del embed["fields"]
    return embeds
