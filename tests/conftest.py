"""Shared fixtures: databases (SQLite and the local PostgreSQL) and the local HTTP server."""

pytest_plugins = ["tests.support.databases"]
