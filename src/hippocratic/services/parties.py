"""Who a rights request may target (S0-115, D-24): natural persons only.

The clinic deals with organisations (a referring practice, an insurer, another provider): they
are parties of kind ``organisation``, kept with their name, and no rights request may target
one (``NotAPerson``, ``rights.not_a_person``). The people who work for them (a referring GP, an
insurer's claims handler) are persons: each is a contact at the organisation, linked to a data
subject of their own whose contact details are personal data like a patient's, so a request
from or about them targets that subject and is handled like any other.

Registering an organisation writes no personal data; linking a contact is a write to that
person's record, decided and audited by the guard like any other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, InputError, NotAPerson, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.services.clinic_service import ClinicService
from hippocratic.storage.party import PartyRow


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class OrganisationRole(StrEnum):
    REFERRING_PRACTICE = "referring_practice"
    INSURER = "insurer"
    PROVIDER = "provider"
    """Another healthcare provider (a hospital, a laboratory)."""


CONTACT = "contact"
"""The role of a person who is a contact at an organisation."""
PARTIES = "parties"
"""The purpose on the audit event of registering an organisation (no patient's data)."""


@dataclass(frozen=True)
class Party:
    party_id: str
    kind: PartyKind
    role: str
    name: str | None
    subject_id: str | None
    works_for: str | None


def _party(row: PartyRow) -> Party:
    return Party(
        row.party_id, PartyKind(row.kind), row.role, row.name, row.subject_id, row.works_for
    )


def ensure_person(session: Session, organisation: str, target: str) -> None:
    """``NotAPerson`` if ``target`` names an organisation rather than a data subject."""
    row = session.get(PartyRow, (organisation, target))
    if row is not None and row.kind == PartyKind.ORGANISATION.value:
        raise NotAPerson(
            f"{row.name or 'this'} is an organisation: the rights are a person's",
            field="subject",
            hint="a person who works there makes a request about their own data as a contact",
        )


class Parties(ClinicService):
    def register_organisation(self, name: str, role: OrganisationRole) -> Party:
        """An organisation the clinic deals with; by staff, on the ledger."""
        self._staff()
        said = text(name, "name", max_length=200)
        if not said:
            raise InputError("name the organisation", field="name")
        row = PartyRow(
            organisation_id=self.organisation,
            party_id=str(uuid.uuid4()),
            kind=PartyKind.ORGANISATION.value,
            role=role.value,
            name=said,
            recorded_by=self.actor.actor,
            recorded_at=self.now(),
        )
        with self.store.sessions.begin() as session:
            session.add(row)
            self.guard(session).record(
                self.request(PARTIES, None, (), Action.CREATE),
                Decision(True, (f"role:{self.actor.role}/party",)),
                f"organisation {row.party_id} registered as {role.value}",
            )
        return _party(row)

    def add_contact(self, organisation_party: str, subject: str) -> Party:
        """A person who is a contact at the organisation: a data subject of their own."""
        self._staff()
        binding = self.binding("patient")
        with self.store.sessions.begin() as session:
            employer = session.get(PartyRow, (self.organisation, organisation_party))
            if employer is None or employer.kind != PartyKind.ORGANISATION.value:
                raise NotFound(f"no organisation {organisation_party} here", field="works_for")
            write = self.request(binding.purpose, subject, (), Action.WRITE)
            assessment = self.assess(session, write, f"contact at organisation {employer.name}")
            row: PartyRow | None = None
            if assessment.decision.allowed and assessment.facts.known:
                row = PartyRow(
                    organisation_id=self.organisation,
                    party_id=str(uuid.uuid4()),
                    kind=PartyKind.PERSON.value,
                    role=CONTACT,
                    subject_id=subject,
                    works_for=organisation_party,
                    recorded_by=self.actor.actor,
                    recorded_at=self.now(),
                )
                session.add(row)
        self.enforce(assessment, subject)
        assert row is not None
        return _party(row)

    def get(self, party_id: str) -> Party:
        with self.store.sessions() as session:
            row = session.get(PartyRow, (self.organisation, party_id))
        if row is None:
            raise NotFound(f"no party {party_id} here", field="party")
        return _party(row)

    def _staff(self) -> None:
        if self.actor.role == SELF_ROLE or self.actor.role not in self.policy.role_by_key:
            raise AccessDenied("organisations and their contacts are recorded by staff")
