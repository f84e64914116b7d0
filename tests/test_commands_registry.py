"""The grammar and the dispatcher: prefixes, unknown commands, help, and failures as replies."""

from __future__ import annotations

import logging

import pytest

from commands.dispatch import dispatch, registry
from commands.grammar import tokenize
from commands.presentation.render import render_text
from commands.services import Services
from tests.support.chat import MakeContext


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("/carry", []),
        ("/carry chart gap 1y", ["chart", "gap", "1y"]),
        ("/carry@CarryBot explain", ["explain"]),
        ("  /CARRY  settings ", ["settings"]),
        ("carry help", ["help"]),
        ("/carryon", None),
        ("hello", None),
        ("", None),
    ],
)
def test_tokenize(text: str, words: list[str] | None) -> None:
    assert tokenize(text) == words


def test_slash_command_options_arrive_as_words(services: Services, context: MakeContext) -> None:
    reply = dispatch(["chart", "pressure", "5y"], context(), services)
    assert reply.ok and reply.context["kind"] == "pressure"
    assert dispatch([], context(), services).template == "carry"


def test_a_line_without_carry_gets_a_hint(services: Services, context: MakeContext) -> None:
    reply = dispatch("what is the gap?", context(), services)
    assert not reply.ok
    assert render_text(reply) == "Commands start with /carry. Type /carry help to see them all."


def test_unknown_command_suggests_the_closest(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry thresold pressure 50", context(), services))
    assert text == (
        "There is no /carry thresold. Did you mean /carry threshold?\n"
        "Type /carry help for the list of commands."
    )


def test_unknown_command_without_a_close_match(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry xyzzy", context(), services))
    assert text == "There is no /carry xyzzy.\nType /carry help for the list of commands."


def test_help_lists_every_command(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry help", context(), services))
    for command in registry().commands:
        assert command.usage in text


@pytest.mark.parametrize("name", [c.name or "carry" for c in registry().commands])
def test_every_command_has_help(services: Services, context: MakeContext, name: str) -> None:
    asks = [f"/carry help {name}"] + ([f"/carry {name} help"] if name != "carry" else [])
    for text in asks:
        reply = dispatch(text, context(), services)
        assert reply.ok and reply.template == "help"
        rendered = render_text(reply)
        command = registry().get("" if name == "carry" else name)
        assert command is not None
        assert rendered.startswith(command.usage)
        assert f"Example: {command.example}" in rendered
        assert ("Only the group's administrators can use it." in rendered) == command.moderator_only


def test_help_for_an_unknown_command(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry help chrt", context(), services))
    assert "Did you mean /carry chart?" in text


def test_extra_words_are_explained(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry explain everything", context(), services))
    assert text == (
        "/carry explain does not take “everything”.\n"
        "Use /carry explain, for example /carry explain."
    )


def test_a_bad_chart_window_names_the_choices(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry chart gap 10y", context(), services))
    assert text == (
        "“10y” is not one of gap|pressure|markets|3m|1y|5y|max.\n"
        "Use /carry chart [gap|pressure|markets] [3m|1y|5y|max], for example /carry chart pressure 5y."
    )


def test_a_repeated_option_is_explained(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry chart 1y 5y", context(), services))
    assert text.startswith("/carry chart does not take “5y”.")


def test_an_unexpected_failure_is_an_apology_and_a_log(
    services: Services,
    context: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services.snapshots, "current", broken)
    with caplog.at_level(logging.ERROR, logger="commands.grammar"):
        reply = dispatch("/carry", context(), services)
    assert not reply.ok and reply.context["code"] == "internal"
    assert render_text(reply).startswith("Sorry, something went wrong while answering.")
    assert "database on fire" in caplog.text


def test_a_failing_settings_store_is_an_apology_too(
    services: Services, context: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(key: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(services.settings, "find", broken)
    reply = dispatch("/carry settings", context(locale="ja"), services)
    assert reply.context["code"] == "internal" and reply.locale == "ja"
