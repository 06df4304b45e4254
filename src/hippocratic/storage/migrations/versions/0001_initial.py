"""The initial store: organisations, subjects and records, care and consent, the audit ledger

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hippocratic.storage.ledger_triggers import FUNCTIONS as LEDGER_FUNCTIONS
from hippocratic.storage.ledger_triggers import install_append_only_guard

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "seq", name=op.f("pk_audit_checkpoint")),
    )
    op.create_table(
        "audit_event",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("rule_ids", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "seq", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_subject", ["organisation_id", "subject_id"], unique=False
        )

    op.create_table(
        "audit_head",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "organisation",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("policy_yaml", sa.Text(), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "review_item",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id", "item_id", name=op.f("pk_review_item")),
    )
    op.create_table(
        "subject",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.organisation_id"],
            name=op.f("fk_subject_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "subject_id", name=op.f("pk_subject")),
    )
    op.create_table(
        "break_glass",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_break_glass_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "grant_id", name=op.f("pk_break_glass")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(
            "ix_break_glass_actor", ["organisation_id", "subject_id", "actor"], unique=False
        )
    op.create_table(
        "care_relationship",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_care_relationship_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "actor", "subject_id", name=op.f("pk_care_relationship")
        ),
    )
    op.create_table(
        "consent",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_consent_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject_id", "purpose", name=op.f("pk_consent")
        ),
    )
    op.create_table(
        "subject_field",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("blind_index", sa.LargeBinary(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_subject_field_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject_id", "field", name=op.f("pk_subject_field")
        ),
    )
    with op.batch_alter_table("subject_field", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subject_field_blind_index",
            ["organisation_id", "field", "blind_index"],
            unique=False,
        )
    install_append_only_guard(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("subject_field", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_field_blind_index")

    op.drop_table("subject_field")
    op.drop_table("consent")
    op.drop_table("care_relationship")
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index("ix_break_glass_actor")
    op.drop_table("break_glass")
    op.drop_table("subject")
    op.drop_table("review_item")
    op.drop_table("organisation")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")

    op.drop_table("audit_event")
    op.drop_table("audit_checkpoint")
    if op.get_bind().dialect.name == "postgresql":
        for function in LEDGER_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
