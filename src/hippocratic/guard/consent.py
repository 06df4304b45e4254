"""Live consent, as the guard asks for it: an interface, and the store that implements it now.

The guard asks in SQL (``live``), so a decision's facts cost one query and a worklist's scope
stays inside the database (invariant 7). The consent ledger of a later issue implements the
same protocol over its own history; ``DatabaseConsentStore`` keeps the current state per
subject and purpose in the ``consent`` table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, or_, select
from sqlalchemy.orm import Session

from hippocratic.errors import NotFound
from hippocratic.storage.consent import ConsentRow
from hippocratic.storage.subject import SubjectRow

T = TypeVar("T")
Operand: TypeAlias = T | SQLColumnExpression[T]
"""A Python value, or a column or bound parameter standing for one in SQL."""


class ConsentStore(Protocol):
    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
    ) -> ColumnElement[bool]:
        """A SQL condition, true where the subject's consent for the purpose is live at ``at``."""
        ...

    def record(
        self,
        session: Session,
        organisation: str,
        subject: str,
        purpose: str,
        given: bool,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> None:
        """Record that consent was given or withdrawn, in the caller's transaction."""
        ...


class DatabaseConsentStore:
    """The current consent per subject and purpose; withdrawing overwrites giving."""

    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
    ) -> ColumnElement[bool]:
        return exists().where(
            ConsentRow.organisation_id == organisation,
            ConsentRow.subject_id == subject,
            ConsentRow.purpose == purpose,
            ConsentRow.given.is_(True),
            or_(ConsentRow.expires_at.is_(None), ConsentRow.expires_at > at),
        )

    def is_live(
        self, session: Session, organisation: str, subject: str, purpose: str, at: datetime
    ) -> bool:
        return bool(session.scalar(select(self.live(organisation, subject, purpose, at))))

    def record(
        self,
        session: Session,
        organisation: str,
        subject: str,
        purpose: str,
        given: bool,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> None:
        if session.get(SubjectRow, (organisation, subject)) is None:
            raise NotFound(f"no patient {subject} in {organisation}")
        session.merge(
            ConsentRow(
                organisation_id=organisation,
                subject_id=subject,
                purpose=purpose,
                given=given,
                recorded_at=at,
                expires_at=expires_at if given else None,
            )
        )


DATABASE_CONSENTS = DatabaseConsentStore()
