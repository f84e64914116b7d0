"""Fixtures for the command layer: services on the synthetic snapshot, and chat contexts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analytics.storage.database import open_database
from commands.context import CommandContext
from commands.services import Services
from commands.settings.store import SettingsStore
from tests.support.snapshots import provider

NOW = datetime(2026, 6, 12, 9, 30, tzinfo=UTC)
MakeContext = Callable[..., CommandContext]


def make_services(settings_url: str, kind: str = "stressed") -> Services:
    """Services with settings in ``settings_url`` and the synthetic snapshot of ``kind``."""
    return Services(SettingsStore(open_database(settings_url)), provider(kind))


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Services on the stressed synthetic snapshot, settings in a fresh SQLite file."""
    svc = make_services(f"sqlite:///{tmp_path / 'chat.sqlite3'}")
    yield svc
    svc.settings.engine.dispose()


@pytest.fixture
def context() -> MakeContext:
    """A factory of contexts: a Telegram group moderator unless told otherwise."""

    def make(**overrides: Any) -> CommandContext:
        values: dict[str, Any] = {
            "platform": "telegram",
            "chat_id": "-1001",
            "user_id": "42",
            "user_name": "Aiko",
            "is_moderator": True,
            "chat_title": "Carry desk",
            "now": NOW,
        }
        values.update(overrides)
        return CommandContext(**values)

    return make
