"""Retention: legal holds, reviews at expiry, sweep runs, trigger facts and pending shreds

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_run",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_by", sa.String(length=128), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "run_id", name=op.f("pk_retention_run")),
    )
    op.create_index(
        "ix_retention_run_as_of", "retention_run", ["organisation_id", "as_of"], unique=False
    )
    op.create_table(
        "retention_fact",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("born_on", sa.Date(), nullable=True),
        sa.Column("died_on", sa.Date(), nullable=True),
        sa.Column("end_of_treatment", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_retention_fact_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "subject_id", name=op.f("pk_retention_fact")),
    )
    op.create_table(
        "retention_hold",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("hold_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("record_kind", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("placed_by", sa.String(length=128), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=128), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_retention_hold_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "hold_id", name=op.f("pk_retention_hold")),
    )
    op.create_index(
        "ix_retention_hold_subject",
        "retention_hold",
        ["organisation_id", "subject_id", "lifted_at"],
        unique=False,
    )
    op.create_table(
        "retention_review",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("review_id", sa.String(length=200), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("item_kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("opened_run", sa.String(length=36), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposed_run", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_retention_review_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "review_id", name=op.f("pk_retention_review")),
    )
    op.create_index(
        "ix_retention_review_item",
        "retention_review",
        ["organisation_id", "subject_id", "rule"],
        unique=False,
    )
    op.create_index(
        "ix_retention_review_open",
        "retention_review",
        ["organisation_id", "decided_at", "due"],
        unique=False,
    )
    op.create_table(
        "retention_shred",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_retention_shred_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "subject_id", name=op.f("pk_retention_shred")),
    )
    op.create_index(
        "ix_retention_shred_pending",
        "retention_shred",
        ["organisation_id", "shredded_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_retention_shred_pending", table_name="retention_shred")
    op.drop_table("retention_shred")
    op.drop_index("ix_retention_review_open", table_name="retention_review")
    op.drop_index("ix_retention_review_item", table_name="retention_review")
    op.drop_table("retention_review")
    op.drop_index("ix_retention_hold_subject", table_name="retention_hold")
    op.drop_table("retention_hold")
    op.drop_table("retention_fact")
    op.drop_index("ix_retention_run_as_of", table_name="retention_run")
    op.drop_table("retention_run")
