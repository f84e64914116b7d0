"""Policy decisions learnt after the packaged tables: announced, live-detected or added by hand.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bank", sa.String(8), nullable=False),
        sa.Column("decided", sa.Date, nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("lower", sa.Float, nullable=False),
        sa.Column("upper", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("between_meetings", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(256), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("bank", "decided", name="uq_policy_decision"),
    )


def downgrade() -> None:
    op.drop_table("policy_decisions")
