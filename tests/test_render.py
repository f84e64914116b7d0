"""Rendering: golden output per format and locale, valid Telegram HTML, escaping, length limits."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.presentation.layout import (
    DISCORD_CONTENT,
    EMBED_DESCRIPTION,
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    EMBED_FIELDS,
    EMBED_FOOTER,
    EMBED_TITLE,
    EMBED_TOTAL,
    TELEGRAM_CAPTION,
    TELEGRAM_TEXT,
    Message,
    size,
    split,
)
from commands.presentation.render import Format, environment, render, template_cache, warm_up
from commands.reply import Reply
from commands.services import Services
from tests.support.chat import MakeContext, make_services
from tests.support.golden import assert_golden

LOCALES = ("en", "ja", "zh")
PNG = b"\x89PNG"
HOSTILE_TITLE = "<b>Carry</b> & *yen* _desk_ @everyone `x`"
TELEGRAM_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}
# Each case: (golden name, command, context overrides, snapshot kind)
CASES = [
    ("carry", "/carry", {}, "stressed"),
    ("carry_sparse", "/carry", {}, "sparse"),
    ("explain", "/carry explain", {}, "stressed"),
    ("brief", "/carry brief", {}, "stressed"),
    ("brief_sparse", "/carry brief", {}, "sparse"),
    ("sources", "/carry sources", {}, "sparse"),
    ("history", "/carry history", {}, "stressed"),
    ("chart", "/carry chart pressure 1y", {}, "stressed"),
    ("help", "/carry help", {"platform": "discord"}, "stressed"),
    ("settings", "/carry settings", {"chat_title": HOSTILE_TITLE}, "stressed"),
    ("refusal", "/carry threshold pressure 55", {"is_moderator": False}, "stressed"),
    ("usage", "/carry chart gap 10y", {}, "stressed"),
    ("bad_zone", "/carry subscribe 07:00 Tokio", {}, "stressed"),
    ("chart_gap", "/carry chart gap 1y", {}, "stressed"),
    ("chart_markets", "/carry chart markets 3m", {}, "stressed"),
    ("chart_markets_missing", "/carry chart markets 3m", {}, "sparse"),
    ("markets", "/carry markets", {}, "stressed"),
    ("markets_sparse", "/carry markets", {}, "sparse"),
    ("size", "/carry size", {}, "stressed"),
    ("whatif", "/carry whatif boj +25 fed -25", {}, "stressed"),
    ("whatif_bad_step", "/carry whatif boj +7", {}, "stressed"),
    ("hikes", "/carry hikes", {}, "stressed"),
]


class TagChecker(HTMLParser):
    """Collects problems: unknown tags, unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not Telegram HTML")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")


# Telegram accepts only these entities (and numeric ones): a bare "&" is refused.
BAD_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot);|#\d+;|#x[0-9a-fA-F]+;)")


def html_problems(text: str) -> list[str]:
    """Why ``text`` is not valid Telegram HTML (empty when it is)."""
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    bare = [
        f"bare & at {m.start()}: {text[m.start() : m.start() + 12]!r}"
        for m in BAD_AMPERSAND.finditer(text)
    ]
    return checker.problems + [f"unclosed <{tag}>" for tag in checker.stack] + bare


