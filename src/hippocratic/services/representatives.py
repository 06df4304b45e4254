"""The recorded authority of someone acting for a patient (L-07): a parent for a child,
or a third party with evidence (a lasting power of attorney, a signed mandate).

A member of staff records who they are, for which patient, what they may do (the rights they
may start, and ``record`` if they may see the record itself), the reference of the evidence
seen, and the last day it holds; each is a write to the patient's record, decided and audited
by the guard. Who they are, their email address and the evidence are sealed under the
patient's key; the address is also kept as a blind index, which is how they are found when
they sign in (``representative_sign_in``). An authority can be revoked, never edited: the row
stays as the record of what was allowed when.

What a representative may do in the portal follows from it, checked twice: the guard refuses
anything for another patient, after the last day or once revoked, and any read of the record
unless it covers ``record`` (``guard/representation``); the portal offers and takes only the
requests it lists (``representative_portal``). A parent's access request for a child aged 12
to 17 still goes to a clinician first (``child_access``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from hippocratic.domain.personal_detail import DetailKind, email, text
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.guard.decision import SELF_ROLE, Action, Decision
from hippocratic.guard.representation import RECORD, authority_id_of
from hippocratic.policy.settings import RightName
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.code_delivery import contact_fields
from hippocratic.services.records import Records
from hippocratic.services.rights_clock import RequestChannel, Requester
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.storage.ciphertext import unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.representative import RepresentativeAuthorityRow, authority_row

CONTACT_INDEX = "representative_email"
"""The blind index's field name for a representative's email address."""
NAME = "representative_name"
CONTACT = "representative_contact"
EVIDENCE = "representative_evidence"
"""Vault bindings of an authority's sealed values."""
ADULT = 18
"""The age at which a parent's authority for a child ends (as ``child_competence`` counts)."""
LONGEST = 5 * 366
"""The longest an authority is recorded for at once, in days: it is reviewed, not forever."""


@dataclass(frozen=True)
class Authority:
    authority_id: str
    subject_id: str
    relationship: Requester
    name: str | None
    """Who they are; None once the patient was erased (it was sealed under their key)."""
    covers: tuple[str, ...]
    valid_until: date
    recorded_by: str
    recorded_at: datetime
    revoked_at: datetime | None

    def live(self, today: date) -> bool:
        return self.revoked_at is None and today <= self.valid_until

    def allows(self, action: str) -> bool:
        return action in self.covers


