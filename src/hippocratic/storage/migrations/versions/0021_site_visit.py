"""The clinic's own website analytics (``site_visit``): one row per consented page view,
pseudonymous until its retention rule anonymises or deletes it

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_visit",
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("visit_id", sa.String(32), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("referrer_host", sa.String(253), nullable=True),
        sa.Column("visitor_id", sa.String(64), nullable=True),
        sa.Column("ip_prefix", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.organisation_id"],
            name=op.f("fk_site_visit_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", "visit_id", name=op.f("pk_site_visit")),
    )
    op.create_index("ix_site_visit_day", "site_visit", ["organisation_id", "visited_on"])
    op.create_index("ix_site_visit_visitor", "site_visit", ["organisation_id", "visitor_id"])


def downgrade() -> None:
    op.drop_index("ix_site_visit_visitor", table_name="site_visit")
    op.drop_index("ix_site_visit_day", table_name="site_visit")
    op.drop_table("site_visit")
