"""Marketing campaigns and the messages they sent

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject_line", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id", "campaign_id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "campaign_message",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unsubscribed", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "message_id", name=op.f("pk_campaign_message")),
    )
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_message_campaign", ["organisation_id", "campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_message_sent", ["organisation_id", "sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_message", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_message_sent")
        batch_op.drop_index("ix_campaign_message_campaign")
    op.drop_table("campaign_message")
    op.drop_table("campaign")
