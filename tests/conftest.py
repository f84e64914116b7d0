"""Shared fixtures: databases (SQLite and the local PostgreSQL) and the local HTTP server."""

from collections.abc import Iterator

import pytest

from tests.support.http_server import LocalServer

pytest_plugins = ["tests.support.databases"]


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A started local HTTP server with no routes; point a source at it with monkeypatch.setenv."""
    with LocalServer() as server:
        yield server


# Command-layer fixtures (services on a synthetic snapshot, chat contexts).
pytest_plugins = [*pytest_plugins, "tests.support.chat"]
