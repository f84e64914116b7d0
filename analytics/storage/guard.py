"""The SQLite file a process opened must still be the file at its path when a change is committed.

SQLite keeps writing to a file that was deleted (or replaced by another) under a running process:
every later change then lands in a file no one will open again, and a restart loses it. The
guard remembers the file's device and inode when the first connection opens it and checks them
before every commit and every new connection; a file gone or replaced raises
``StoreUnavailable``, so the change is not committed and the caller cannot confirm it.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from analytics.storage.errors import StoreUnavailable

_GUARDS: weakref.WeakKeyDictionary[Engine, FileGuard] = weakref.WeakKeyDictionary()


class FileGuard:
    """The identity (device, inode) of one SQLite file, checked on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().absolute()
        self.identity: tuple[int, int] | None = None

    def remember(self) -> None:
        """Record the file's identity the first time it exists (SQLite creates it on connect)."""
        if self.identity is None:
            try:
                stat = os.stat(self.path)
            except OSError:
                return
            self.identity = (stat.st_dev, stat.st_ino)

    def problem(self) -> str | None:
        """What is wrong with the file (None while it is the one opened, or none was yet)."""
        if self.identity is None:
            return None
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return (
                f"the data store is unavailable: the SQLite database {self.path} was deleted "
                "while carrybot was running, so no change can be saved. Restore the file from "
                "a backup, then restart carrybot"
            )
        except OSError as exc:
            return (
                f"the data store is unavailable: the SQLite database {self.path} cannot be "
                f"checked ({exc.strerror}); fix its folder's permissions, then restart carrybot"
            )
        if (stat.st_dev, stat.st_ino) != self.identity:
            return (
                f"the data store is unavailable: the SQLite database {self.path} was replaced "
                "by another file while carrybot was running, so no change is saved to either. "
                "Restart carrybot to use the file now at that path"
            )
        return None

    def check(self) -> None:
        """Raise ``StoreUnavailable`` when the file is gone or replaced."""
        problem = self.problem()
        if problem is not None:
            raise StoreUnavailable(problem)


def install(engine: Engine, path: Path) -> FileGuard:
    """Guard ``engine``'s SQLite file: checked before each new connection and each commit."""
    guard = FileGuard(path)
    _GUARDS[engine] = guard

    def before_connect(*_args: Any) -> None:
        guard.check()  # before SQLite would create an empty file where the database was

    def after_connect(*_args: Any) -> None:
        guard.remember()

    def before_commit(*_args: Any) -> None:
        guard.check()

    event.listen(engine, "do_connect", before_connect)
    event.listen(engine, "connect", after_connect)
    event.listen(engine, "commit", before_commit)
    return guard


def file_guard(engine: Engine) -> FileGuard | None:
    """The guard of a SQLite file engine (None for PostgreSQL and in-memory SQLite)."""
    return _GUARDS.get(engine)
