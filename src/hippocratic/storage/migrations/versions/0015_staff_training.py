"""Staff confidentiality agreements and data-security training dates (L-13)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("confidentiality_signed_at", sa.Date(), nullable=True))
    op.add_column("staff", sa.Column("training_completed_at", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("training_completed_at")
        batch.drop_column("confidentiality_signed_at")
