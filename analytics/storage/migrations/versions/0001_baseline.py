"""Baseline: the nine tables of the release before migrations; adopts a database it wrote.

That release created its tables itself, without a version table. This revision creates every
table a database lacks and checks that the ones it has carry their columns, so a database of
that release is brought under migrations in place, every row kept. The definitions below are
frozen as that release wrote them: later changes go in later revisions, never here.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from analytics.storage.errors import DatabaseError

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables(meta: sa.MetaData) -> list[sa.Table]:
    c = sa.Column
    tz = sa.DateTime(timezone=True)
    return [
        sa.Table(
            "observations",
            meta,
            c("series", sa.String(48), primary_key=True),
            c("date", sa.Date, primary_key=True),
            c("value", sa.Float, nullable=False),
            c("source", sa.String(24), nullable=False),
            c("released", sa.Date, nullable=True),
            c("fetched_at", tz, nullable=False),
        ),
        sa.Table(
            "meta",
            meta,
            c("key", sa.String(64), primary_key=True),
            c("value", sa.Text, nullable=False),
        ),
        sa.Table(
            "chat_settings",
            meta,
            c("platform", sa.String(16), primary_key=True),
            c("chat_id", sa.String(64), primary_key=True),
            c("channel_id", sa.String(64), primary_key=True),
            c("briefing", sa.Boolean, nullable=False),
            c("briefing_time", sa.String(5), nullable=False),
            c("timezone", sa.String(64), nullable=False),
            c("language", sa.String(8), nullable=False),
            c("alerts", sa.Boolean, nullable=False),
            c("pressure_threshold", sa.Integer, nullable=False),
            c("fuel_threshold", sa.Integer, nullable=False),
            c("updated_at", tz, nullable=False),
        ),
        sa.Table(
            "settings_changes",
            meta,
            c("id", sa.Integer, primary_key=True, autoincrement=True),
            c("change_id", sa.String(32), nullable=False, index=True),
            c("platform", sa.String(16), nullable=False, index=True),
            c("chat_id", sa.String(64), nullable=False),
            c("channel_id", sa.String(64), nullable=False),
            c("field", sa.String(32), nullable=False),
            c("old_value", sa.String(128), nullable=False),
            c("new_value", sa.String(128), nullable=False),
            c("user_id", sa.String(64), nullable=False),
            c("user_name", sa.String(128), nullable=False),
            c("changed_at", tz, nullable=False),
        ),
        sa.Table(
            "chat_state",
            meta,
            c("platform", sa.String(16), primary_key=True),
            c("chat_id", sa.String(64), primary_key=True),
            c("chat_type", sa.String(16), nullable=False),
            c("title", sa.String(256), nullable=False),
            c("member_status", sa.String(16), nullable=False),
            c("disabled", sa.Boolean, nullable=False),
            c("disabled_reason", sa.String(64), nullable=False),
            c("migrated_to", sa.String(64), nullable=True),
            c("updated_at", tz, nullable=False),
        ),
        sa.Table(
            "platform_files",
            meta,
            c("platform", sa.String(16), primary_key=True),
            c("digest", sa.String(64), primary_key=True),
            c("file_id", sa.String(256), nullable=False),
            c("created_at", tz, nullable=False),
        ),
        sa.Table(
            "deliveries",
            meta,
            c("id", sa.Integer, primary_key=True, autoincrement=True),
            c("platform", sa.String(16), nullable=False),
            c("chat_id", sa.String(64), nullable=False),
            c("channel_id", sa.String(64), nullable=False),
            c("kind", sa.String(16), nullable=False),
            c("key", sa.String(64), nullable=False),
            c("day", sa.Date, nullable=False),
            c("state", sa.String(16), nullable=False),
            c("nonce", sa.String(32), nullable=False),
            c("locale", sa.String(8), nullable=False),
            c("payload", sa.Text, nullable=False),
            c("snapshot_version", sa.String(64), nullable=False),
            c("due_at", tz, nullable=False),
            c("not_before", tz, nullable=False),
            c("created_at", tz, nullable=False),
            c("claimed_by", sa.String(128), nullable=True),
            c("claimed_at", tz, nullable=True),
            c("attempts", sa.Integer, nullable=False),
            c("sent_at", tz, nullable=True),
            c("message_id", sa.String(256), nullable=True),
            c("error", sa.String(512), nullable=False),
            c("updated_at", tz, nullable=False),
            sa.UniqueConstraint(
                "platform", "chat_id", "channel_id", "kind", "key", name="uq_delivery_key"
            ),
            sa.Index("ix_deliveries_claim", "state", "not_before"),
            sa.Index("ix_deliveries_day", "day"),
            sa.Index("ix_deliveries_chat", "platform", "chat_id", "channel_id", "kind", "due_at"),
        ),
        sa.Table(
            "scheduler_state",
            meta,
            c("name", sa.String(32), primary_key=True),
            c("at", tz, nullable=False),
        ),
        sa.Table(
            "alert_state",
            meta,
            c("platform", sa.String(16), primary_key=True),
            c("chat_id", sa.String(64), primary_key=True),
            c("channel_id", sa.String(64), primary_key=True),
            c("version", sa.String(64), nullable=False),
            c("regime", sa.String(32), nullable=False),
            c("c", sa.Float, nullable=True),
            c("fuel", sa.Float, nullable=True),
            c("pressure_armed", sa.Boolean, nullable=False),
            c("fuel_armed", sa.Boolean, nullable=False),
            c("updated_at", tz, nullable=False),
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    tables = _tables(sa.MetaData())
    for table in tables:  # check everything before changing anything
        if table.name in present:
            have = {column["name"] for column in inspector.get_columns(table.name)}
            lacking = sorted(set(table.columns.keys()) - have)
            if lacking:
                raise DatabaseError(
                    f"the database's table {table.name} has no column(s) {', '.join(lacking)}: "
                    "carrybot did not write it; point CARRYBOT_DATABASE_URL at another database"
                )
    for table in tables:
        if table.name not in present:
            table.create(bind)
            continue
        indexes = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(bind)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: that would delete every table")
