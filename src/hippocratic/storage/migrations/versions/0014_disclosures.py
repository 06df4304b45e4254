"""The disclosure log (append-only) and its items, and the queue of Art. 19 notices

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hippocratic.storage.disclosure import FUNCTION, install_triggers

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("disclosure_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("basis", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("related", sa.String(length=80), nullable=True),
        sa.Column("patient_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exemption", sa.LargeBinary(), nullable=True),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("justification", sa.LargeBinary(), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_disclosure_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "disclosure_id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disclosure_subject", ["organisation_id", "subject_id", "at"], unique=False
        )
        batch_op.create_index(
            "ix_disclosure_recipient", ["organisation_id", "recipient", "at"], unique=False
        )
    op.create_table(
        "disclosure_item",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("disclosure_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "disclosure_id"],
            ["disclosure.organisation_id", "disclosure.disclosure_id"],
            name=op.f("fk_disclosure_item_organisation_id_disclosure_id_disclosure"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "disclosure_id", "field", name=op.f("pk_disclosure_item")
        ),
    )
    op.create_table(
        "art19_notice",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("disclosure_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "disclosure_id"],
            ["disclosure.organisation_id", "disclosure.disclosure_id"],
            name=op.f("fk_art19_notice_organisation_id_disclosure_id_disclosure"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_art19_notice_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "notice_id", name=op.f("pk_art19_notice")),
    )
    with op.batch_alter_table("art19_notice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_art19_notice_queue", ["organisation_id", "sent_at", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_art19_notice_disclosure", ["organisation_id", "disclosure_id"], unique=False
        )
    install_triggers(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("art19_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_art19_notice_disclosure")
        batch_op.drop_index("ix_art19_notice_queue")
    op.drop_table("art19_notice")
    op.drop_table("disclosure_item")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_recipient")
        batch_op.drop_index("ix_disclosure_subject")
    op.drop_table("disclosure")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
