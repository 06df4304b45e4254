"""Cookie consent receipts: each choice a website visitor made in the cookie banner, with the
banner version and the SHA-256 of its text, and no personal data.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cookie_receipt",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("receipt_id", sa.String(length=36), nullable=False),
        sa.Column("visitor_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("banner_version", sa.String(length=32), nullable=False),
        sa.Column("banner_sha256", sa.String(length=64), nullable=False),
        sa.Column("notice_version", sa.String(length=64), nullable=False),
        sa.Column("gpc", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.organisation_id"],
            name=op.f("fk_cookie_receipt_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "receipt_id", name=op.f("pk_cookie_receipt")),
    )
    with op.batch_alter_table("cookie_receipt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cookie_receipt_recorded", ["organisation_id", "recorded_at"], unique=False
        )
        batch_op.create_index(
            "ix_cookie_receipt_visitor", ["organisation_id", "visitor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cookie_receipt", schema=None) as batch_op:
        batch_op.drop_index("ix_cookie_receipt_visitor")
        batch_op.drop_index("ix_cookie_receipt_recorded")
    op.drop_table("cookie_receipt")
