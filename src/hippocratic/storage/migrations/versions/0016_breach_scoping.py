"""Breach scoping and research extracts (#16): the ledger's time collated byte by byte on
PostgreSQL and indexed for windows and by actor; releases in the disclosure log; the national
data opt-out

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hippocratic.storage.disclosure import RELEASES, install_triggers

revision = "0016"
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
        batch_op.create_index(
            "ix_audit_event_actor", ["organisation_id", "actor", "at"], unique=False
        )
    op.create_table(
        "disclosure_release",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("release_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("project", sa.String(length=120), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "release_id", name=op.f("pk_disclosure_release")
        ),
    )
    with op.batch_alter_table("disclosure_release", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disclosure_release_recipient", ["organisation_id", "recipient", "at"], unique=False
        )
    install_triggers(op.get_bind(), [RELEASES])
    op.create_table(
        "data_opt_out",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_data_opt_out_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "subject_id", name=op.f("pk_data_opt_out")),
    )


def downgrade() -> None:
    op.drop_table("data_opt_out")
    with op.batch_alter_table("disclosure_release", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_release_recipient")
    op.drop_table("disclosure_release")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_actor")
        batch_op.drop_index("ix_audit_event_at")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_event",
            "at",
            type_=sa.String(length=40),
            existing_type=sa.String(length=40, collation="C"),
            existing_nullable=False,
        )