def describe(messages: list[Message]) -> str:
    """A stable, readable dump of rendered messages for golden files."""
    parts = []
    for number, message in enumerate(messages, start=1):
        header = f"--- message {number}"
        if message.image is not None:
            kind = "PNG" if message.image.startswith(PNG) else "not a PNG"
            header += f" (image {message.filename}, {kind})"
        parts.append(header)
        if message.embed is not None:
            parts.append(json.dumps(message.embed, ensure_ascii=False, indent=1, sort_keys=True))
        if message.text:
            parts.append(message.text)
    return "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Reply]:
    """Every case's reply in every locale (computed once)."""
    from tests.support.chat import NOW

    out: dict[tuple[str, str], Reply] = {}
    directory: Path = tmp_path_factory.mktemp("render")
    for name, command, overrides, kind in CASES:
        services = make_services(f"sqlite:///{directory / (name + '.sqlite3')}", kind)
        if name == "settings":
            seed_ctx = CommandContext("telegram", "-1001", "7", "Ben <admin>", True, now=NOW)
            dispatch("/carry subscribe 07:30 Europe/London", seed_ctx, services)
        for locale in LOCALES:
            values = {
                "platform": "telegram",
                "chat_id": "-1001",
                "user_id": "42",
                "user_name": "Aiko",
                "is_moderator": True,
                "chat_title": "Carry desk",
                "now": NOW,
                "locale": locale,
                **overrides,
            }
            reply = dispatch(command, CommandContext(**values), services)
            # Settings replies speak the chat's stored language; render each locale anyway.
            out[(name, locale)] = reply
    return out


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_golden_output(replies: dict[tuple[str, str], Reply], case: str, locale: str) -> None:
    reply = replies[(case, locale)]
    sections = []
    for fmt in ("text", "telegram_html", "discord"):
        sections.append(f"=== {fmt}\n{describe(render(reply, fmt, locale))}")
    assert_golden(f"{case}.{locale}.txt", "\n".join(sections))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_telegram_html_parses(
    replies: dict[tuple[str, str], Reply], case: str, locale: str
) -> None:
    for message in render(replies[(case, locale)], "telegram_html", locale):
        assert html_problems(message.text) == []
        limit = TELEGRAM_CAPTION if message.image is not None else TELEGRAM_TEXT
        assert size(message.text) <= limit


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_no_nan_none_or_placeholder_leaks(replies: dict[tuple[str, str], Reply], case: str) -> None:
    for locale in LOCALES:
        for fmt in ("text", "telegram_html", "discord"):
            text = describe(render(replies[(case, locale)], fmt, locale))
            for leak in ("nan", "NaN", "None", "%(", "Undefined", "\x02"):
                assert leak not in text.replace("financial", ""), (case, locale, fmt, leak)


def test_user_text_is_escaped_in_html(replies: dict[tuple[str, str], Reply]) -> None:
    text = render(replies[("settings", "en")], "telegram_html")[0].text
    assert "&lt;b&gt;Carry&lt;/b&gt; &amp; *yen* _desk_ @everyone `x`" in text
    assert "Ben &lt;admin&gt;" in text
    assert "<b>Carry</b>" not in text


def test_user_text_is_escaped_in_discord_markdown(replies: dict[tuple[str, str], Reply]) -> None:
    embed = render(replies[("settings", "en")], "discord")[0].embed
    assert embed is not None
    assert r"<b>Carry</b> & \*yen\* \_desk\_ @" + "\u200beveryone \\`x\\`" in embed["description"]


def test_chart_caption_fits_a_telegram_photo(replies: dict[tuple[str, str], Reply]) -> None:
    first = render(replies[("chart", "en")], "telegram_html")[0]
    assert first.image is not None and first.filename == "carry-pressure-1y-20260612.png"
    assert size(first.text) <= TELEGRAM_CAPTION


def test_discord_chart_embed_points_at_the_attachment(
    replies: dict[tuple[str, str], Reply],
) -> None:
    first = render(replies[("chart", "en")], "discord")[0]
    assert first.embed is not None and first.image is not None
    assert first.embed["image"] == {"url": "attachment://carry-pressure-1y-20260612.png"}


def check_discord(messages: list[Message]) -> None:
    """Every Discord limit holds."""
    for message in messages:
        assert size(message.text) <= DISCORD_CONTENT
        embed = message.embed
        if embed is None:
            continue
        assert size(embed.get("title", "")) <= EMBED_TITLE
        assert size(embed.get("description", "")) <= EMBED_DESCRIPTION
        assert len(embed.get("fields", [])) <= EMBED_FIELDS
        for item in embed.get("fields", []):
            assert 0 < size(item["name"]) <= EMBED_FIELD_NAME
            assert 0 < size(item["value"]) <= EMBED_FIELD_VALUE
        assert size(embed.get("footer", {}).get("text", "")) <= EMBED_FOOTER
        total = size(embed.get("title", "")) + size(embed.get("description", ""))
        total += sum(size(f["name"]) + size(f["value"]) for f in embed.get("fields", []))
        total += size(embed.get("footer", {}).get("text", ""))
        assert total <= EMBED_TOTAL


