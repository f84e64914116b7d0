"""`carrybot --help` and every command's help say what each option does, today."""

from __future__ import annotations

import argparse

import pytest

from bot import cli
from bot.cli import main


def parsers(
    parser: argparse.ArgumentParser, path: str = "carrybot"
) -> list[tuple[str, argparse.ArgumentParser]]:
    """The parser and every subcommand's parser, at any depth, with their command line."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += parsers(sub, f"{path} {name}")
    return found


def test_every_command_and_option_has_help() -> None:
    for path, parser in parsers(cli.parser()):
        assert parser.description, f"{path} --help has no description"
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing = [c.dest for c in action._choices_actions if not c.help]
                assert not missing, f"{path}: subcommands without help: {missing}"
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help and action.help != argparse.SUPPRESS, f"{path} {name} has no help"


def test_the_overview_describes_the_tool_and_every_command() -> None:
    text = cli.parser().format_help()
    assert "as they land" not in text  # the first draft's description, long out of date
    assert "yen carry trade" in text and "CARRYBOT_DATABASE_URL" in text
    for name in (
        "brief",
        "chat",
        "run",
        "deliveries",
        "status",
        "refresh",
        "backtest",
        "db",
        "seed",
    ):
        assert f"    {name} " in text


def test_dates_are_shown_as_the_format_they_take() -> None:
    for path, parser in parsers(cli.parser()):
        for action in parser._actions:
            if action.dest in {"date", "start", "end"}:
                assert action.metavar == "YYYY-MM-DD", f"{path} {action.option_strings}"


def test_brief_help_tells_about_the_refresh(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["brief", "--help"])
    text = capsys.readouterr().out
    assert "Refresh stale sources, then print the day's briefing" in text
    assert "--offline" in text and "--budget SECONDS" in text and "(default 30)" in text
