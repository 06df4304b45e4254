"""Upheld objections (Art. 21(1)): the purposes the guard refuses for a patient

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upheld_objection",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("upheld_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("upheld_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id", "subject_id"],
            ["subject.organisation_id", "subject.subject_id"],
            name=op.f("fk_upheld_objection_organisation_id_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject_id", "purpose", name=op.f("pk_upheld_objection")
        ),
    )


def downgrade() -> None:
    op.drop_table("upheld_objection")
