"""When each of a patient's values was last given or confirmed (S0-118)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subject_field", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE subject_field SET verified_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("subject_field", schema=None) as batch_op:
        batch_op.drop_column("verified_at")
