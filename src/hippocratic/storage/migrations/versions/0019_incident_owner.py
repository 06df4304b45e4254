"""An incident's owner from the incident team (S1-25); the service a campaign is about (S0-42)

Revision ID: 0019
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("owner", sa.String(128), nullable=True))
    op.add_column("incident", sa.Column("owned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("campaign", sa.Column("service", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("service")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("owned_at")
        batch.drop_column("owner")
