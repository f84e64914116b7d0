"""Deliveries record why they ended as they did: a reason code ``carrybot deliveries`` explains.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reason", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reason")