def test_long_history_is_split_within_every_limit(
    services: Services, context: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("commands.handlers.history.MAX_PERIODS", 10_000)
    reply = dispatch("/carry history max", context(), services)
    # Make it long: repeat the periods until the text is far beyond every platform limit.
    long_reply = Reply(
        reply.template,
        {**reply.context, "periods": list(reply.context["periods"]) * 60},
        locale="ja",
    )
    telegram = render(long_reply, "telegram_html")
    assert len(telegram) > 1
    for message in telegram:
        assert size(message.text) <= TELEGRAM_TEXT and html_problems(message.text) == []
    discord = render(long_reply, "discord")
    assert len(discord) > 1
    check_discord(discord)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_discord_limits(replies: dict[tuple[str, str], Reply], case: str, locale: str) -> None:
    check_discord(render(replies[(case, locale)], "discord", locale))


def test_split_prefers_paragraphs_then_lines() -> None:
    lines = [f"line {n}" for n in range(40)]
    text = "first paragraph\n\n" + "\n".join(lines)
    chunks = split(text, 60)
    assert len(chunks) > 1 and all(size(c) <= 60 for c in chunks)
    assert chunks[0].startswith("first paragraph\n\nline 0\n")
    # Every cut falls between whole lines: rejoining the chunks gives the lines back.
    assert "\n".join(chunks).split("\n")[2:] == lines


def test_split_never_cuts_inside_a_tag_or_entity() -> None:
    line = " ".join(f"<b>bold {n}</b> &amp; <i>it</i>" for n in range(200))
    chunks = split(line, 100, html=True)
    for chunk in chunks:
        assert size(chunk) <= 100 and html_problems(chunk) == []
        assert chunk.count("&amp;") == chunk.count("&")


def test_split_closes_and_reopens_a_long_bold_run() -> None:
    chunks = split("<b>" + "word " * 100 + "</b>", 50, html=True)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith("<b>") and chunk.endswith("</b>") and size(chunk) <= 50


def test_split_breaks_a_word_longer_than_the_limit() -> None:
    chunks = split("x" * 250, 100)
    assert [size(c) for c in chunks] == [100, 100, 50]


def test_caption_limit_applies_to_the_first_chunk_only() -> None:
    text = "\n\n".join("p" * 900 for _ in range(3))
    chunks = split(text, 4096, first_limit=1024)
    assert size(chunks[0]) <= 1024 and len(chunks) == 2


def test_compiled_templates_kept_between_runs_never_cross_formats(
    services: Services,
    context: MakeContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bytecode cache outlives the process: a fresh environment of one format must not load
    what another format compiled (plain-text macros would be escaped twice in Telegram HTML)."""
    from itertools import permutations

    from commands.presentation.render import FORMATS, environment, template_cache

    reply = dispatch("/carry explain", context(), services)
    compiled_afresh = {}
    for fmt in FORMATS:
        environment.cache_clear()
        environment(fmt, "en").bytecode_cache = None
        compiled_afresh[fmt] = render(reply, fmt)
    try:
        for first, second in permutations(FORMATS, 2):
            folder = tmp_path / f"{first}-{second}"
            folder.mkdir()
            monkeypatch.setenv("CARRYBOT_HOME", str(folder))  # an empty bytecode cache
            template_cache.cache_clear()
            environment.cache_clear()
            render(reply, first)  # compiles and keeps its bytecode
            environment.cache_clear()  # as in a new process: only the files remain
            assert render(reply, second) == compiled_afresh[second], (first, second)
    finally:
        template_cache.cache_clear()
        environment.cache_clear()


def test_compiled_templates_are_cached_on_disk_and_a_bad_cache_is_ignored(tmp_path: Path) -> None:
    from jinja2 import Environment, PackageLoader

    from commands.presentation.render import _TemplateCache

    def env(directory: Path) -> Environment:
        loader = PackageLoader("templates", ".")
        cache = _TemplateCache(str(directory))
        return Environment(loader=loader, bytecode_cache=cache, extensions=["jinja2.ext.do"])

    good = tmp_path / "cache"
    good.mkdir()
    env(good).get_template("replies/store_unavailable.j2")
    assert list(good.iterdir())  # written once, read by the next process
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    assert env(not_a_directory).get_template("replies/store_unavailable.j2") is not None


@pytest.mark.parametrize("fmt", ["telegram_html", "discord"])
def test_after_the_warm_up_a_reply_compiles_no_template(
    fmt: Format, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An adapter warms up before its first update, so a burst of first replies does not
    compile the same templates in every worker thread at once."""
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path))  # no bytecode cache from earlier runs
    environment.cache_clear()
    template_cache.cache_clear()
    assert warm_up(fmt) > 50
    compiled: list[str] = []
    original = Environment.compile

    def counting(self: Environment, source: str, name: str | None = None, *a: Any, **k: Any) -> Any:
        compiled.append(name or "?")
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(Environment, "compile", counting)
    for language in ("en", "ja", "zh"):
        for reply in (Reply("help", {}, locale=language), Reply.error("no_data", language)):
            assert render(reply, fmt)
    assert compiled == []
    environment.cache_clear()
    template_cache.cache_clear()