class Representatives(ClinicService):
    @property
    def purpose(self) -> str:
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound("the policy names no purpose for rights requests", field="purpose")
        return purpose

    def record(
        self,
        subject: str,
        relationship: Requester,
        name: str,
        contact: str,
        covers: Iterable[str],
        evidence: str,
        valid_until: date,
    ) -> Authority:
        """Record an authority, by staff, on the patient's ledger."""
        self._staff()
        if relationship is Requester.SELF:
            raise InputError("a patient acts for themselves without an authority", field="kind")
        who = text(name, "name", max_length=200)
        seen = text(evidence, "evidence", max_length=500)
        if not who:
            raise InputError("record who they are", field="name")
        if not seen:
            raise InputError("record the evidence of their authority you saw", field="evidence")
        address = email(contact, "contact")
        allowed = self._covers(covers)
        today = self.today()
        if valid_until < today or (valid_until - today).days > LONGEST:
            raise InputError(
                "give the last day the authority holds, within five years",
                field="valid_until",
            )
        if relationship is Requester.PARENT:
            self._until_adult(subject, valid_until)
        authority_id = str(uuid.uuid4())
        index = self.store.vault.blind_index(self.organisation, CONTACT_INDEX, address)
        note = (
            f"authority {authority_id} recorded: {relationship.value} may "
            f"{', '.join(allowed)} until {valid_until.isoformat()}"
        )
        with self.store.sessions.begin() as session:
            assessment = self.assess(
                session, self.request(self.purpose, subject, (), Action.CREATE), note
            )
            row: RepresentativeAuthorityRow | None = None
            if assessment.decision.allowed and assessment.facts.known:
                row = RepresentativeAuthorityRow(
                    organisation_id=self.organisation,
                    authority_id=authority_id,
                    subject_id=subject,
                    relationship=relationship.value,
                    name=self.seal(subject, NAME, authority_id, who),
                    contact=self.seal(subject, CONTACT, authority_id, address),
                    contact_index=index,
                    covers=json.dumps(list(allowed), separators=(",", ":")),
                    evidence=self.seal(subject, EVIDENCE, authority_id, seen),
                    valid_until=valid_until,
                    recorded_by=self.actor.actor,
                    recorded_at=self.now(),
                )
                session.add(row)
        self.enforce(assessment, subject)
        assert row is not None
        return self._shown(row)

    def revoke(self, authority_id: str) -> Authority:
        """End an authority now; the row stays."""
        self._staff()
        with self.store.sessions.begin() as session:
            row = authority_row(session, self.organisation, authority_id)
            if row is None:
                raise NotFound(f"no authority {authority_id} here", field="authority")
            if row.revoked_at is not None:
                raise Conflict("this authority was revoked already")
            note = f"authority {authority_id} revoked"
            write = self.request(self.purpose, row.subject_id, (), Action.CREATE)
            assessment = self.assess(session, write, note)
            if assessment.decision.allowed:
                row.revoked_at, row.revoked_by = self.now(), self.actor.actor
        self.enforce(assessment, row.subject_id)
        return self._shown(row)

    def for_patient(self, subject: str) -> list[Authority]:
        """Every authority recorded for the patient, newest first: an audited read."""
        read = self.request(self.purpose, subject, (), Action.READ)
        query = (
            select(RepresentativeAuthorityRow)
            .where(
                RepresentativeAuthorityRow.organisation_id == self.organisation,
                RepresentativeAuthorityRow.subject_id == subject,
            )
            .order_by(RepresentativeAuthorityRow.recorded_at.desc())
        )
        empty: list[RepresentativeAuthorityRow] = []
        assessment, rows = self.audited_read(
            read, lambda session: list(session.scalars(query)), empty, "representatives"
        )
        self.enforce(assessment, subject)
        return [self._shown(row) for row in rows]

    def check_request(self, new: NewRightsRequest) -> None:
        """As the representative: a request they may start (their patient, a right their
        authority lists, through the portal, as who the authority says they are), else the
        refusal is recorded on the patient's ledger and raised."""
        found = authority_id_of(self.actor.actor)
        authority = self.get(found) if found else None
        why = None
        if authority is None or authority.subject_id != new.subject:
            why = "you may act only for the patient your authority names"
        elif not authority.live(self.today()):
            why = f"your authority ended on {authority.valid_until:%-d %B %Y}"
        elif not authority.allows(new.right.value):
            why = f"your authority does not cover asking for {new.right.value.replace('_', ' ')}"
        elif (
            new.channel is not RequestChannel.PORTAL
            or new.requester is not authority.relationship
            or new.received_at is not None
        ):
            why = "someone acting for a patient makes requests through the portal"
        if why is None:
            return
        rule = f"{self.actor.actor}/not_covered:{new.right.value}"
        with self.store.sessions.begin() as session:
            self.guard(session).record(
                self.request(self.purpose, new.subject, (), Action.CREATE),
                Decision(False, (rule,), reasons=(why,)),
                f"{new.right.value} request refused: {why}",
            )
        raise AccessDenied(why)

    def get(self, authority_id: str) -> Authority:
        """An authority's terms, without the sealed name (nothing personal is revealed)."""
        with self.store.sessions() as session:
            row = authority_row(session, self.organisation, authority_id)
        if row is None:
            raise NotFound(f"no authority {authority_id} here", field="authority")
        return self._shown(row, reveal=False)

    def own(self) -> Authority:
        """As the representative: their own authority with their name, an audited read the
        guard allows only while it is live."""
        found = authority_id_of(self.actor.actor)
        terms = self.get(found) if found else None
        if terms is None:
            raise AccessDenied("only someone acting for a patient has an authority of their own")
        read = self.request(self.purpose, terms.subject_id, (), Action.READ)
        query = select(RepresentativeAuthorityRow).where(
            RepresentativeAuthorityRow.organisation_id == self.organisation,
            RepresentativeAuthorityRow.authority_id == terms.authority_id,
        )
        none: list[RepresentativeAuthorityRow] = []
        assessment, rows = self.audited_read(
            read, lambda session: list(session.scalars(query)), none, "their own authority"
        )
        self.enforce(assessment, terms.subject_id)
        return self._shown(rows[0])

    def _until_adult(self, subject: str, valid_until: date) -> None:
        """A parent acts for a child: the authority ends by the day before their 18th
        birthday (after that, the patient acts for themselves or authorises someone)."""
        dob = contact_fields(self.policy).get(DetailKind.DATE_OF_BIRTH, "date_of_birth")
        held = (
            Records(self.store, self.actor)
            .read(subject, self.purpose, [dob], reason="a parent's authority ends at 18")
            .get(dob)
        )
        try:
            born = date.fromisoformat(held.value or "") if held is not None else None
        except ValueError:
            born = None
        if born is None:
            raise InputError("record the child's date of birth first", field="valid_until")
        adult = (
            born.replace(year=born.year + ADULT)
            if (born.month, born.day) != (2, 29)
            else (date(born.year + ADULT, 3, 1))
        )
        if valid_until >= adult:
            raise InputError(
                f"a parent acts for a child until they are 18: give a day before {adult:%-d %B %Y}",
                field="valid_until",
            )

    def _covers(self, covers: Iterable[str]) -> tuple[str, ...]:
        offered = {r.value for r in self.policy.rights.offered}
        wanted = sorted(set(covers))
        unknown = [c for c in wanted if c != RECORD and (c not in offered or c not in _RIGHTS)]
        if not wanted or unknown:
            raise InputError(
                "say what they may do: the requests they may make, and `record` to see it",
                field="covers",
                hint="one or more of: " + ", ".join([*sorted(offered & _RIGHTS), RECORD]),
            )
        return tuple(wanted)

    def _staff(self) -> None:
        if self.actor.role == SELF_ROLE or self.actor.role not in self.policy.role_by_key:
            raise AccessDenied("a representative's authority is recorded by staff")

    def _shown(self, row: RepresentativeAuthorityRow, *, reveal: bool = True) -> Authority:
        key = self.key(row.subject_id) if reveal else None
        name = None
        if key is not None:
            where = record_field(NAME, row.authority_id)
            name = unseal(key, self.organisation, row.subject_id, where, bytes(row.name))
        return Authority(
            row.authority_id,
            row.subject_id,
            Requester(row.relationship),
            name,
            tuple(json.loads(row.covers)),
            row.valid_until,
            row.recorded_by,
            row.recorded_at,
            row.revoked_at,
        )


_RIGHTS = frozenset(
    r.value for r in RightName if r not in (RightName.WITHDRAW_CONSENT, RightName.COMPLAIN)
)
