"""Defaults the CLI offers and the runtime applies (standard library only: the CLI's parser reads it)."""

from __future__ import annotations

DEFAULT_REFRESH_MINUTES = 60.0  # `carrybot run` fetches the public sources this often
REFRESH_BUDGET = 600.0  # at most this long per refresh: a first one downloads decades of history
