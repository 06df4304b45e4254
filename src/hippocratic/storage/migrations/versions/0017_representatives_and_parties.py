"""A wrong release's incident, representatives' recorded authority and portal sign-in, and
the party model (organisations are not data subjects)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_release",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("fault", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "incident_id"],
            ["incident.organisation_id", "incident.incident_id"],
            name=op.f("fk_incident_release_organisation_id_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_incident_release_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "incident_id", name=op.f("pk_incident_release")),
    )
    op.create_index(
        "ix_incident_release_request",
        "incident_release",
        ["organisation_id", "request_id"],
        unique=True,
    )
    op.create_table(
        "party",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("works_for", sa.String(length=36), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_party_organisation_id_subject_id_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id", "works_for"],
            ["party.organisation_id", "party.party_id"],
            name=op.f("fk_party_organisation_id_works_for_party"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "party_id", name=op.f("pk_party")),
    )
    op.create_table(
        "representative_authority",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("relationship", sa.String(length=16), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("contact", sa.LargeBinary(), nullable=False),
        sa.Column("contact_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("covers", sa.Text(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_representative_authority_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "authority_id", name=op.f("pk_representative_authority")
        ),
    )
    op.create_index(
        "ix_representative_authority_contact",
        "representative_authority",
        ["organisation_id", "contact_index"],
        unique=False,
    )
    op.create_index(
        "ix_representative_authority_subject",
        "representative_authority",
        ["organisation_id", "subject_id"],
        unique=False,
    )
    op.create_table(
        "representative_session",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "authority_id"],
            ["representative_authority.organisation_id", "representative_authority.authority_id"],
            name="fk_representative_session_authority",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "token_hash", name=op.f("pk_representative_session")
        ),
    )
    op.create_table(
        "representative_sign_in_code",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.String(length=64), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("code_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id", "authority_id"],
            ["representative_authority.organisation_id", "representative_authority.authority_id"],
            name="fk_representative_code_authority",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "code_id", name=op.f("pk_representative_sign_in_code")
        ),
    )
    op.create_index(
        "ix_representative_code_authority",
        "representative_sign_in_code",
        ["organisation_id", "authority_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_representative_code_authority", table_name="representative_sign_in_code")
    op.drop_table("representative_sign_in_code")
    op.drop_table("representative_session")
    op.drop_index("ix_representative_authority_subject", table_name="representative_authority")
    op.drop_index("ix_representative_authority_contact", table_name="representative_authority")
    op.drop_table("representative_authority")
    op.drop_table("party")
    op.drop_index("ix_incident_release_request", table_name="incident_release")
    op.drop_table("incident_release")
