"""Live consent, as the guard asks for it: an interface, and the ledger's projection behind it.

The guard asks in SQL (``live``), so a decision's facts cost one query and a worklist's scope
stays inside the database (invariant 7). ``LedgerConsentStore`` reads ``consent_state``, the
consent ledger's current state, kept in the same transaction as each consent event: a
withdrawal holds for the very next decision.

Consent counts only under the terms it was given on: ``terms`` are the purpose's accepted
``Purpose.consent_terms`` (and, where the policy allows soft opt-in, their soft opt-in form).
A policy that changes what a consent agrees to leaves every consent given before it unable to
count until the person confirms it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeAlias

from sqlalchemy import BindParameter, ColumnElement, select
from sqlalchemy.orm import Session

from hippocratic.storage.consent import live_state
from hippocratic.storage.database import Operand

Terms: TypeAlias = Sequence[str] | BindParameter[Sequence[str]]
"""The accepted terms digests, as a list or an expanding bound parameter."""


class ConsentStore(Protocol):
    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
        terms: Terms,
    ) -> ColumnElement[bool]:
        """A SQL condition, true where the subject's consent for the purpose (on any channel)
        is given, not expired at ``at``, and stands on one of ``terms``."""
        ...


class LedgerConsentStore:
    """The consent ledger's current state per subject, purpose and channel."""

    def live(
        self,
        organisation: Operand[str],
        subject: Operand[str],
        purpose: Operand[str],
        at: Operand[datetime],
        terms: Terms,
    ) -> ColumnElement[bool]:
        return live_state(organisation, subject, purpose, at, terms)

    def is_live(
        self,
        session: Session,
        organisation: str,
        subject: str,
        purpose: str,
        at: datetime,
        terms: Sequence[str],
    ) -> bool:
        return bool(
            session.scalar(select(self.live(organisation, subject, purpose, at, list(terms))))
        )


LEDGER_CONSENTS = LedgerConsentStore()
"""The consent ledger's projection: the store every guard reads unless told otherwise."""
