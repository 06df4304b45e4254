"""The consent ledger: append-only consent events bound into the audit chain, and their current
state per subject, purpose and channel (replacing the ``consent`` table).

A consent held before the ledger carries no record of the words shown or of who recorded it,
so it is carried over with empty terms: listed for reconfirmation, and counting for nothing
until the patient confirms it (Art. 7(1): the controller must be able to show consent).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hippocratic.storage.ledger_triggers import install_append_only_guard

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _subject_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id", "subject_id"],
        ["subject.organisation_id", "subject.subject_id"],
        name=op.f(f"fk_{table}_organisation_id_subject_id_subject"),
    )


def upgrade() -> None:
    op.create_table(
        "consent_event",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("wording_sha256", sa.String(length=64), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("notice_version", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("presentation", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_role", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        _subject_fk("consent_event"),
        sa.PrimaryKeyConstraint("organisation_id", "event_id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_event_subject", ["organisation_id", "subject_id"], unique=False
        )
        batch_op.create_index(
            "ix_consent_event_audit", ["organisation_id", "audit_seq"], unique=True
        )
    op.create_table(
        "consent_state",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        _subject_fk("consent_state"),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject_id", "purpose", "channel", name=op.f("pk_consent_state")
        ),
    )
    op.execute(
        "INSERT INTO consent_state (organisation_id, subject_id, purpose, channel, kind, given, "
        "recorded_at, expires_at, terms_sha256, event_id) "
        "SELECT organisation_id, subject_id, purpose, '', "
        "CASE WHEN given THEN 'granted' ELSE 'withdrawn' END, given, recorded_at, expires_at, "
        "'', NULL FROM consent"
    )
    op.drop_table("consent")
    install_append_only_guard(op.get_bind(), ("consent_event",))


def downgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        _subject_fk("consent"),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject_id", "purpose", name=op.f("pk_consent")
        ),
    )
    op.execute(
        "INSERT INTO consent (organisation_id, subject_id, purpose, given, recorded_at, "
        "expires_at) SELECT organisation_id, subject_id, purpose, MAX(CASE WHEN given THEN 1 "
        "ELSE 0 END) = 1, MAX(recorded_at), MAX(expires_at) FROM consent_state "
        "GROUP BY organisation_id, subject_id, purpose"
    )
    op.drop_table("consent_state")
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_event_audit")
        batch_op.drop_index("ix_consent_event_subject")
    op.drop_table("consent_event")
