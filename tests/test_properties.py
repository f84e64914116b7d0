"""Whatever a user types after /carry, the command layer answers it on purpose: never through the
catch-all that turns an unexpected exception into "something went wrong" (code ``internal``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.context import CommandContext
from commands.dispatch import dispatch, registry
from commands.presentation.render import render
from commands.reply import Reply
from commands.services import Services
from tests.support.chat import NOW, make_services

WORDS = sorted(
    {c.name for c in registry().commands if c.name}
    | {choice for c in registry().commands for a in c.args for choice in a.choices}
    | {"help", "08:00", "25:00", "Asia/Tokyo", "Tokyo", "55", "-1", "101", "ja", "zh", "fr"}
)
word = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12))
arguments = st.lists(word, max_size=5).map(" ".join)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """One set of services for every generated example (settings persist between them)."""
    return make_services(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.sqlite3'}")


@settings(max_examples=300, deadline=None)
@given(text=arguments, moderator=st.booleans(), locale=st.sampled_from([None, "ja", "zh-TW", "xx"]))
def test_any_argument_string_yields_a_reply(
    shared: Services, text: str, moderator: bool, locale: str | None
) -> None:
    ctx = CommandContext("telegram", "-1", "1", "Aiko", moderator, locale=locale, now=NOW)
    reply = dispatch(f"/carry {text}", ctx, shared)
    assert not _caught(reply), reply
    for fmt in ("text", "telegram_html", "discord"):
        assert render(reply, fmt)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_line_at_all_yields_a_reply(shared: Services, text: str) -> None:
    ctx = CommandContext("discord", "900", "1", "Ben", True, channel_id="5", now=NOW)
    assert not _caught(dispatch(text, ctx, shared))
    assert not _caught(dispatch(text.split(), ctx, shared))


def _caught(reply: Reply) -> bool:
    """True when the reply is the catch-all's answer to an exception nothing handled."""
    return reply.template == "error" and reply.context.get("code") == "internal"
