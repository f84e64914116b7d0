"""The ``carrybot`` command line: brief, chat, run, worker, deliveries, status, refresh, backtest, db, seed.

``main`` parses (``bot.cli.parser``, standard library only), then runs the command's handler,
which imports what it needs (pandas, SQLAlchemy, the chat platforms) only when it runs. Every
failure ends in one ``error: …`` line.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from bot.cli.args import unexpected
from bot.cli.parser import parser

__all__ = ["main", "parser"]

log = logging.getLogger("carrybot")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from analytics.errors import CarrybotError
    from analytics.storage.errors import DatabaseError

    try:
        return int(args.handler(args))
    except (CarrybotError, DatabaseError) as exc:
        if args.verbose:
            log.exception("carrybot %s failed", args.command)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last resort: one line, the traceback only with -v
        log.info("%s failed", args.command, exc_info=True)
        print(f"error: {unexpected(exc, args.verbose)}", file=sys.stderr)
        return 1
