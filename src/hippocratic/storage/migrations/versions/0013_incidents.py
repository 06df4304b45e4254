"""Incidents: the breach register, decisions, ICO report phases, Art. 34 letters, anomalies

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_anomaly",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("anomaly_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id", "anomaly_id", name=op.f("pk_access_anomaly")),
    )
    with op.batch_alter_table("access_anomaly", schema=None) as batch_op:
        batch_op.create_index(
            "ix_access_anomaly_open", ["organisation_id", "resolved_at"], unique=False
        )

    op.create_table(
        "incident",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("reported_by", sa.String(length=128), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("processor", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scope_actor", sa.String(length=128), nullable=True),
        sa.Column("scope_recipient", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id", "incident_id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_status", ["organisation_id", "status", "aware_at"], unique=False
        )

    op.create_table(
        "incident_decision",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("breach", sa.String(length=16), nullable=False),
        sa.Column("assessment", sa.String(length=16), nullable=False),
        sa.Column("notify_ico", sa.Boolean(), nullable=False),
        sa.Column("notify_subjects", sa.Boolean(), nullable=False),
        sa.Column("encryption_exception", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "incident_id"],
            ["incident.organisation_id", "incident.incident_id"],
            name=op.f("fk_incident_decision_organisation_id_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "incident_id", "number", name=op.f("pk_incident_decision")
        ),
    )
    op.create_table(
        "incident_report",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("phase", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nature", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("subjects_approx", sa.Integer(), nullable=False),
        sa.Column("records_approx", sa.Integer(), nullable=False),
        sa.Column("dpo_contact", sa.Text(), nullable=False),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("drafted_by", sa.String(length=128), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "incident_id"],
            ["incident.organisation_id", "incident.incident_id"],
            name=op.f("fk_incident_report_organisation_id_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "incident_id", "phase", name=op.f("pk_incident_report")
        ),
    )
    op.create_table(
        "incident_letter",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("letter", sa.LargeBinary(), nullable=False),
        sa.Column("drafted_by", sa.String(length=128), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "incident_id"],
            ["incident.organisation_id", "incident.incident_id"],
            name=op.f("fk_incident_letter_organisation_id_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_incident_letter_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "incident_id", "subject_id", name=op.f("pk_incident_letter")
        ),
    )
    with op.batch_alter_table("incident_letter", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_letter_subject", ["organisation_id", "subject_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_letter", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_letter_subject")

    op.drop_table("incident_letter")
    op.drop_table("incident_report")
    op.drop_table("incident_decision")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status")

    op.drop_table("incident")
    with op.batch_alter_table("access_anomaly", schema=None) as batch_op:
        batch_op.drop_index("ix_access_anomaly_open")

    op.drop_table("access_anomaly")
