"""Art. 19 notices: when a rectification, erasure or restriction changes data a recipient
received (the disclosure log says who), the recipient is told unless that proves impossible or
would take disproportionate effort. Rectification, erasure and restriction queue the notices
(``storage.disclosure.queue_notices``) in their own transactions; here the DPO works the queue
and records each one sent, on the patient's audit history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hippocratic.errors import Conflict, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.services.clinic_service import ClinicService
from hippocratic.storage import disclosure as log
from hippocratic.storage.disclosure import Art19NoticeRow


@dataclass(frozen=True)
class Art19Notice:
    notice_id: str
    disclosure_id: str
    subject_id: str
    recipient: str
    recipient_name: str
    change: str
    fields: tuple[str, ...]
    source: str | None
    created_at: datetime
    sent_at: datetime | None
    sent_by: str | None


class Art19Notices(ClinicService):
    def queue(self, pending_only: bool = True) -> list[Art19Notice]:
        """The Art. 19 notices owed (or all of them), oldest first: the DPO's worklist."""
        self.require_dpo("see Art. 19 notices")
        with self.store.sessions() as session:
            query = log.notices(self.organisation, pending_only=pending_only)
            rows = list(session.scalars(query.limit(500)))
        return [self._notice(row) for row in rows]

    def mark_sent(self, notice_id: str) -> Art19Notice:
        """The DPO records that the recipient was told (audited on the patient's history)."""
        self.require_dpo("mark an Art. 19 notice sent")
        with self.store.sessions.begin() as session:
            row = session.get(Art19NoticeRow, (self.organisation, notice_id))
            if row is None:
                raise NotFound(f"no Art. 19 notice {notice_id}", field="notice")
            if row.sent_at is not None:
                raise Conflict("this notice was already sent")
            row.sent_at, row.sent_by = self.now(), self.actor.actor
            request = self.request(self._purpose(), row.subject_id, (), Action.WRITE)
            decision = Decision(True, ("art19:sent",))
            self.guard(session).record(
                request, decision, f"Art. 19 {row.change} notice sent to {row.recipient}"
            )
        return self._notice(row)

    def _purpose(self) -> str:
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound("this organisation's policy names no rights purpose", field="purpose")
        return purpose

    def _notice(self, row: Art19NoticeRow) -> Art19Notice:
        recipient = self.policy.recipient_by_key.get(row.recipient)
        return Art19Notice(
            row.notice_id,
            row.disclosure_id,
            row.subject_id,
            row.recipient,
            recipient.name if recipient else row.recipient,
            row.change,
            tuple(log.decode_fields(row.fields)),
            row.source,
            row.created_at,
            row.sent_at,
            row.sent_by,
        )
