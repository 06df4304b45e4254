"""Breach scoping and research extracts (#16): the ledger's time collated byte by byte on
PostgreSQL and indexed for windows

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Under a database collation such as en-GB, "+" sorts after ".", so a whole second
        # compared as later than a fraction of it: windows must compare byte by byte.
        op.alter_column(
            "audit_event",
            "at",
            type_=sa.String(length=40, collation="C"),
            existing_type=sa.String(length=40),
            existing_nullable=False,
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_at", ["organisation_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_at")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_event",
            "at",
            type_=sa.String(length=40),
            existing_type=sa.String(length=40, collation="C"),
            existing_nullable=False,
        )
