"""Parties other than patients (S0-115, D-24): the organisations a clinic deals with (a
referring practice, an insurer) and the people who are its contacts there.

A notice about personal data covers natural persons only. An organisation is a party of kind
``organisation``: its name is not personal data and is kept in the clear. A person who works
for one (a referring GP, an insurer's claims handler) is a party of kind ``person`` linked to
their own data subject, whose contact details are personal data like any patient's. Rights
requests target persons only (``services/parties``). Keys lead with ``organisation_id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hippocratic.storage.database import Base, Instant


class PartyRow(Base):
    __tablename__ = "party"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organisation_id", "subject_id"], ["subject.organisation_id", "subject.subject_id"]
        ),
        ForeignKeyConstraint(
            ["organisation_id", "works_for"], ["party.organisation_id", "party.party_id"]
        ),
    )

    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``person`` or ``organisation``."""
    role: Mapped[str] = mapped_column(String(32))
    """What the party is to the clinic: ``referring_practice``, ``insurer``, ``contact``..."""
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    """An organisation's name (not personal data); None for a person, whose name is on their
    data subject, sealed."""
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """A person's data subject; None for an organisation."""
    works_for: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """The organisation a person is a contact at."""
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(Instant)
