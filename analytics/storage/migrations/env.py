"""Alembic environment: migrations run on the connection ``analytics.storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from analytics.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `carrybot db upgrade` (analytics.storage.migrate)")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
