"""Clinical entries and payments indexed by the appointment they point at: deleting an
appointment checks that no kept entry or payment points at it (the retention sweep's guard,
and PostgreSQL's foreign key check), which was a scan of every entry and payment per
appointment

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinical_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clinical_entry_appointment", ["organisation_id", "appointment_id"], unique=False
        )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_appointment", ["organisation_id", "appointment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_appointment")
    with op.batch_alter_table("clinical_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_clinical_entry_appointment")
