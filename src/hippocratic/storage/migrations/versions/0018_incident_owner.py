"""An incident's owner from the incident team (S1-25); the service a campaign is about (S0-42);
the security log of sign-in attempts, the only table with a full IP address (S0-10)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("owner", sa.String(128), nullable=True))
    op.add_column("incident", sa.Column("owned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("campaign", sa.Column("service", sa.String(64), nullable=True))
    op.create_table(
        "access_log",
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(45), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.organisation_id"],
            name=op.f("fk_access_log_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "entry_id", name=op.f("pk_access_log")),
    )
    op.create_index("ix_access_log_at", "access_log", ["organisation_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_table("access_log")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("service")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("owned_at")
        batch.drop_column("owner")
