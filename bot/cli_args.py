"""Argument types and the parser class of the ``carrybot`` command line.

Each type checks one kind of value when the arguments are parsed, so a mistake is reported as
one ``error: …`` line (with the usage above it) before any data is loaded.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose mistakes end in one ``error: …`` line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


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
