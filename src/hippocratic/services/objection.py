"""Objection (Art. 21) and restriction (Art. 18) as the DPO answers them.

- An objection to direct marketing is absolute and takes effect at once (Art. 21(2)-(3)): the
  patient's consent to the marketing purpose is withdrawn on every channel, which the guard
  and every campaign audience see on the very next decision, and the request is answered.
- An objection to processing on legitimate interests or a public task (Art. 21(1)) needs a
  balancing decision: the DPO records whether there are compelling legitimate grounds that
  override the patient's interests, with the reasoning, which the completion letter gives. An
  objection upheld is kept (``storage.objection``), and the guard refuses the purpose for that
  patient from then on, one by one and in every list, except to store the data or for legal
  claims.
- Processing on any other basis (a contract, a legal obligation, consent) is not open to
  objection; the DPO is told so, and a consent is withdrawn instead.
- Restriction (Art. 18): the patient's data is then only stored, used for legal claims, or
  used to answer their requests. Before it is lifted the patient is told (Art. 18(3)): the
  telling is logged as a letter to them, then the restriction lifts.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hippocratic.domain.consent import ConsentKind, ConsentMethod, Control, Presentation
from hippocratic.domain.personal_detail import text
from hippocratic.errors import Conflict, InputError
from hippocratic.policy.purpose import LawfulBasis
from hippocratic.policy.settings import RightName
from hippocratic.services.communications import CommunicationChannel, Communications, Direction
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.records import Records
from hippocratic.services.rights_clock import RequestChannel
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import RequestStatus, RightsRequest
from hippocratic.storage.objection import ObjectionRow
from hippocratic.storage.rights_request import RightsRequestRow

BALANCED = (LawfulBasis.LEGITIMATE_INTERESTS, LawfulBasis.PUBLIC_TASK)
METHOD = {
    RequestChannel.LETTER: ConsentMethod.LETTER,
    RequestChannel.EMAIL: ConsentMethod.EMAIL,
    RequestChannel.PHONE: ConsentMethod.PHONE,
    RequestChannel.IN_PERSON: ConsentMethod.IN_PERSON,
}
"""How the objection reached us, as the consent ledger records a withdrawal (a portal or API
request is in writing: recorded as a letter, with the request named as its evidence)."""
SPOKEN = (RequestChannel.PHONE, RequestChannel.IN_PERSON)


class Objections(RightsDecisions):
    def object_to(self, request_id: str, purpose: str, *, evidence: str) -> RightsRequest:
        """Act on an objection to ``purpose``: at once for direct marketing; otherwise say what
        the law asks for (a balancing decision, or that the basis is not open to objection)."""
        found = self.policy.purpose_by_key.get(purpose)
        if found is None:
            raise InputError(f"no purpose {purpose!r} here", field="purpose")
        request = self._objection(request_id)
        if purpose == (self.policy.marketing.purpose if self.policy.marketing else None) or (
            found.data_use.startswith("marketing")
        ):
            Consents(self.store, self.actor).record(
                request.subject_id,
                ConsentChoice(
                    purpose=purpose,
                    kind=ConsentKind.WITHDRAWN,
                    method=METHOD.get(request.channel, ConsentMethod.LETTER).value,
                    presentation=Presentation(
                        Control.SPOKEN if request.channel in SPOKEN else Control.WRITTEN
                    ),
                    evidence=text(evidence, "evidence")
                    or f"objection to direct marketing by {request.channel.value}, "
                    f"rights request {request_id}",
                ),
            )

            def close(session: Session, row: RightsRequestRow) -> str:
                self._close(
                    row,
                    RequestStatus.COMPLETED,
                    f"You will not be sent {found.title.lower()} again, by any channel.",
                )
                return f"objection to direct marketing ({purpose}): consent withdrawn at once"

            return self._change(request_id, "objection", close)
        if found.lawful_basis in BALANCED:
            raise Conflict(
                f"“{found.title}” rests on {found.lawful_basis.value.replace('_', ' ')}: record "
                "your balancing decision (compelling grounds, or processing stops)"
            )
        raise Conflict(
            f"“{found.title}” rests on {found.lawful_basis.value.replace('_', ' ')}, which is not "
            "open to objection (Art. 21(1)); tell the patient why, or withdraw a consent instead"
        )

    def balance(self, request_id: str, purpose: str, upheld: bool, reasoning: str) -> RightsRequest:
        """The DPO's balancing decision on an objection to legitimate interests or a public
        task: ``upheld`` (processing for the purpose stops) or compelling grounds shown."""
        self._dpo("decide an objection")
        found = self.policy.purpose_by_key.get(purpose)
        if found is None or found.lawful_basis not in BALANCED:
            raise InputError(
                "a balancing decision is for processing on legitimate interests or a public task",
                field="purpose",
            )
        why = text(reasoning, "reasoning")
        if len(why) < 20:
            raise InputError("record the balancing of interests in full", field="reasoning")
        self._objection(request_id)
        outcome = (
            f"Your objection is upheld: we have stopped using your data for {found.title}. {why}"
            if upheld
            else f"We have compelling legitimate grounds to continue {found.title}: {why}"
        )

        def close(session: Session, row: RightsRequestRow) -> str:
            self._close(row, RequestStatus.COMPLETED, outcome)
            if upheld:  # the guard refuses the purpose for this patient from now on
                session.merge(
                    ObjectionRow(
                        organisation_id=self.organisation,
                        subject_id=row.subject_id,
                        purpose=purpose,
                        request_id=request_id,
                        upheld_at=self.now(),
                        upheld_by=self.actor.actor,
                    )
                )
            return f"balancing decision on {purpose}: " + (
                "objection upheld" if upheld else "compelling grounds"
            )

        return self._change(request_id, "balance", close)

    def _objection(self, request_id: str) -> RightsRequest:
        request = self.get(request_id)
        if request.right is not RightName.OBJECTION:
            raise Conflict(f"a {request.right.value} request is not an objection")
        return request


class Restrictions(RightsDecisions):
    def restrict(self, request_id: str) -> RightsRequest:
        """Restrict the patient's data (Art. 18(1)): kept, not used."""
        self._dpo("restrict a patient's data")
        request = self.get(request_id)
        if request.right is not RightName.RESTRICTION:
            raise Conflict(f"a {request.right.value} request is not a restriction")
        Records(self.store, self.actor).set_restricted(request.subject_id, True)

        def close(session: Session, row: RightsRequestRow) -> str:
            self._close(row, RequestStatus.COMPLETED, "Your data is restricted: we keep it, "
                        "but do not use it, until we tell you otherwise.")  # fmt: skip
            return "restricted"

        return self._change(request_id, "restrict", close)

    def lift(self, subject: str, reason: str) -> None:
        """Tell the patient, then lift the restriction (Art. 18(3)); both are on the record."""
        self._dpo("lift a restriction")
        why = text(reason, "reason")
        if not why:
            raise InputError("say why the restriction ends", field="reason")
        Communications(self.store, self.actor).log(
            subject,
            Direction.OUTBOUND,
            CommunicationChannel.LETTER,
            f"Told the patient before lifting the restriction of their data (Art. 18(3)): {why}",
            purpose=self.purpose,
        )
        Records(self.store, self.actor).set_restricted(subject, False)
