"""Argument types and the parser class of the ``carrybot`` command line.

Each type checks one kind of value when the arguments are parsed, so a mistake is reported as
one ``error: …`` line (with the usage above it) before any data is loaded.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

from analytics.errors import CarrybotError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EXAMPLE_DATE = "2024-08-05"
BRIEF_BUDGET = 30.0  # seconds `carrybot brief` may spend refreshing stale sources first


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose mistakes end in one ``error: …`` line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand (at any depth) its one-line help as the description of its own
    ``--help`` page, where it has none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and helps.get(name):
                    sub.description = str(helps[name]).capitalize() + "."
                describe_subcommands(sub)


def add_refresh_arguments(parser: argparse.ArgumentParser) -> None:
    """``--offline`` and ``--budget`` of ``carrybot brief``."""
    parser.add_argument(
        "--offline",
        action="store_true",
        help="do not refresh first: brief from what the store already holds",
    )
    parser.add_argument(
        "--budget",
        type=seconds,
        default=BRIEF_BUDGET,
        metavar="SECONDS",
        help="time allowed for refreshing stale sources before the briefing "
        f"(default {BRIEF_BUDGET:.0f}); after it the stored data is used",
    )


def iso_date(text: str) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    if _ISO_DATE.fullmatch(text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(
        f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. {EXAMPLE_DATE}"
    )


def past_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date no later than today: there is no data about the future."""
    day = iso_date(text)
    today = date.today()
    if day > today:
        raise argparse.ArgumentTypeError(
            f"{day:%Y-%m-%d} is in the future: there is no data for it yet; "
            f"give today ({today:%Y-%m-%d}) or an earlier day"
        )
    return day


def seconds(text: str) -> float:
    """A positive number of seconds, at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(
            f"{text} s is out of range: give more than 0 and at most 3600 seconds"
        )
    return value


def output_file(text: str) -> Path:
    """A file path that can be written: its folder exists and is writable."""
    path = Path(text).expanduser()
    problem = _unwritable_file(path)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {path}: {problem}")
    return path


def raw_folder(text: str) -> Path:
    """An existing folder to read raw public files from."""
    path = Path(text).expanduser()
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        raise argparse.ArgumentTypeError(
            f"{path} {what}: point it at a folder of raw public files, e.g. ../shared/data/raw"
        )
    return path


def unwritable_folder(path: Path) -> str | None:
    """Why files cannot be written into ``path`` (None when they can); the folder may be
    created later, so a missing folder is fine when its nearest existing parent is writable."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {existing} is not writable"
    return None


def write_output(path: Path, data: bytes) -> None:
    """Write a file the user asked for; an OS error becomes one readable error line."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CarrybotError(
            f"cannot write {path}: {exc.strerror or exc}; choose another path"
        ) from exc


def unexpected(exc: BaseException, verbose: bool) -> str:
    """The one line for a failure nobody foresaw (the traceback goes to the log with ``-v``)."""
    where = "the traceback is above" if verbose else "run again with -v to see the traceback"
    return f"unexpected {type(exc).__name__}: {exc} ({where}; please report it)"


def _unwritable_file(path: Path) -> str | None:
    if path.is_dir():
        return "it is a folder; give a file name, e.g. " + str(path / "chart.png")
    folder = path.parent
    if not folder.exists():
        return f"the folder {folder} does not exist; create it or choose another path"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable; choose another path"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable; choose another path"
    return None
