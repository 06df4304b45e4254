"""The soft opt-in (PECR reg. 22(3); S0-42, D-01): a patient who bought one of the
organisation's own services, was offered the chance to opt out when they did and in every
message since, and has not opted out, may be sent marketing about that service and similar
ones by email or text message without having opted in.

Only where the organisation's policy enables it (``marketing: {model: soft_opt_in}``; both
shipped policies ask for an opt-in). "Similar" is what the policy says: a service's
``similar`` list, and the service itself; never a service whose booking reveals health
(D-02). The opt-out offer on file is the soft opt-in consent event recorded at the sale
(``ConsentKind.SOFT_OPT_IN``, with the service bought and the evidence of the offer); an
opt-out is a later withdrawal on that channel (the unsubscribe link records one), which
replaces it for good. Any other reason the patient may not be marketed to (a restriction, an
objection) is the guard's: the evaluator asks its scope.

``eligibility`` answers for one patient, audited; ``soft_live`` is the same rule as a SQL
condition, which a campaign's audience uses so that a soft opt-in reaches only a campaign
about a similar service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, or_, select

from hippocratic.domain.consent import ConsentKind, soft_terms
from hippocratic.errors import InputError
from hippocratic.guard.compiled_policy import soft_opt_in_allowed
from hippocratic.guard.decision import Action, Decision
from hippocratic.guard.scope import scope
from hippocratic.policy.document import Policy
from hippocratic.services.clinic_service import ClinicService
from hippocratic.storage.consent import ConsentEventRow, ConsentStateRow
from hippocratic.storage.subject import SubjectRow

ELECTRONIC = ("email", "sms")
"""The channels PECR reg. 22 governs, and so the only ones a soft opt-in covers."""


@dataclass(frozen=True)
class SoftOptInEligibility:
    subject_id: str
    service: str
    channel: str
    eligible: bool
    basis: str | None
    """``opt_in`` (they opted in: any marketing on the channel) or ``soft_opt_in``; None."""
    bought: str | None
    """The service bought when the opt-out was offered, from the consent ledger."""
    offered_at: datetime | None
    """When the opt-out was offered and not taken."""
    reasons: list[str]
    """Why they are, or are not, eligible, in plain words."""


def covering(policy: Policy, service: str) -> list[str]:
    """The services whose purchase lets a soft opt-in cover marketing about ``service``: the
    service itself and every one listing it as similar, none revealing health."""
    by_key = policy.service_by_key
    about = by_key.get(service)
    if about is None or about.health_revealing:
        return []
    return [
        s.key
        for s in policy.services
        if not s.health_revealing and (s.key == service or service in s.similar)
    ]


def soft_live(
    organisation: str,
    subject: SQLColumnExpression[str],
    purpose: str,
    channel: str,
    at: datetime,
    terms: str,
    services: list[str],
) -> ColumnElement[bool]:
    """True where the latest choice on ``channel`` is a soft opt-in standing on the purpose's
    ``terms`` (their soft form), not lapsed, given when one of ``services`` was bought."""
    return exists().where(
        ConsentStateRow.organisation_id == organisation,
        ConsentStateRow.subject_id == subject,
        ConsentStateRow.purpose == purpose,
        ConsentStateRow.channel == channel,
        ConsentStateRow.kind == ConsentKind.SOFT_OPT_IN.value,
        ConsentStateRow.given.is_(True),
        or_(ConsentStateRow.expires_at.is_(None), ConsentStateRow.expires_at > at),
        ConsentStateRow.terms_sha256 == soft_terms(terms),
        ConsentEventRow.organisation_id == organisation,
        ConsentEventRow.event_id == ConsentStateRow.event_id,
        ConsentEventRow.service.in_(services),
    )


class SoftOptIns(ClinicService):
    def eligibility(self, subject: str, service: str, channel: str) -> SoftOptInEligibility:
        """May ``subject`` be sent marketing about ``service`` on ``channel`` now? Read from
        the consent ledger and the guard's scope for the marketing purpose; audited."""
        marketing = self.policy.marketing
        about = self.policy.service_by_key.get(service)
        if about is None:
            raise InputError(
                f"no service {service!r} in this organisation's policy", field="service"
            )
        purpose = marketing.purpose if marketing is not None else None
        if marketing is None or purpose is None:
            raise InputError(
                "this organisation's policy names no marketing purpose", field="purpose"
            )
        now = self.now()
        with self.store.sessions.begin() as session:
            state = session.get(ConsentStateRow, (self.organisation, subject, purpose, channel))
            event = (
                session.get(ConsentEventRow, (self.organisation, state.event_id))
                if state is not None and state.event_id
                else None
            )
            reachable = session.scalar(
                select(SubjectRow.subject_id).where(
                    SubjectRow.organisation_id == self.organisation,
                    SubjectRow.subject_id == subject,
                    scope(self.policy, self.actor.actor, self.actor.role, purpose, now),
                )
            )
            asked = (subject, service, channel, marketing.channels)
            found = self._judge(asked, purpose, state, event, reachable is not None)
            request = self.request(purpose, subject, (), Action.READ)
            rule = f"marketing:soft_opt_in/{'eligible' if found.eligible else 'not_eligible'}"
            self.guard(session).record(
                request,
                Decision(True, (rule,)),
                f"soft opt-in eligibility for {service} by {channel}: "
                + ("eligible" if found.eligible else "not eligible"),
            )
        return found

    def _judge(
        self,
        asked: tuple[str, str, str, list[str]],
        purpose_key: str,
        state: ConsentStateRow | None,
        event: ConsentEventRow | None,
        reachable: bool,
    ) -> SoftOptInEligibility:
        """The answer for (subject, service, channel, the policy's marketing channels)."""
        subject, service, channel, channels = asked
        policy, now = self.policy, self.now()
        purpose = policy.purpose_by_key[purpose_key]
        name = policy.service_by_key[service].title
        bought = event.service if event is not None else None
        offered = event.at if event is not None and event.kind == ConsentKind.SOFT_OPT_IN else None

        def answer(eligible: bool, basis: str | None, *reasons: str) -> SoftOptInEligibility:
            return SoftOptInEligibility(
                subject, service, channel, eligible, basis, bought, offered, list(reasons)
            )

        opted_in = state is not None and state.kind == ConsentKind.GRANTED.value and state.given
        if opted_in and reachable:
            return answer(True, "opt_in", "they opted in on this channel")
        if not soft_opt_in_allowed(policy, purpose.key):
            return answer(False, None, f"{policy.organisation.display_name}'s policy asks for "
                          "an opt-in: a soft opt-in does not count (D-01)")  # fmt: skip
        if channel not in ELECTRONIC or channel not in channels:
            return answer(False, None, f"a soft opt-in covers only email and text messages "
                          f"the policy markets by, not {channel}")  # fmt: skip
        if policy.service_by_key[service].health_revealing:
            return answer(False, None, f"“{name}” reveals something about health: marketing "
                          "never uses it (D-02)")  # fmt: skip
        if state is None or state.kind == ConsentKind.WITHDRAWN.value or not state.given:
            said = f"they opted out on {state.recorded_at:%d %b %Y}" if state else (
                "no opt-out offer is on file for this channel")  # fmt: skip
            return answer(False, None, said)
        lapsed = state.expires_at is not None and state.expires_at <= now
        if lapsed or state.terms_sha256 != soft_terms(purpose.consent_terms()):
            return answer(False, None, "the soft opt-in on file no longer stands (it lapsed, "
                          "or the marketing terms changed since)")  # fmt: skip
        if bought not in covering(policy, service):
            was = policy.service_by_key[bought].title if bought in policy.service_by_key else bought
            return answer(False, None, f"they bought “{was}”, which the policy does not list "
                          f"as similar to “{name}”")  # fmt: skip
        if not reachable:
            return answer(False, None, "the guard refuses marketing to them now (a "
                          "restriction or an objection)")  # fmt: skip
        return answer(True, "soft_opt_in", f"they bought a similar service and were offered "
                      f"the opt-out on {state.recorded_at:%d %b %Y}; no opt-out since")  # fmt: skip
