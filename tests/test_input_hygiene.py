"""What users type or are called never harms a reply: cut echoes, no unsafe characters, no
mentions that fire, one message per error, and no NUL reaching the database."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from analytics.storage.schema import settings_changes_table
from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.presentation.layout import Message
from commands.presentation.render import render
from commands.sanitize import clean, echo
from commands.services import Services
from commands.settings.model import Actor, ChatKey
from commands.settings.store import SettingsStore
from tests.support.chat import NOW, MakeContext, make_services

FORMATS = ("telegram_html", "discord", "text")
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
MENTION_MARKUP = re.compile(r"<[@#]|@(everyone|here)\b")
CODE_SPAN = re.compile(r"`[^`]*`")


def texts(messages: list[Message]) -> list[str]:
    """Every piece of text a platform would show: message text and embed JSON."""
    return [m.text + (json.dumps(m.embed, ensure_ascii=False) if m.embed else "") for m in messages]


def outside_code(text: str) -> str:
    return CODE_SPAN.sub("", text)


def rendered(services: Services, ctx: CommandContext, line: str) -> dict[str, list[Message]]:
    reply = dispatch(line, ctx, services)
    return {fmt: render(reply, fmt) for fmt in FORMATS}


def test_a_100_kb_argument_comes_back_cut_in_one_message(
    services: Services, context: MakeContext
) -> None:
    huge = "9" * 100_000
    for line in (f"/carry threshold pressure {huge}", f"/carry {huge}", f"/carry lang {huge}"):
        for fmt, messages in rendered(services, context(), line).items():
            assert len(messages) == 1, (fmt, line[:30], len(messages))
            (text,) = texts(messages)
            assert "9" * 63 + "…" in text and "9" * 64 not in text, fmt


def test_echo_cuts_to_64_characters_on_one_line() -> None:
    assert echo("x" * 64) == "x" * 64
    assert echo("x" * 65) == "x" * 63 + "…" and len(echo("x" * 65)) == 64
    assert echo("Asia/\nTokyo\t now") == "Asia/ Tokyo now"
    assert echo("a\x00b\u202ec\ud800d\x85e") == "abcde"


UNSAFE_SAMPLES = ["\x00", "\x07", "\x1b[31m", "\r", "\x85", "\ud800", "\udfff", "\u202e", "\u2067"]


@pytest.mark.parametrize("bad", UNSAFE_SAMPLES, ids=[f"U+{ord(c[0]):04X}" for c in UNSAFE_SAMPLES])
def test_unsafe_characters_reach_no_format(
    bad: str, services: Services, context: MakeContext
) -> None:
    ctx = context(user_name=f"Ai{bad}ko", chat_title=f"Carry{bad}desk")
    lines = [f"/carry lang fr{bad}", f"/carry subscribe 08:00 Tok{bad}yo", f"/carry x{bad}y"]
    lines += ["/carry threshold pressure 55", "/carry settings"]
    for line in lines:
        for fmt, messages in rendered(services, ctx, line).items():
            for text in texts(messages):
                assert not UNSAFE.search(text), (fmt, line, text[:200])
    assert (
        f"{clean('Ai' + bad + 'ko')} changed the unwind pressure threshold from 65 to 55"
        in texts(rendered(services, ctx, "/carry settings")["text"])[0]
    )


MENTIONS = ["@everyone", "@here", "<@123456789012345678>", "<@!123456789012345678>"]
MENTIONS += ["<@&123456789012345678>", "<#123456789012345678>"]


@pytest.mark.parametrize("mention", MENTIONS)
def test_no_mention_can_fire_on_discord(
    mention: str, services: Services, context: MakeContext
) -> None:
    ctx = context(platform="discord", chat_id="900", channel_id="5", chat_title=f"Desk {mention}")
    for line in (f"/carry lang {mention}", f"/carry {mention}", "/carry settings"):
        for text in texts(rendered(services, ctx, line)["discord"]):
            assert not MENTION_MARKUP.search(outside_code(text)), (line, text[:200])


def test_nul_in_a_name_is_removed_before_the_database(engine: Engine) -> None:
    store = SettingsStore(engine)
    key = ChatKey("telegram", "-1001")
    store.update(key, {"pressure_threshold": 55}, Actor("4\x002", "Ai\x00ko"), NOW)
    store.update(key, {"alerts": True}, Actor("42", "Ai\x00ko"), NOW)
    with engine.connect() as conn:
        names = conn.execute(select(settings_changes_table.c.user_name)).scalars().all()
    assert names == ["Aiko", "Aiko"]
    change = store.last_change(key)
    assert change is not None and (change.user_id, change.user_name) == ("42", "Aiko")


def test_a_nul_in_a_display_name_does_not_break_settings_on_postgresql(
    postgres_url: str,
) -> None:
    services = make_services(postgres_url)
    ctx = CommandContext("telegram", "-1001", "42", "Ai\x00ko", True, now=NOW)
    try:
        reply = dispatch("/carry threshold pressure 55", ctx, services)
        assert reply.ok and reply.template == "changed"
        shown = render(dispatch("/carry settings", ctx, services), "text")[0].text
        assert "Aiko changed the unwind pressure threshold from 65 to 55" in shown
    finally:
        services.settings.engine.dispose()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Services:
    return make_services(f"sqlite:///{tmp_path_factory.mktemp('hygiene') / 'h.sqlite3'}")


UNSAFE_CHARACTERS = [chr(c) for c in (0, 7, 0x1B, 0x7F, 0x85, 0xD800, 0xDFFF, 0x202E, 0x2066)]
hostile = st.text(
    alphabet=st.characters(exclude_categories=()) | st.sampled_from([*UNSAFE_CHARACTERS, "<", "@"]),
    max_size=200,
) | st.sampled_from(["@everyone", "<#123456789012345678>", "<@&123456789012345678>", "x" * 5000])


@settings(max_examples=150, deadline=None)
@given(
    typed=hostile,
    title=hostile,
    name=hostile,
    command=st.sampled_from(["lang", "", "subscribe 08:00", "threshold fuel", "chart"]),
)
def test_any_input_renders_safely_everywhere(
    shared: Services, typed: str, title: str, name: str, command: str
) -> None:
    ctx = CommandContext(
        "discord", "900", "1", name, True, channel_id="5", chat_title=title, now=NOW
    )
    reply = dispatch(f"/carry {command} {typed}", ctx, shared)
    for fmt in FORMATS:
        messages = render(reply, fmt)
        if not reply.ok:
            assert len(messages) == 1
        for text in texts(messages):
            assert not UNSAFE.search(text)
            if fmt == "discord":
                assert not MENTION_MARKUP.search(outside_code(text))
