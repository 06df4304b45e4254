"""Data-subject rights requests: the request, its clock's pauses, its steps, what was held back

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_pause",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("pause_id", sa.String(length=36), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("asked", sa.String(length=200), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "request_id", "pause_id", name=op.f("pk_rights_pause")
        ),
    )
    op.create_table(
        "rights_step",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "step_id", name=op.f("pk_rights_step")),
    )
    with op.batch_alter_table("rights_step", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rights_step_request", ["organisation_id", "request_id", "at"], unique=False
        )

    op.create_table(
        "rights_withholding",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("item", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "request_id", "item", name=op.f("pk_rights_withholding")
        ),
    )
    op.create_table(
        "rights_request",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("right", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("requester", sa.String(length=16), nullable=False),
        sa.Column("requester_name", sa.LargeBinary(), nullable=True),
        sa.Column("authority", sa.LargeBinary(), nullable=True),
        sa.Column("detail", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of", sa.String(length=36), nullable=True),
        sa.Column("identity_required", sa.Boolean(), nullable=False),
        sa.Column("identity_rule", sa.String(length=200), nullable=False),
        sa.Column("identity_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity_verified_by", sa.String(length=128), nullable=True),
        sa.Column("identity_evidence", sa.LargeBinary(), nullable=True),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("fee_received_on", sa.Date(), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.LargeBinary(), nullable=True),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("scope_from", sa.Date(), nullable=True),
        sa.Column("scope_to", sa.Date(), nullable=True),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("package", sa.LargeBinary(), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_by", sa.String(length=128), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by", sa.String(length=128), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("outcome", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_rights_request_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "request_id", name=op.f("pk_rights_request")),
    )
    with op.batch_alter_table("rights_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rights_request_queue", ["organisation_id", "status", "due"], unique=False
        )
        batch_op.create_index(
            "ix_rights_request_subject",
            ["organisation_id", "subject_id", "received_at"],
            unique=False,
        )

    op.create_table(
        "rights_correction",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("before", sa.LargeBinary(), nullable=True),
        sa.Column("after", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "request_id", "number", name=op.f("pk_rights_correction")
        ),
    )
    with op.batch_alter_table("rights_correction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rights_correction_subject", ["organisation_id", "subject_id", "at"], unique=False
        )

    op.create_table(
        "automated_decision",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("logic", sa.String(length=120), nullable=False),
        sa.Column("inputs", sa.LargeBinary(), nullable=False),
        sa.Column("outcome", sa.LargeBinary(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("review_request_id", sa.String(length=36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("patient_view", sa.LargeBinary(), nullable=True),
        sa.Column("review_outcome", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_automated_decision_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "decision_id", name=op.f("pk_automated_decision")
        ),
    )
    with op.batch_alter_table("automated_decision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_automated_decision_subject",
            ["organisation_id", "subject_id", "decided_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("automated_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_automated_decision_subject")
    op.drop_table("automated_decision")
    with op.batch_alter_table("rights_correction", schema=None) as batch_op:
        batch_op.drop_index("ix_rights_correction_subject")
    op.drop_table("rights_correction")
    with op.batch_alter_table("rights_request", schema=None) as batch_op:
        batch_op.drop_index("ix_rights_request_subject")
        batch_op.drop_index("ix_rights_request_queue")

    op.drop_table("rights_request")
    op.drop_table("rights_withholding")
    with op.batch_alter_table("rights_step", schema=None) as batch_op:
        batch_op.drop_index("ix_rights_step_request")

    op.drop_table("rights_step")
    op.drop_table("rights_pause")
