"""``carrybot chat``: the ``/carry`` commands in a terminal, through the same command layer.

The console is one local chat (platform ``console``, chat ``local``) stored in the same database
as the real chats; its user moderates it. Lines come from a terminal (with a prompt) or from a
pipe (``printf '/carry\\n' | carrybot chat``, each command echoed before its answer). Charts are
written as PNG files and their paths printed. A command that fails, or a chart that cannot be
written, prints an ``error:`` line and the session goes on.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.presentation.render import render
from commands.sanitize import echo
from commands.services import Services

log = logging.getLogger(__name__)

PLATFORM = "console"
CHAT_ID = "local"
PROMPT = "carry> "
LEAVE = frozenset({"exit", "quit", "/exit", "/quit"})


def console_user() -> str:
    """The operating-system user name (``console`` when it cannot be found)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"


def _now() -> datetime:
    return datetime.now(UTC)


def run_chat(
    stdin: TextIO,
    stdout: TextIO,
    services: Services,
    chart_dir: Path,
    user_name: str | None = None,
    clock: Callable[[], datetime] = _now,
) -> int:
    """Answer ``/carry`` lines until end of input (or ``exit``); returns the exit status."""
    interactive = stdin.isatty()
    user = user_name or console_user()
    if interactive:
        stdout.write("carrybot chat: type /carry help for the commands, exit or Ctrl-D to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in LEAVE:
            break
        if not interactive:
            stdout.write(f"> {echo(text)}\n")
        ctx = CommandContext(
            platform=PLATFORM,
            chat_id=CHAT_ID,
            user_id=user,
            user_name=user,
            is_moderator=True,
            chat_title="console",
            now=clock(),
        )
        try:
            _answer(text, ctx, services, chart_dir, stdout)
        except Exception as exc:  # one failing command never ends the session
            log.info("console command failed: %r", text, exc_info=True)  # shown with -v
            stdout.write(f"error: that command failed ({type(exc).__name__}: {exc}); try another\n")
        stdout.write("\n")
        stdout.flush()
    return 0


def _answer(
    text: str, ctx: CommandContext, services: Services, chart_dir: Path, stdout: TextIO
) -> None:
    reply = dispatch(text, ctx, services)
    for message in render(reply, "text"):
        stdout.write(message.text.rstrip() + "\n")
        if message.image is not None:
            try:
                path = _save(chart_dir, message.filename or "carry-chart.png", message.image)
            except OSError as exc:
                stdout.write(f"error: {chart_not_saved(chart_dir, exc)}\n")
            else:
                stdout.write(f"chart: {path}\n")


def chart_not_saved(directory: Path, exc: OSError) -> str:
    """Why a chart could not be written, and what to do about it."""
    return (
        f"cannot save the chart in {directory} ({exc.strerror or exc}); "
        "start carrybot chat with --chart-dir set to a writable folder"
    )


def _save(directory: Path, filename: str, png: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / Path(filename).name).resolve()
    path.write_bytes(png)
    return path
