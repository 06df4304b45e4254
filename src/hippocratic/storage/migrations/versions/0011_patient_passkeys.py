"""Patients' passkeys for the portal, and their ceremonies' one-time challenges

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_passkey_challenge",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("challenge", sa.LargeBinary(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "organisation_id", "challenge_id", name=op.f("pk_patient_passkey_challenge")
        ),
    )
    op.create_table(
        "patient_passkey",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_patient_passkey_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "credential_id", name=op.f("pk_patient_passkey")
        ),
    )
    with op.batch_alter_table("patient_passkey", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patient_passkey_subject", ["organisation_id", "subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_passkey", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_passkey_subject")

    op.drop_table("patient_passkey")
    op.drop_table("patient_passkey_challenge")
