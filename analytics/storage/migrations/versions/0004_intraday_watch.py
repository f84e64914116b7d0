"""The intraday watch: price bars, requests per provider and day, polling state, each chat's
intraday-alert memory, and two chat settings (move threshold, intraday alerts on/off).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_settings") as batch:
        batch.add_column(
            sa.Column("move_threshold", sa.Float, nullable=False, server_default=sa.text("2.0"))
        )
        batch.add_column(
            sa.Column("intraday_alerts", sa.Boolean, nullable=False, server_default=sa.true())
        )
    op.create_table(
        "intraday_bars",
        sa.Column("instrument", sa.String(16), primary_key=True),
        sa.Column("start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("open", sa.Float, nullable=False),
        sa.Column("high", sa.Float, nullable=False),
        sa.Column("low", sa.Float, nullable=False),
        sa.Column("close", sa.Float, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intraday_bars_start", "intraday_bars", ["start"])
    op.create_table(
        "intraday_requests",
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intraday_sources",
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(256), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intraday_alert_state",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("armed", sa.Boolean, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("episode", sa.String(64), nullable=False),
        sa.Column("high", sa.Float, nullable=True),
        sa.Column("low", sa.Float, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intraday_alert_state")
    op.drop_table("intraday_sources")
    op.drop_table("intraday_requests")
    op.drop_index("ix_intraday_bars_start", table_name="intraday_bars")
    op.drop_table("intraday_bars")
    with op.batch_alter_table("chat_settings") as batch:
        batch.drop_column("intraday_alerts")
        batch.drop_column("move_threshold")
