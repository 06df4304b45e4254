"""Fraud markers: basis, evidence, four-eyes review, exemption and the patient's challenge

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fraud_marker",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("marker_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.LargeBinary(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.LargeBinary(), nullable=True),
        sa.Column("exemption", sa.LargeBinary(), nullable=True),
        sa.Column("exempted_by", sa.String(length=128), nullable=True),
        sa.Column("exempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("statement", sa.LargeBinary(), nullable=True),
        sa.Column("challenged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.LargeBinary(), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=128), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_fraud_marker_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "marker_id", name=op.f("pk_fraud_marker")),
    )
    with op.batch_alter_table("fraud_marker", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fraud_marker_subject",
            ["organisation_id", "subject_id", "recorded_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("fraud_marker", schema=None) as batch_op:
        batch_op.drop_index("ix_fraud_marker_subject")

    op.drop_table("fraud_marker")
