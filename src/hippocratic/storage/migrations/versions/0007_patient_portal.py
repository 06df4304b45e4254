"""The patient portal: one-time sign-in codes and patients' sessions

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_sign_in_code",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("code_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_patient_sign_in_code_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "code_id", name=op.f("pk_patient_sign_in_code")),
    )
    with op.batch_alter_table("patient_sign_in_code", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patient_sign_in_code_subject",
            ["organisation_id", "subject_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "patient_session",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_patient_session_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "token_hash", name=op.f("pk_patient_session")),
    )
    with op.batch_alter_table("patient_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patient_session_subject", ["organisation_id", "subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_session", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_session_subject")

    op.drop_table("patient_session")
    with op.batch_alter_table("patient_sign_in_code", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_sign_in_code_subject")

    op.drop_table("patient_sign_in_code")
