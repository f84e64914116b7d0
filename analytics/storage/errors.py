"""The error every database-opening problem ends in."""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be opened or used as it is; the message names the problem and the fix
    in one line (the CLI prints it as ``error: …``)."""


class StoreUnavailable(DatabaseError):
    """The data store cannot take changes now (its SQLite file was deleted or replaced under the
    running process); the message says so and what the operator must do."""
