"""An index of campaign messages by patient: unlinking one patient's messages (an erasure, a
retention disposal) was a scan of every message

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_message_subject", ["organisation_id", "subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_message_subject")
